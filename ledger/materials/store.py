"""Trace materials (痕迹资料): uploaded files kept by their SHA-256, and who may read them.

Files live at ``<directory>/<first two hex>/<sha256>``. An upload is written to a
temporary file in the store's directory while it is hashed, made durable, then renamed
into place in one step, so a reader never sees a partial file and a failed upload leaves
nothing behind. The same bytes stored twice are one file. A full store (ENOSPC, EDQUOT)
is ``MaterialsStoreFull`` (507), one that cannot be written or read (EROFS, EACCES,
EPERM) ``MaterialsStoreUnavailable`` (503): the operator's to fix, never a 500.
"""

import contextlib
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ledger.domain.errors import (
    LedgerError,
    PayloadTooLarge,
    UnknownMaterial,
    ValidationFailed,
)

CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class MaterialsStoreFull(LedgerError):
    """The materials directory has no room (or quota) left for the file (507)."""

    code = "MATERIALS_STORE_FULL"


class MaterialsStoreUnavailable(LedgerError):
    """The materials directory cannot be written or read: read-only or not permitted (503)."""

    code = "MATERIALS_STORE_UNAVAILABLE"


_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
_UNAVAILABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def storage_error(error: OSError) -> LedgerError | None:
    """The problem a failed filesystem call of the store is to its caller, or None for an
    error that is a defect (left to surface as one)."""
    if error.errno in _FULL:
        return MaterialsStoreFull(
            "the materials store is full; nothing was stored (an operator must free space)"
        )
    if error.errno in _UNAVAILABLE:
        return MaterialsStoreUnavailable(
            f"the materials store cannot be {'written' if error.errno == errno.EROFS else 'used'}"
            f" ({errno.errorcode.get(error.errno or 0, 'error')}); nothing was stored"
        )
    return None


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if (problem := storage_error(error)) is None:
            raise
        raise problem from error


@runtime_checkable
class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def check_sha256(value: str) -> str:
    """``value`` if it is 64 lowercase hex digits, else ``ValidationFailed``."""
    if not _SHA256.match(value):
        raise ValidationFailed(
            "sha256 must be 64 lowercase hexadecimal digits",
            [{"field": "sha256", "message": "64 lowercase hex digits"}],
        )
    return value


@dataclass(frozen=True)
class StoredMaterial:
    sha256: str
    size: int
    created: bool  # False: the same bytes were already stored


class MaterialStore:
    """Content-addressed files in ``directory`` (created on first write, owner-only)."""

    def __init__(self, directory: str | os.PathLike[str], *, max_bytes: int | None = None) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    def put(self, source: Iterable[bytes] | Readable) -> StoredMaterial:
        """Stores the bytes of ``source`` (chunks, or a binary file read in chunks);
        ``PayloadTooLarge`` as soon as they pass ``max_bytes``; ``MaterialsStoreFull`` or
        ``MaterialsStoreUnavailable`` when the filesystem refuses, leaving no file."""
        with _storage_errors():
            return self._put(source)

    def _put(self, source: Iterable[bytes] | Readable) -> StoredMaterial:
        _make_dir(self.directory)
        digest, size = hashlib.sha256(), 0
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks_of(source):
                    size += len(chunk)
                    if self.max_bytes is not None and size > self.max_bytes:
                        raise PayloadTooLarge(
                            f"the material is over the limit of {self.max_bytes} bytes"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            final = self._file(sha256)
            if final.is_file() and final.stat().st_size == size:
                return StoredMaterial(sha256, size, created=False)
            _make_dir(final.parent)
            os.replace(temp, final)
            _fsync_dir(final.parent)
            return StoredMaterial(sha256, size, created=True)
        finally:
            # Gone already when it was renamed into place; a store turned read-only since
            # it was made cannot lose it either (the error already told is the one to tell).
            with contextlib.suppress(OSError):
                os.unlink(temp)

    def path(self, sha256: str) -> Path | None:
        """The stored file, or None; ``ValidationFailed`` for a malformed ``sha256``."""
        file = self._file(check_sha256(sha256))
        with _storage_errors():
            return file if file.is_file() else None

    def has(self, sha256: str) -> bool:
        return self.path(sha256) is not None

    def open(self, sha256: str) -> BinaryIO:
        file = self.path(sha256)
        if file is None:
            raise UnknownMaterial(f"no material {sha256} is stored")
        with _storage_errors():
            return file.open("rb")

    def _file(self, sha256: str) -> Path:
        return self.directory / sha256[:2] / sha256


def chunks_of(source: Iterable[bytes] | Readable) -> Iterator[bytes]:
    if isinstance(source, Readable):  # a file iterates by lines: read it in chunks instead
        return iter(lambda: source.read(CHUNK_BYTES), b"")
    return iter(source)


def _make_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def _fsync_dir(directory: Path) -> None:
    """Makes the rename durable: the directory entry itself is flushed."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
