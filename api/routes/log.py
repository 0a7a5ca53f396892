"""The log in C2SP form (CONTRACT §7.4): its checkpoint as a signed note and its verifier
key. Public, like the tiles: witnesses, monitors and tile clients hold no token."""

from fastapi import APIRouter
from starlette.responses import PlainTextResponse

from api.deps import IntegrityQueriesDep
from api.problem_docs import problem_responses

router = APIRouter(prefix="/log", tags=["integrity"])

NOTE_MEDIA_TYPE = "text/plain; charset=utf-8"


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={200: {"content": {NOTE_MEDIA_TYPE: {}}}, **problem_responses(503)},
)
def checkpoint(integrity: IntegrityQueriesDep) -> PlainTextResponse:
    """The latest checkpoint that meets the witness policy's quorum, as a C2SP signed note
    (`<origin>\\n<size>\\n<base64 root>\\n\\n— <origin> <signature>\\n`) followed by
    the witnesses' cosignatures. Changes as the log grows: cached for a few seconds only.
    Until a checkpoint meets the quorum (a new log whose witnesses have not answered):
    503 `CHECKPOINT_NOT_WITNESSED`, never a note the quorum did not cosign."""
    return PlainTextResponse(
        integrity.published_note(),
        media_type=NOTE_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=2"},
    )


@router.get(
    "/vkey",
    response_class=PlainTextResponse,
    responses={200: {"content": {NOTE_MEDIA_TYPE: {}}}},
)
def vkey(integrity: IntegrityQueriesDep) -> PlainTextResponse:
    """The log's note verifier key, `<origin>+<hex key id>+<base64(0x01 ‖ key)>`, as a
    witness's `add-log` and a tlog-policy `log` line take it."""
    return PlainTextResponse(integrity.vkey() + "\n", media_type=NOTE_MEDIA_TYPE)
