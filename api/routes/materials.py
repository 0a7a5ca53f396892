"""Trace materials (痕迹资料): upload a file, download it by its SHA-256."""

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Path, Request, UploadFile
from starlette.responses import FileResponse

from api import links
from api.deps import CallerDep, LedgerDep, MaterialQueryDep, MaterialsDep, PrimaryLedgerDep
from api.personal_data import access_log, endpoint
from api.problem_docs import problem_responses
from api.responses import JSONBody
from ledger import materials
from ledger.domain.callers import Caller
from ledger.domain.masking import mask_name, sees_personal_data
from ledger.persistence.access_log import Access
from ledger.persistence.tables import MaterialRecord

router = APIRouter(prefix="/v1/materials", tags=["materials"])

MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart framing around the file, above the file's own limit."""

Sha256 = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="The file's SHA-256, 64 lowercase hex digits")
]


def _document(record: MaterialRecord) -> dict[str, object]:
    return {
        "sha256": record.sha256,
        "size": record.size,
        "media_type": record.media_type,
        "name": record.file_name,
    }


_STORED_SCHEMA = {
    "type": "object",
    "required": ["sha256", "size"],
    "properties": {
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "size": {"type": "integer", "minimum": 1},
        "media_type": {"type": "string"},
        "name": {"type": "string"},
    },
}


@router.post(
    "",
    status_code=201,
    responses={
        **{
            status: {
                "description": description,
                "links": links.STORED,
                "content": {"application/json": {"schema": _STORED_SCHEMA}},
            }
            for status, description in (
                (201, "Stored: this token's first upload of these bytes"),
                (200, "This token had uploaded these bytes before: its own upload again"),
            )
        },
        **problem_responses(507),
    },
)
def upload_material(
    # An empty file is refused (422): documented, so generated uploads hold bytes.
    file: Annotated[
        UploadFile, File(description="The material, one file", json_schema_extra={"minLength": 1})
    ],
    ledger: LedgerDep,
    caller: CallerDep,
    store: MaterialsDep,
) -> JSONBody:
    """Store a trace material; cite its `sha256` in an event's `materials`. The answer
    is this token's own upload (201 the first time it sends these bytes, 200 after):
    whether anyone else uploaded the same bytes, and under what name, is not told."""
    uploaded = materials.upload(
        store,
        ledger.tables,
        caller,
        file.file,
        file_name=file.filename,
        media_type=file.content_type,
        now=datetime.now(UTC),
    )
    return JSONBody(
        _document(uploaded.material),
        status_code=201 if uploaded.created else 200,
        headers={"Location": f"{router.prefix}/{uploaded.material.sha256}"},
    )


@router.get(
    "/{sha256}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file, as the media type it was uploaded with",
            "content": {"*/*": {}},
        }
    },
)
def download_material(
    sha256: Sha256,
    request: Request,
    materials_query: MaterialQueryDep,
    caller: CallerDep,
    primary: PrimaryLedgerDep,
) -> FileResponse:
    """The file, for the token that uploaded it, or a reading role whose division holds
    a household that cites it and lies in the division of a token that uploaded it;
    anyone else gets 404. Evaluators get the file with its name masked (file names often
    carry a person's name). Every download is in the access log before it is sent."""
    grant = materials_query.readable(caller, sha256)
    access_log(primary).record(_accesses(grant, caller, endpoint(request), primary.clock()))
    record, path = grant.upload, grant.file
    name = record.file_name
    if not sees_personal_data(caller):
        stem, dot, extension = name.rpartition(".")
        name = f"{mask_name(stem)}.{extension}" if dot else (mask_name(name) or "")
    return FileResponse(
        path,
        media_type=record.media_type,
        headers={
            "Content-Disposition": _disposition(name),
            "ETag": f'"{record.sha256}"',
            "X-Content-Type-Options": "nosniff",
            # Never rendered as a page of this origin, whatever type it was uploaded with.
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _accesses(
    grant: materials.Grant,
    caller: Caller,
    where: str,
    at: datetime,
) -> list[Access]:
    """One row per household through which the file is read; a file read by its uploader
    before any household of its division cites it is logged against the division itself
    (its code padded to a village code, so the division's admins see it)."""
    households = grant.households or [("", caller.division.ljust(12, "0"))]
    return [
        Access(
            at,
            caller.token_id,
            str(caller.role),
            household_id,
            village_code,
            where,
            material=grant.upload.sha256,
        )
        for household_id, village_code in households
    ]


def _disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the real name per RFC 6266/5987."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
