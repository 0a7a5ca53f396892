"""The one place where failures become RFC 9457 problems with the contract's codes."""

from typing import Any

import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from api.problem_docs import document_problems
from api.responses import ProblemBody, problem
from ledger.domain import errors as e
from ledger.domain.field_paths import field_path
from ledger.materials import MaterialsStoreFull, MaterialsStoreUnavailable
from ledger.transparency.publication import CheckpointNotWitnessed
from projections.runner import ProjectionsUnavailable

STATUS: dict[type[e.LedgerError], int] = {
    ProjectionsUnavailable: 503,
    e.ValidationFailed: 422,
    e.RuleViolation: 409,
    e.UnknownHousehold: 404,
    e.UnknownEvent: 404,
    e.AlreadyRegistered: 409,
    e.VersionConflict: 409,
    e.InvalidTransition: 409,
    e.IdempotencyKeyReused: 409,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.PayloadTooLarge: 413,
    e.UnknownMaterial: 404,
    e.UnknownTile: 404,
    e.RateLimited: 429,
    e.LogForked: 503,
    MaterialsStoreFull: 507,
    MaterialsStoreUnavailable: 503,
    CheckpointNotWitnessed: 503,
}

# Starlette's own 400 is a body it cannot parse (e.g. broken multipart): the contract's
# VALIDATION_FAILED, as for a body that is not JSON.
_HTTP_CODES = {
    400: "VALIDATION_FAILED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}

log = structlog.get_logger("ledger.api")


def _not_json(error: dict[str, Any]) -> bool:
    undecoded_body = tuple(error.get("loc", ())) == ("body",) and isinstance(
        error.get("input"), bytes | str
    )
    return error.get("type") == "json_invalid" or undecoded_body


def _message(error: dict[str, Any]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def install(app: FastAPI) -> None:
    document_problems(app, STATUS)

    @app.exception_handler(e.LedgerError)
    def ledger_error(request: Request, error: e.LedgerError) -> ProblemBody:
        return ledger_problem(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> ProblemBody:
        errors = error.errors()
        if any(_not_json(err) for err in errors):
            return problem(
                400,
                "VALIDATION_FAILED",
                "the request body is not JSON "
                "(send valid JSON with Content-Type: application/json)",
                instance=request.url.path,
            )
        fields = [
            {"field": field_path(tuple(err["loc"])), "message": _message(err)} for err in errors
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        return problem(
            422,
            "VALIDATION_FAILED",
            f"the request is invalid: {summary}",
            instance=request.url.path,
            errors=fields,
        )

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> ProblemBody:
        code = _HTTP_CODES.get(error.status_code, "HTTP_ERROR")
        headers = dict(error.headers) if error.headers else None
        return problem(
            error.status_code, code, str(error.detail), instance=request.url.path, headers=headers
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    def database_unavailable(request: Request, error: Exception) -> ProblemBody:
        log.warning("database_unavailable", error=type(error).__name__)
        return problem(
            503,
            "SERVICE_UNAVAILABLE",
            "the database is unavailable; retry later",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    def unexpected(request: Request, error: Exception) -> ProblemBody:
        log.error("unexpected_error", path=request.url.path, exc_info=error)
        return problem(
            500,
            "INTERNAL_ERROR",
            "an unexpected error occurred; it has been logged",
            instance=request.url.path,
        )


def ledger_problem(error: e.LedgerError, instance: str) -> ProblemBody:
    """The problem a domain error is answered with (also before a route runs: api/gate.py)."""
    status = STATUS.get(type(error), 409)
    headers = (
        {"WWW-Authenticate": "Bearer"}
        if status == 401
        else {"Retry-After": "1"}
        if status == 503
        else {"Retry-After": str(error.retry_after_s)}
        if isinstance(error, e.RateLimited)
        else None
    )
    return problem(
        status,
        error.code,
        error.detail,
        instance=instance,
        errors=error.fields or None,
        headers=headers,
    )
