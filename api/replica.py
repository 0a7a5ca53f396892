"""Reads served from a PostgreSQL hot standby, over HTTP: the ``Ledger-Read-From`` header
and a write refused as read-only. Where a read goes is ``api.deps.read_source``; the
standby itself is opened by the composition root (``bootstrap/standby.py``).
"""

from typing import Any

import structlog
from eventsourcing.persistence import InternalError
from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import ProblemBody, problem

READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction: what a standby answers a write

log = structlog.get_logger("ledger.replica")


class ReadFromHeader:
    """Adds ``Ledger-Read-From: standby|primary`` to responses whose reads were routed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_source(message: Message) -> None:
            source = scope.get("state", {}).get("read_from")
            if message["type"] == "http.response.start" and source:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"ledger-read-from", source.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_source)


def install(app: FastAPI) -> None:
    """A write refused as read-only (the primary URL names a standby, or a write strayed
    to the standby) is a 503 that says so, not a 500."""
    app.add_middleware(ReadFromHeader)

    @app.exception_handler(InternalError)
    def read_only(request: Request, error: InternalError) -> Any:
        if getattr(error.__cause__, "sqlstate", None) != READ_ONLY_SQLSTATE:
            return app.exception_handlers[Exception](request, error)
        log.error("write_refused_read_only", path=request.url.path, error=str(error))
        body: ProblemBody = problem(
            503,
            "SERVICE_UNAVAILABLE",
            "the database refused a write as read-only: "
            "LEDGER_DATABASE_URL must name the primary, not a hot standby",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )
        return body
