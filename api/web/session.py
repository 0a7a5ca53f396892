"""Signing in to the web pages with a token, and what a page does when something fails.

The token is kept in an HttpOnly, SameSite=Strict cookie scoped to the pages: the browser
sends it back with every page request (and no script can read it), and no other site can
make the browser send it. Each page authenticates it exactly as the API authenticates a
bearer token (``api.deps.authenticated``: expiry, revocation, rate limit) and applies the
same role and division rules.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse

from api.deps import LedgerDep, authenticated
from api.errors import STATUS
from ledger.domain.access import check_read
from ledger.domain.callers import Caller
from ledger.domain.errors import LedgerError, Unauthenticated

COOKIE = "ledger_session"
PREFIX = "/ui"


class SignInRequired(Exception):
    """No valid token in the cookie: the page sends the browser to sign in first."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason


def page_caller(request: Request, ledger: LedgerDep) -> Caller:
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired()
    try:
        caller = authenticated(request, ledger, token)
    except Unauthenticated:
        raise SignInRequired("expired") from None
    check_read(caller)
    return caller


PageCaller = Annotated[Caller, Depends(page_caller)]
"""The signed-in reader of a page (admins, recorders, auditors, evaluators)."""


def safe_next(target: str | None) -> str | None:
    """Where to go after signing in: only a page of this service (no open redirect)."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//"):
        return target
    return None


def sign_in_redirect(request: Request, reason: str | None) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = f"next={quote(here, safe='')}" + (f"&reason={reason}" if reason else "")
    return RedirectResponse(f"{PREFIX}/sign-in?{query}", status_code=303)


def keep_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https")


def forget_token(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")


ErrorPage = Callable[[Request, int, str, str], Response]


def page_route(render_error: ErrorPage) -> type[APIRoute]:
    """A route class whose failures are pages, not problem+json: the API's errors keep their
    status and detail, a missing sign-in redirects to the sign-in page."""

    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except SignInRequired as missing:
                    return sign_in_redirect(request, missing.reason)
                except LedgerError as error:
                    status = STATUS.get(type(error), 409)  # as the API answers it
                    return render_error(request, status, error.code, error.detail)
                except RequestValidationError as error:
                    fields = "；".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}"
                                      for e in error.errors())
                    return render_error(request, 422, "VALIDATION_FAILED", fields)

            return handle

    return PageRoute
