"""Uploading trace materials and reading them, by caller: who may upload, and whose
upload of a file (or which cited household) lets a token read it."""

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ledger.domain.access import READING_ROLES
from ledger.domain.callers import Caller
from ledger.domain.errors import (
    Forbidden,
    UnknownMaterial,
    ValidationFailed,
)
from ledger.domain.vocabulary import CallerRole
from ledger.materials.store import (
    MaterialStore,
    Readable,
    check_sha256,
    chunks_of,
)
from ledger.persistence.ports import MaterialsIndex
from ledger.persistence.tables import MaterialRecord, MaterialUpload

_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")  # as the envelope's `media_type`
_MAX_NAME = 100  # the envelope's `name` holds at most 100 characters
_MAY_UPLOAD = frozenset(
    {CallerRole.ADMIN, CallerRole.RECORDER, CallerRole.INTAKE, CallerRole.DEPARTMENT}
)  # those who may append


@dataclass(frozen=True)
class Upload:
    material: MaterialRecord  # this token's upload: its own name and type, never another's
    created: bool  # this token had not uploaded these bytes before


def upload(
    store: MaterialStore,
    tables: MaterialsIndex,
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
    chunks = chunks_of(source)
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
    store: MaterialStore, tables: MaterialsIndex, caller: Caller, sha256: str, citations: Citations
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
    tables: MaterialsIndex, store: MaterialStore, caller: Caller, village_code: str
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
