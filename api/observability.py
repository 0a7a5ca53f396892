"""structlog, configured once: JSON lines in production, readable ones on a terminal
(``LEDGER_LOG_FORMAT``); the standard library's loggers (uvicorn, drivers) rendered the
same way; personal data and secrets redacted from every line (``api/redaction.py``).

One canonical line per request: its id (the caller's ``X-Request-ID`` when well formed,
so traces join up; else a new one, returned in the same header), the caller (token id and
role, never the token), the household, method, route template and path, status and
duration.
"""

import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TextIO

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.redaction import looks_personal, redact_event
from bootstrap.settings import LogFormat, LogLevel
from ledger.domain.callers import Caller

REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
"""An upstream request id taken as it is: short, and nothing a log or header could misread."""

_configured = False
_request_fields: ContextVar[dict[str, Any] | None] = ContextVar("request_fields", default=None)


def renderer_for(log_format: LogFormat, stream: TextIO) -> structlog.typing.Processor:
    """JSON lines, or readable ones (``auto``: readable on a terminal)."""
    if log_format == "console" or (log_format == "auto" and stream.isatty()):
        # Exceptions arrive formatted (and redacted) as text: printed as they are.
        return structlog.dev.ConsoleRenderer(
            colors=stream.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    return structlog.processors.JSONRenderer()


def configure_logging(log_format: LogFormat = "auto", level: LogLevel = "info") -> None:
    """Configures structlog and the standard library's root handler, once per process: the
    first call holds (a process serves one app; tests start many)."""
    global _configured
    if _configured:
        return
    renderer = renderer_for(log_format, sys.stderr)
    threshold = logging.getLevelNamesMapping()[level.upper()]
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            structlog.processors.format_exc_info,
            redact_event,  # last before rendering: the exception's text is redacted too
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    # Lines of the standard library's loggers (uvicorn's tracebacks, the drivers') go
    # through the same redaction and renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(threshold)  # the root logger's own level (warning) still applies
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                structlog.processors.add_log_level,
                timestamper,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_event,
                renderer,
            ],
        )
    )
    logging.getLogger().addHandler(handler)
    _configured = True


def bind_caller(caller: Caller) -> None:
    """Names the authenticated caller — token id and role, never the token — on this
    request's log lines and its canonical line."""
    fields = {"token_id": caller.token_id, "role": str(caller.role)}
    structlog.contextvars.bind_contextvars(**fields)
    # Sync dependencies run in worker threads, on a copy of the context: what they bind
    # there never reaches the middleware, but this dict, shared by reference, does.
    request = _request_fields.get()
    if request is not None:
        request.update(fields)


def route_of(scope: Scope) -> str | None:
    """The matched route's template (``/v1/households/{household_id}``), never the raw
    path; ``None`` when no route matched."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None


def request_id_of(scope: Scope) -> str:
    """The upstream's ``X-Request-ID`` when well formed, else a new id."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            if REQUEST_ID.fullmatch(incoming):
                return incoming
    return new_request_id()


def new_request_id(draw: Callable[[], str] = lambda: uuid.uuid4().hex) -> str:
    """32 hex digits that the log's redaction leaves whole: about one uuid4 in 3,000 holds
    18 digits in a row, which reads as an ID number and was logged ``[REDACTED]``."""
    while looks_personal(candidate := draw()):
        pass
    return candidate


class RequestLog:
    """Binds a request id for the request's log lines and writes the canonical line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger("ledger.request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started, status = time.perf_counter(), 500
        structlog.contextvars.bind_contextvars(request_id=request_id)
        fields: dict[str, Any] = {}
        reset = _request_fields.set(fields)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        failure: Exception | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # The traceback is taken here, in the request's own task: the 500 handler runs
            # in a worker thread, where the exception is no longer current.
            failure = error
            raise
        finally:
            household_id = scope.get("path_params", {}).get("household_id")
            if household_id is not None:
                fields["household_id"] = household_id
            self.log.info(
                "request",
                method=scope["method"],
                route=route_of(scope),
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                **fields,
                **({"exc_info": failure} if failure else {}),
            )
            _request_fields.reset(reset)
            structlog.contextvars.clear_contextvars()
