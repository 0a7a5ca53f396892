"""Tamper evidence (CONTRACT §4): signed checkpoints, the public key, inclusion and
consistency proofs."""

import os
import tempfile
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from api.deps import CallerDep, IntegrityQueriesDep, ReaderDep
from api.personal_data import DisclosureDep
from api.problem_docs import problem_responses
from api.responses import JSONBody
from api.routes.households import HouseholdId

router = APIRouter(prefix="/v1", tags=["integrity"])


_CHECKPOINT_EXAMPLE = {
    "tree_size": 1042,
    "root_hash": "5b1f0c2e9a7d4c3b8e6f1a2d3c4b5a69788796a5b4c3d2e1f00112233445566",
    "timestamp": "2026-12-07T08:30:00.123456+00:00",
    "signature": "q0s3mYbq…base64 Ed25519 signature…Bw==",
    "cosignatures": [
        "— audit.lincang.gov.cn/witness HTwbDQAAAABnVDUY…base64 key id, time, signature…",
    ],
}


@router.get(
    "/checkpoints/latest",
    responses={200: {"content": {"application/json": {"example": _CHECKPOINT_EXAMPLE}}}},
)
def latest_checkpoint(
    integrity: IntegrityQueriesDep,
    caller: CallerDep,
    fresh: Annotated[
        bool,
        Query(
            description="Cover every append that has returned, signing a new checkpoint if needed"
        ),
    ] = False,
) -> JSONBody:
    """The latest signed tree head: `{"tree_size", "root_hash", "timestamp", "signature",
    "cosignatures"}`; the signature is Ed25519 over the RFC 8785 JSON of `tree_size`,
    `root_hash` and `timestamp`. `cosignatures` are the witness cosignature lines
    (c2sp.org/tlog-cosignature) gathered for the C2SP note of the same tree (`/log/checkpoint`),
    `[]` until a witness cosigned that size; they are not covered by `signature`."""
    return JSONBody(integrity.checkpoint_document(fresh=fresh))


@router.get("/checkpoints/public-key")
def public_key(integrity: IntegrityQueriesDep) -> JSONBody:
    """The Ed25519 key that signs checkpoints (base64 of its 32 raw bytes). Public: a
    third party needs it, and nothing else, to verify an archive."""
    return JSONBody({"public_key": integrity.public_key()})


@router.get("/proofs/inclusion", responses=problem_responses(404))
def inclusion_proof(
    integrity: IntegrityQueriesDep,
    caller: CallerDep,
    event_id: UUID,
    tree_size: Annotated[
        int | None,
        Query(ge=1, description="Default: the latest checkpoint (fresh if it lacks the event)"),
    ] = None,
) -> JSONBody:
    """RFC 6962 audit path of an event's leaf (its hash as 32 bytes) in a tree."""
    return JSONBody(integrity.inclusion(event_id, caller, tree_size).document())


@router.get("/proofs/consistency")
def consistency_proof(
    integrity: IntegrityQueriesDep,
    caller: CallerDep,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int | None, Query(ge=1, description="Default: the latest checkpoint")] = None,
) -> JSONBody:
    """RFC 6962 proof that the tree of `second` leaves extends the tree of `first`."""
    return JSONBody(integrity.consistency(first, second))


@router.get(
    "/households/{household_id}/archive",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The trace archive (zip)"}},
)
def household_archive(
    household_id: HouseholdId,
    integrity: IntegrityQueriesDep,
    caller: ReaderDep,
    disclosure: DisclosureDep,
) -> FileResponse:
    """The household's trace archive (痕迹资料): its events as served, the chain, the
    latest checkpoint and public key, an inclusion proof of every event, the materials
    index and files, a readable report, each event's c2sp.org/tlog-proof with the cosigned
    checkpoint note and the witness policy (`tlog/`); `ledger verify` checks it offline
    (format `ledger-trace-archive/3`). A reader of personal data's archive carries the values with
    their openings (the manifest says `"personal_data": "opened"`), an evaluator's their
    commitments (`"committed"`): either verifies in full."""
    fd, path = tempfile.mkstemp(prefix="ledger-archive-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as file:
            integrity.archive(household_id, caller, file)
        disclosure.record([household_id])
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{household_id}-trace-archive.zip",
        background=BackgroundTask(os.unlink, path),
    )
