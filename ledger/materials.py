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
import functools
import hashlib
import itertools
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from ledger.domain.access import READING_ROLES
from ledger.domain.callers import Caller
from ledger.domain.errors import (
    Forbidden,
    LedgerError,
    PayloadTooLarge,
    UnknownMaterial,
    ValidationFailed,
)
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.tables import MaterialRecord, MaterialUpload, SideTables

CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")  # as the envelope's `media_type`
_MAX_NAME = 100  # the envelope's `name` holds at most 100 characters
_MAY_UPLOAD = frozenset(
    {CallerRole.ADMIN, CallerRole.RECORDER, CallerRole.INTAKE, CallerRole.DEPARTMENT}
)  # those who may append


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
                for chunk in _chunks(source):
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


def _chunks(source: Iterable[bytes] | Readable) -> Iterator[bytes]:
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


# Uploading and reading, by caller


@dataclass(frozen=True)
class Upload:
    material: MaterialRecord  # this token's upload: its own name and type, never another's
    created: bool  # this token had not uploaded these bytes before


def upload(
    store: MaterialStore,
    tables: SideTables,
    caller: Caller,
    source: Readable,
    *,
    file_name: str | None,
    media_type: str | None,
    now: datetime,
) -> Upload:
    """Stores a file and records this token's upload of it; only callers who may append
    upload. Whether anyone else uploaded the same bytes is not told."""
    if caller.role not in _MAY_UPLOAD:
        raise Forbidden(f"a {caller.role} token may not upload materials")
    name = _name(file_name)
    chunks = _chunks(source)
    first = next(chunks, b"")
    if not first:
        raise ValidationFailed("the file is empty", [{"field": "file", "message": "is empty"}])
    stored = store.put(itertools.chain([first], chunks))
    record = MaterialRecord(
        sha256=stored.sha256,
        size=stored.size,
        media_type=_media_type(media_type),
        file_name=name,
        uploaded_at=now,
        uploaded_by=caller.token_id,
        uploader_division=caller.division,
    )
    if tables.add_material(record):
        return Upload(record, created=True)
    own = next(
        u
        for u in tables.material_uploads([stored.sha256])[stored.sha256]
        if u.token_id == caller.token_id
    )
    return Upload(
        replace(
            record, media_type=own.media_type, file_name=own.file_name, uploaded_at=own.uploaded_at
        ),
        created=False,
    )


Citations = Callable[[str, str], list[tuple[str, str]]]
"""``(sha256, division)`` → the ``(household_id, village_code)`` of the households of
``division`` whose events cite the file."""


@dataclass(frozen=True)
class Grant:
    """Why a caller may read a material: the upload whose name and type it is served
    with, and the households through which it may (each read is logged against them)."""

    upload: MaterialUpload
    file: Path
    households: list[tuple[str, str]]  # (household_id, village_code)


def covers(upload: MaterialUpload, village_code: str) -> bool:
    """Whether the uploader's division holds the village: an uploader answers for its
    own division's files, and only a household there can pass the file on."""
    return village_code.startswith(upload.division)


def readable(
    store: MaterialStore, tables: SideTables, caller: Caller, sha256: str, citations: Citations
) -> Grant:
    """The material if ``caller`` may read it (docs/decisions.md, "Who may read a trace
    material"): the token that uploaded it; or a reading role whose division holds a
    household that cites it *and* lies in the division of a token that uploaded it —
    admins included, since every token is bound to its division. Citing a file's
    SHA-256 in one's own household gives nothing of another division's file. Otherwise
    ``UnknownMaterial``, as if it did not exist."""
    check_sha256(sha256)
    uploads = tables.material_uploads([sha256]).get(sha256, [])
    cited = citations(sha256, caller.division) if caller.role in READING_ROLES else []
    households = [
        (household, village)
        for household, village in cited
        if any(covers(u, village) for u in uploads)
    ]
    chosen = next((u for u in uploads if u.token_id == caller.token_id), None) or next(
        (u for u in uploads if any(covers(u, village) for _, village in households)), None
    )
    file = store.path(sha256) if chosen is not None else None
    if chosen is None or file is None:
        raise UnknownMaterial(f"no material {sha256} is stored that this token may read")
    return Grant(chosen, file, households)


def included_in_archive(
    tables: SideTables, store: MaterialStore, caller: Caller, village_code: str
) -> Callable[[str], bool]:
    """Whether a household of ``village_code`` carries a cited file in its archive: the
    rule of ``readable`` for a reader of that household."""

    @functools.cache
    def included(sha256: str) -> bool:
        uploads = tables.material_uploads([sha256]).get(sha256, [])
        return store.has(sha256) and any(
            u.token_id == caller.token_id or covers(u, village_code) for u in uploads
        )

    return included


def _name(file_name: str | None) -> str:
    # Browsers may send a client-side path; keep the last part, without control characters.
    name = re.split(r"[/\\]", file_name or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "material"
    if len(name) > _MAX_NAME:
        raise ValidationFailed(
            f"the file name is longer than {_MAX_NAME} characters",
            [{"field": "file", "message": f"name over {_MAX_NAME} characters"}],
        )
    return name


def _media_type(declared: str | None) -> str:
    essence = (declared or "").split(";")[0].strip().lower()
    return (
        essence
        if _MEDIA_TYPE.match(essence) and len(essence) <= 127
        else "application/octet-stream"
    )
