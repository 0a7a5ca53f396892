"""The problems in the OpenAPI document: every operation lists those it may answer (a
token's 401/403/429/503, a path's 404, a parameter's or body's 422, a body's 400/413),
each with an example per contract code it may carry, rendered as the server renders it."""

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import fastapi.routing
import orjson
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api import problem_examples as examples
from api.deps import get_appends, get_materials, get_projections
from api.responses import problem
from ledger.domain import errors as e
from ledger.materials import MaterialsStoreUnavailable
from ledger.transparency.publication import CheckpointNotWitnessed
from projections.runner import ProjectionsUnavailable

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
    "tile_index": e.UnknownTile.code,
}


# Public routes whose 503 is their own, not the readiness probe's.
_PUBLIC_UNAVAILABLE = {"/log/checkpoint": CheckpointNotWitnessed.code}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def _codes(
    status: int,
    operation: dict[str, Any],
    route: APIRoute | None,
    status_of: Mapping[type[e.LedgerError], int],
) -> list[str]:
    """The contract's codes a problem of ``status`` from this operation may carry."""
    codes = [error.code for error, answered in status_of.items() if answered == status]
    parameters = {parameter["name"] for parameter in operation.get("parameters", [])}
    if status in (400, 422):
        return ["VALIDATION_FAILED"]
    if status == 404:
        return [code for name, code in _UNKNOWN.items() if name in parameters] or codes
    if status == 503:
        if route is not None and route.path in _PUBLIC_UNAVAILABLE:
            return [_PUBLIC_UNAVAILABLE[route.path]]
        if not operation.get("security"):
            return ["NOT_READY"]  # the readiness probe's own answer (api/routes/health.py)
        calls = set(_calls(route.dependant)) if route is not None else set()
        return [
            "SERVICE_UNAVAILABLE",
            *([ProjectionsUnavailable.code] if get_projections in calls else []),
            *([MaterialsStoreUnavailable.code] if get_materials in calls else []),
            *([e.LogForked.code] if get_appends in calls else []),
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


def document_problems(app: FastAPI, status_of: Mapping[type[e.LedgerError], int]) -> None:
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
                            for code in _codes(int(status), operation, route, status_of)
                        }
        return document

    app.openapi = openapi  # type: ignore[method-assign]
