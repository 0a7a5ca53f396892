"""The material store: content-addressed, idempotent, bounded, and never half-written."""

import hashlib
import io
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import PayloadTooLarge, UnknownMaterial, ValidationFailed
from ledger.materials import MaterialStore, StoredMaterial

CONTENT = "入户调查采集表".encode() * 1000


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_a_file_is_stored_under_its_sha256(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path / "materials")
    stored = store.put([CONTENT[:100], CONTENT[100:]])
    sha256 = hashlib.sha256(CONTENT).hexdigest()
    assert stored == StoredMaterial(sha256, len(CONTENT), created=True)
    assert files_under(tmp_path) == [tmp_path / "materials" / sha256[:2] / sha256]
    assert store.path(sha256) == tmp_path / "materials" / sha256[:2] / sha256
    assert store.has(sha256)
    with store.open(sha256) as file:
        assert file.read() == CONTENT


def test_a_binary_file_is_read_in_chunks_not_by_lines(tmp_path: Path) -> None:
    content = b"line one\nline two\n" * 100_000
    stored = MaterialStore(tmp_path).put(io.BytesIO(content))
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)


def test_storing_the_same_bytes_again_keeps_the_one_file(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path)
    first = store.put([CONTENT])
    before = files_under(tmp_path)[0].stat().st_mtime_ns
    again = store.put(io.BytesIO(CONTENT))
    assert again == StoredMaterial(first.sha256, first.size, created=False)
    assert len(files_under(tmp_path)) == 1
    assert files_under(tmp_path)[0].stat().st_mtime_ns == before


def test_a_truncated_file_in_the_store_is_replaced_by_a_whole_one(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path)
    sha256 = store.put([CONTENT]).sha256
    (tmp_path / sha256[:2] / sha256).write_bytes(CONTENT[:10])
    assert store.put([CONTENT]).created
    with store.open(sha256) as file:
        assert file.read() == CONTENT


def test_bytes_over_the_limit_are_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path, max_bytes=1000)
    with pytest.raises(PayloadTooLarge) as refused:
        store.put(iter([b"x" * 600, b"x" * 600]))
    assert refused.value.code == "PAYLOAD_TOO_LARGE"
    assert files_under(tmp_path) == []


def test_bytes_exactly_at_the_limit_are_stored(tmp_path: Path) -> None:
    assert MaterialStore(tmp_path, max_bytes=1000).put([b"x" * 1000]).size == 1000


def test_a_source_failing_midway_leaves_no_file_behind(tmp_path: Path) -> None:
    def failing() -> Iterator[bytes]:
        yield b"the first half"
        raise ConnectionResetError("the client went away")

    store = MaterialStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(failing())
    assert files_under(tmp_path) == []
    assert not store.has(hashlib.sha256(b"the first half").hexdigest())


def test_the_directory_is_created_on_the_first_write_for_its_owner_only(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path / "a" / "materials")
    assert not (tmp_path / "a").exists()
    sha256 = store.put([CONTENT]).sha256
    for directory in (tmp_path / "a" / "materials", tmp_path / "a" / "materials" / sha256[:2]):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(files_under(tmp_path)[0].stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "A" * 64,
        "a" * 63,
        "a" * 65,
        "",
        "/" + "a" * 63,
        "a" * 62 + "/.",
        "g" * 64,
    ],
)
def test_a_malformed_sha256_is_refused_before_the_filesystem_is_touched(
    tmp_path: Path, name: str
) -> None:
    store = MaterialStore(tmp_path / "materials")
    for look in (store.path, store.has, store.open):
        with pytest.raises(ValidationFailed):
            look(name)
    assert not (tmp_path / "materials").exists()


def test_opening_a_material_that_is_not_stored_is_unknown(tmp_path: Path) -> None:
    store = MaterialStore(tmp_path)
    assert store.path("0" * 64) is None
    assert not store.has("0" * 64)
    with pytest.raises(UnknownMaterial):
        store.open("0" * 64)


@given(st.lists(st.binary(max_size=300), max_size=8))
def test_the_name_is_the_sha256_of_the_bytes_however_they_are_chunked(chunks: list[bytes]) -> None:
    content = b"".join(chunks)
    with tempfile.TemporaryDirectory() as directory:
        stored = MaterialStore(directory).put(chunks)
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
        assert stored.size == len(content)
        assert Path(directory, stored.sha256[:2], stored.sha256).read_bytes() == content
