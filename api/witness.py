"""The witness over HTTP (c2sp.org/tlog-witness): ``POST /add-checkpoint`` and the
monitoring ``GET /<lowercase hex SHA-256 of the origin>/checkpoint``, plain text only.

A small Starlette app rather than the service's FastAPI one: it has no OpenAPI pages, no
token and no database, and every answer is the spec's plain text. The decision and the
state file's locking are ``ledger.transparency.witness``'s; the blocking part (the lock,
the fsyncs) runs in a worker thread so one slow disk does not stall other connections.
"""

import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ledger.transparency.c2sp.witness_protocol import MAX_BODY_BYTES
from ledger.transparency.witness import StateFileError, Witness
from ledger.transparency.witness.decision import TEXT

_ORIGIN_HASH = re.compile(r"[0-9a-f]{64}")
_ROUTES = "this witness serves POST /add-checkpoint and GET /<sha256 hex of origin>/checkpoint"


class _TooLarge(Exception):
    pass


async def _bounded_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge
    return bytes(body)


def witness_app(witness: Witness) -> Starlette:
    async def add_checkpoint(request: Request) -> Response:
        try:
            body = await _bounded_body(request)
        except _TooLarge:
            return PlainTextResponse(
                f"an add-checkpoint body is at most {MAX_BODY_BYTES} bytes\n", status_code=413
            )
        answer = await run_in_threadpool(witness.add_checkpoint, body)
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)

    async def checkpoint(request: Request) -> Response:
        hashed = request.path_params["origin_hash"]
        found = None
        if _ORIGIN_HASH.fullmatch(hashed):
            found = await run_in_threadpool(witness.latest_checkpoint, hashed)
        if found is None:
            return PlainTextResponse(
                "this witness has cosigned no checkpoint of a log with that origin hash "
                "(lowercase hex SHA-256 of the origin line)\n",
                status_code=404,
            )
        return Response(found, media_type=TEXT)

    async def not_served(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        headers = error.headers if isinstance(error, HTTPException) else None
        why = {404: "no such path", 405: f"{request.method} is not allowed here"}.get(
            status, "refused"
        )
        return PlainTextResponse(f"{why}: {_ROUTES}\n", status_code=status, headers=headers)

    async def state_unusable(request: Request, error: Exception) -> Response:
        return PlainTextResponse(f"the witness cannot use its state: {error}\n", status_code=503)

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash}/checkpoint", checkpoint, methods=["GET"]),
        ],
        exception_handlers={HTTPException: not_served, StateFileError: state_unusable},
    )
