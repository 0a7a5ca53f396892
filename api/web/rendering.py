"""Rendering the pages: the templates (autoescaped, Chinese labels), the headers every
page carries, error pages, and the router class whose failures are pages."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from api.web.session import PREFIX, page_route
from ledger.domain.labels import label
from ledger.transparency.report import environment

_templates = environment(Path(__file__).parent / "templates")
_templates.globals["label"] = label


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    page = _templates.get_template(name).render(request=request, prefix=PREFIX, **context)
    return HTMLResponse(
        page,
        status_code=status_code,
        headers={
            # The pages carry personal data: not kept by shared caches or the browser's history.
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'",
            "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


def error_page(request: Request, status: int, code: str, detail: str) -> Response:
    return render(
        request, "error.html", status, status=status, code=code, detail=detail, caller=None
    )


def page_router() -> APIRouter:
    """A router of pages under ``/ui``: out of the OpenAPI document, errors as pages."""
    return APIRouter(prefix=PREFIX, include_in_schema=False, route_class=page_route(error_page))


def division_url(division: str) -> str:
    return f"{PREFIX}/divisions/{division}" if division else f"{PREFIX}/divisions"
