"""Reading an untrusted zip: what ``zipfile`` writes is read back exactly, in chunks; what
readers could disagree on, or what inflates other than it says, is refused by name."""

import hashlib
import io
import re
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.transparency.verify import verify_archive
from ledger.transparency.zipreader import CHUNK, ArchiveInvalid, BoundedZip, Limits

LIMITS = Limits()


def _zip(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as out:
        for name, content in entries:
            out.writestr(name, content)
    return bytearray(buffer.getvalue())


def _open(data: bytes | bytearray, limits: Limits = LIMITS) -> BoundedZip:
    return BoundedZip(io.BytesIO(bytes(data)), limits)


def _read(data: bytes | bytearray, name: str) -> bytes:
    return b"".join(_open(data).chunks(name))


def _central(data: bytearray, name: str) -> int:
    """The offset of ``name``'s central directory record."""
    end = data.rfind(b"PK\x05\x06")
    count, _, start = struct.unpack_from("<HLL", data, end + 10)
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, start + 28)
        if data[start + 46 : start + 46 + name_length] == name.encode():
            return int(start)
        start += 46 + name_length + extra_length + comment_length
    raise AssertionError(name)


# Sizes around the chunk, and content from incompressible to all alike.
_CONTENT = st.one_of(
    st.binary(max_size=3 * CHUNK),
    st.builds(
        lambda byte, n: byte * n, st.binary(min_size=1, max_size=3), st.integers(0, 5 * CHUNK)
    ),
    st.sampled_from([b"", b"x", bytes(CHUNK - 1), bytes(CHUNK), bytes(CHUNK + 1)]),
)


@settings(max_examples=60, deadline=None)
@given(_CONTENT, st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]), st.integers(0, 9))
def test_what_zipfile_writes_is_read_back_exactly(content: bytes, method: int, level: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=level) as out:
        out.writestr("a.bin", content)
        out.writestr("b.bin", content[::-1])
    archive = _open(buffer.getvalue())
    assert b"".join(archive.chunks("a.bin")) == content
    assert b"".join(archive.chunks("b.bin")) == content[::-1]
    assert all(len(chunk) <= CHUNK for chunk in archive.chunks("a.bin"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=CHUNK // 2).map(lambda b: b.replace(b"\n", b"")), max_size=12))
def test_lines_are_the_document_split_at_line_feeds(lines: list[bytes]) -> None:
    document = b"\n".join(lines)
    archive = _open(_zip(("events.jsonl", document)))
    expected = document.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert list(archive.lines("events.jsonl")) == expected


def test_an_entry_inflating_to_less_than_it_states_is_refused() -> None:
    data = _zip(("a.txt", b"hello world"))
    struct.pack_into("<L", data, _central(data, "a.txt") + 24, 12)
    with pytest.raises(
        ArchiveInvalid, match=re.escape("inflates to less than its stated size of 12")
    ):
        _read(data, "a.txt")


def test_an_entry_whose_crc_differs_is_refused() -> None:
    data = _zip(("a.txt", b"hello world"))
    struct.pack_into("<L", data, _central(data, "a.txt") + 16, 0)
    with pytest.raises(ArchiveInvalid, match=re.escape("a.txt: its CRC-32 does not match")):
        _read(data, "a.txt")


def test_data_after_the_end_of_a_deflate_stream_is_refused() -> None:
    data = _zip(("a.txt", b"hello world"), ("b.txt", b"next"))
    at = _central(data, "a.txt")
    compressed = struct.unpack_from("<L", data, at + 20)[0]
    struct.pack_into("<L", data, at + 20, compressed + 1)  # swallows b.txt's first byte
    with pytest.raises(ArchiveInvalid):  # overlap, or data after the stream
        _open(data)


def test_a_corrupt_deflate_stream_is_refused() -> None:
    data = _zip(("a.txt", b"hello world" * 10))
    data[30 + 5 : 30 + 5 + 4] = b"\xff\xff\xff\xff"
    with pytest.raises(ArchiveInvalid, match=re.escape("a.txt")):
        _read(data, "a.txt")


def test_overlapping_entries_are_refused() -> None:
    # b.txt's whole local record is also a.txt's data: two names over the same bytes.
    quoted = bytes(_zip(("b.txt", b"hello"), method=zipfile.ZIP_STORED))[: 30 + 5 + 5]
    data = _zip(("a.txt", quoted), ("b.txt", b"hello"), method=zipfile.ZIP_STORED)
    struct.pack_into("<L", data, _central(data, "b.txt") + 42, 30 + 5)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).read("b.txt") == b"hello"  # Python agrees
    with pytest.raises(ArchiveInvalid, match=re.escape("'b.txt' overlaps 'a.txt'")):
        _open(data)


def test_an_encrypted_entry_is_refused() -> None:
    data = _zip(("a.txt", b"secret"))
    at = _central(data, "a.txt")
    struct.pack_into("<H", data, at + 8, struct.unpack_from("<H", data, at + 8)[0] | 0x1)
    with pytest.raises(ArchiveInvalid, match=re.escape("a.txt is encrypted")):
        _open(data)


def test_an_entry_in_another_compression_method_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as out:
        out.writestr("a.txt", b"x" * 1000)
    with pytest.raises(ArchiveInvalid, match=re.escape("a.txt uses compression method 12")):
        _open(buffer.getvalue())


def test_more_entries_than_the_limit_are_refused_before_zipfile_parses_them() -> None:
    long_names = _zip(*((f"{'n' * 200}-{i}", b"") for i in range(3)))
    with pytest.raises(ArchiveInvalid, match=re.escape("central directory has")):
        _open(long_names, Limits(entries=1))
    short_names = _zip(*((f"{i}", b"") for i in range(3)))
    with pytest.raises(ArchiveInvalid, match=re.escape("3 entries, more than the 2")):
        _open(short_names, Limits(entries=2))


def test_the_totals_and_each_entry_are_capped_by_their_stated_sizes() -> None:
    data = _zip(("a.txt", b"x" * 100), ("b.txt", b"y" * 100))
    with pytest.raises(
        ArchiveInvalid,
        match=re.escape("a.txt would inflate to 100 bytes, over the limit of 99 for one entry"),
    ):
        _open(data, Limits(entry_bytes=99))
    with pytest.raises(ArchiveInvalid, match=re.escape("200 bytes in all, over the limit of 199")):
        _open(data, Limits(total_bytes=199))
    with pytest.raises(ArchiveInvalid, match=re.escape("over the limit of 50 for a document")):
        _open(data, Limits(document_bytes=50)).read("a.txt")


def test_a_name_with_a_nul_is_refused() -> None:
    data = _zip(("a.txt.bin", b"x"))
    for at in (30, _central(data, "a.txt.bin") + 46):
        data[at + 5] = 0  # "a.txt\0bin": Python reads "a.txt", others the whole name
    with pytest.raises(ArchiveInvalid, match=re.escape("has a NUL in its name")):
        _open(data)


def test_a_truncated_archive_is_refused() -> None:
    data = _zip(("a.txt", b"0123456789"), method=zipfile.ZIP_STORED)
    with pytest.raises(ArchiveInvalid):
        _read(data[: 30 + 5 + 4], "a.txt")


def test_an_inflated_stream_equal_to_the_stated_size_is_read_in_chunks() -> None:
    content = bytes(10 * CHUNK)
    archive = _open(_zip(("zeros", content)))
    chunks = list(archive.chunks("zeros"))
    assert len(chunks) >= 10
    assert zlib.crc32(b"".join(chunks)) == zlib.crc32(content)
    assert archive.digest("zeros") == hashlib.sha256(content).hexdigest()


_SMALL = bytes(
    _zip(
        ("manifest.json", b'{"format": "x"}'),
        ("events.jsonl", b"{}\n" * 50),
        ("materials/ab", b"\x00" * 300),
    )
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_SMALL) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.integers(0, len(_SMALL)),
)
def test_a_damaged_archive_is_a_named_mismatch_never_a_crash(
    changes: list[tuple[int, int]], length: int
) -> None:
    damaged = bytearray(_SMALL)
    for at, byte in changes:
        damaged[at] = byte
    with pytest.raises(ArchiveInvalid):
        verify_archive(io.BytesIO(bytes(damaged[:length] if length > 100 else damaged)))
