"""The one place where failures become RFC 9457 problems with the contract's codes."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
import orjson
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from api import openapi_examples as examples
from api.deps import get_materials, get_projections
from api.responses import ProblemBody, problem
from ledger.domain import errors as e
from ledger.domain.catalog import EVENT_TYPES
from ledger.materials import MaterialsStoreFull, MaterialsStoreUnavailable
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
    e.RateLimited: 429,
    MaterialsStoreFull: 507,
    MaterialsStoreUnavailable: 503,
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


def field_path(loc: tuple[Any, ...]) -> str:
    """``('body', 'events', 0, 'FieldSurveyConducted', 'data', 'income')`` →
    ``events[0].data.income`` (the union's tag is not a field)."""
    path = ""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    for i, part in enumerate(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in EVENT_TYPES and i > 0 and isinstance(parts[i - 1], int):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


def _not_json(error: dict[str, Any]) -> bool:
    undecoded_body = tuple(error.get("loc", ())) == ("body",) and isinstance(
        error.get("input"), bytes | str
    )
    return error.get("type") == "json_invalid" or undecoded_body


def _message(error: dict[str, Any]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


_PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "description": "An RFC 9457 problem with the contract's stable `code`",
    "properties": {
        **{name: {"type": "string"} for name in ("type", "title", "code", "detail", "instance")},
        "status": {"type": "integer"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_MEANING = {
    400: "The body cannot be parsed as its content type (`VALIDATION_FAILED`)",
    401: "No valid bearer token (`UNAUTHENTICATED`)",
    403: "The token's role, department or division does not allow it (`FORBIDDEN`)",
    404: "Not found, or outside the token's division (`UNKNOWN_…`)",
    409: "The request contradicts the stored state (`RULE_VIOLATION`, `VERSION_CONFLICT`, …)",
    413: "The body is over the limit (`PAYLOAD_TOO_LARGE`)",
    422: "The request is invalid; `errors` names the fields (`VALIDATION_FAILED`)",
    429: "Too many requests with this token (`RATE_LIMITED`)",
    503: "The database or the read models are not available; retry",
    507: "The materials store is full; nothing was stored (`MATERIALS_STORE_FULL`)",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    429: {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
            "description": "Whole seconds",
        }
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problems a route answers beyond the common ones."""
    return {
        status: {
            "description": _MEANING[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for status in statuses
    }


def _common_problems(operation: dict[str, Any]) -> set[int]:
    parameters, body = operation.get("parameters", []), operation.get("requestBody")
    statuses = {401, 403, 429, 503} if operation.get("security") else set()
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if parameters or body:
        statuses.add(422)
    if body:
        statuses |= {400, 413}
    return statuses


# A 404 names what was not found: the operation's parameter tells which.
_UNKNOWN = {
    "household_id": e.UnknownHousehold.code,
    "sha256": e.UnknownMaterial.code,
    "event_id": e.UnknownEvent.code,
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _codes(status: int, operation: dict[str, Any], route: APIRoute | None) -> list[str]:
    """The contract's codes a problem of ``status`` from this operation may carry."""
    codes = [error.code for error, answered in STATUS.items() if answered == status]
    parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
    if status in (400, 422):
        return ["VALIDATION_FAILED"]
    if status == 404:
        return [code for name, code in _UNKNOWN.items() if name in parameters] or codes
    if status == 503:
        if not operation.get("security"):
            return ["NOT_READY"]  # the readiness probe's own answer (api/routes/health.py)
        calls = set(_calls(route.dependant)) if route is not None else set()
        return [
            "SERVICE_UNAVAILABLE",
            *([ProjectionsUnavailable.code] if get_projections in calls else []),
            *([MaterialsStoreUnavailable.code] if get_materials in calls else []),
        ]
    return codes


def _routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Each operation's route, by path and method. Recent FastAPI versions keep included
    routers as such (``iter_route_contexts`` flattens them); older ones list the routes."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    found = (
        [(route.path_format, route) for route in app.routes if isinstance(route, APIRoute)]
        if contexts is None
        else [(context.path_format, context.original_route) for context in contexts(app.routes)]
    )
    return {
        (path, method): route
        for path, route in found
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def _example(status: int, code: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """A problem of ``code`` as the server renders it (through ``problem``) at ``path``."""
    summary, detail = examples.PROBLEMS[(status, code)]
    errors = examples.problem_errors(status, code, operation)
    if status == 422:
        detail += "; ".join(f"{f['field']}: {f['message']}" for f in errors)
    instance = (
        None
        if code == "NOT_READY"
        else re.sub(  # /readyz answers without one
            r"{(\w+)}", lambda name: examples.PATH_VALUES[name[1]], path
        )
    )
    body = problem(status, code, detail, instance=instance, errors=errors or None).body
    return {"summary": f"{code} · {summary}", "value": orjson.loads(body)}


def _document_problems(app: FastAPI) -> None:
    """Every operation's OpenAPI lists the problems any such operation may answer: a
    token's 401/403/429/503, a path's 404, a parameter's or body's 422, a body's 400/413;
    each problem with an example per code it may carry."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # kept by FastAPI as app.openapi_schema, amended here once
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)  # a 422 is a problem, not FastAPI's shape
        schemas.pop("ValidationError", None)
        schemas["Problem"] = _PROBLEM_SCHEMA
        routes = _routes(app)
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                for status, response in problem_responses(*_common_problems(operation)).items():
                    if status == 422 or str(status) not in responses:
                        responses[str(status)] = response
                route = routes.get((path, method.upper()))
                for status, response in responses.items():
                    if "application/problem+json" in response.get("content", {}):
                        response["content"]["application/problem+json"]["examples"] = {
                            code: _example(int(status), code, path, operation)
                            for code in _codes(int(status), operation, route)
                        }
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_problems(app)

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
