"""The material store's boundary: the OSErrors of real filesystem calls become
``MaterialsStoreFull`` (507) or ``MaterialsStoreUnavailable`` (503), and a refused
upload leaves no file. Root ignores mode bits, so the permission cases run the store in
a child process as ``nobody``; tests/e2e/test_materials_store.py does the same over
HTTP on real full and read-only tmpfs mounts."""

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.materials import (
    MaterialsStoreFull,
    MaterialsStoreUnavailable,
    MaterialStore,
    storage_error,
)

NOBODY = 65534


def test_a_write_to_a_full_device_is_a_full_store() -> None:
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as refused:  # noqa: PT011 — the errno is what matters
            os.write(fd, b"x")
    finally:
        os.close(fd)
    assert refused.value.errno == errno.ENOSPC
    assert isinstance(storage_error(refused.value), MaterialsStoreFull)


@given(st.sampled_from(sorted(errno.errorcode)))
def test_only_full_and_refused_filesystems_are_the_operators_problem(code: int) -> None:
    problem = storage_error(OSError(code, os.strerror(code)))
    expected = (
        MaterialsStoreFull
        if code in (errno.ENOSPC, errno.EDQUOT)
        else MaterialsStoreUnavailable
        if code in (errno.EROFS, errno.EACCES, errno.EPERM)
        else type(None)
    )
    assert type(problem) is expected


def test_a_directory_the_kernel_refuses_is_an_unavailable_store() -> None:
    if not Path("/sys/kernel").is_dir():
        pytest.skip("no sysfs here")
    with pytest.raises(MaterialsStoreUnavailable):  # sysfs refuses mkdir: EPERM
        MaterialStore("/sys/ledger-materials").put([b"x"])


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory ``nobody`` can reach (pytest's tmp_path is root's alone)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as nobody")
    directory = Path(tempfile.mkdtemp(prefix="ledger-store-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def _as_nobody(action: Callable[[], object]) -> str:
    """``action`` run as ``nobody`` in a forked child (no exec: root's interpreter is not
    nobody's to read); what it raised, as ``CODE errno``, or ``returned``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        outcome = "returned"
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            action()
        except MaterialsStoreUnavailable as problem:
            outcome = f"{problem.code} {getattr(problem.__cause__, 'errno', None)}"
        except BaseException as error:
            outcome = repr(error)
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        outcome = answer.read()
    os.waitpid(pid, 0)
    return outcome


def test_a_directory_the_service_may_not_write_is_an_unavailable_store(shared_dir: Path) -> None:
    store = shared_dir / "materials"
    store.mkdir(mode=0o555)
    assert _as_nobody(lambda: MaterialStore(store).put([b"scan"])) == (
        f"MATERIALS_STORE_UNAVAILABLE {errno.EACCES}"
    )
    assert list(store.iterdir()) == []


def test_a_directory_the_service_may_not_read_is_an_unavailable_store(shared_dir: Path) -> None:
    store = shared_dir / "materials"
    store.mkdir(mode=0o700)
    (store / "ab").mkdir(mode=0o700)
    assert _as_nobody(lambda: MaterialStore(store).path("ab" * 32)) == (
        f"MATERIALS_STORE_UNAVAILABLE {errno.EACCES}"
    )
