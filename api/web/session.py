"""Signing in to the web pages with a token, and what a page does when something fails.

Signing in with a token opens a session: a random id (``secrets.token_urlsafe(32)``) in an
HttpOnly, SameSite=Strict cookie scoped to the pages, Secure over https. The token itself
never leaves the sign-in form; the database keeps only the SHA-256 of the session id with
the token's id (migration 0010), so neither a copied cookie store nor a copied table
yields a token. Each page authenticates the session (not signed out, not idle longer than
``LEDGER_WEB_SESSION_IDLE_S``, not older than ``LEDGER_WEB_SESSION_MAX_S``), then its token
exactly as the API authenticates a bearer token (expiry, revocation, rate limit), and
applies the same role and division rules. Signing out deletes the session, so its cookie
no longer works anywhere.

Every form posted to the pages (sign-in and sign-out included) must come from the pages'
own origin (``same_origin``): SameSite=Strict keeps the cookie off other sites' requests,
but signing in needs no cookie, and a login CSRF would sign the victim in as the attacker.
"""

import hashlib
import secrets
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse

from api.deps import PrimaryLedgerDep, authenticated_id, services
from api.errors import STATUS
from bootstrap.settings import Settings
from ledger.application import HouseholdLedger
from ledger.domain.access import check_read
from ledger.domain.callers import Caller
from ledger.domain.errors import Forbidden, LedgerError, Unauthenticated
from ledger.persistence.ports import WebSessionStore
from ledger.persistence.web_sessions import WebSession

COOKIE = "ledger_session"
PREFIX = "/ui"


class SignInRequired(Exception):
    """No valid session in the cookie: the page sends the browser to sign in first."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _sessions(ledger: HouseholdLedger) -> WebSessionStore:
    return ledger.stores.web_sessions


def _settings(request: Request) -> Settings:
    return services(request).settings


def open_session(request: Request, ledger: HouseholdLedger, caller: Caller) -> str:
    """A new session of ``caller``'s token; returns its id (the cookie), stored hashed."""
    now = datetime.now(UTC)
    settings = _settings(request)
    sessions = _sessions(ledger)
    sessions.end_idle(
        now - timedelta(seconds=settings.web_session_idle_s),
        now - timedelta(seconds=settings.web_session_max_s),
    )
    session_id = secrets.token_urlsafe(32)
    sessions.open(WebSession(_digest(session_id), caller.token_id, now, now))
    return session_id


def end_session(ledger: HouseholdLedger, session_id: str | None) -> None:
    if session_id:
        _sessions(ledger).end(_digest(session_id))


def page_caller(request: Request, ledger: PrimaryLedgerDep) -> Caller:
    """The reader of a page: its session's token, authenticated as the API would.

    Sessions are read and written on the primary (a standby refuses writes)."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        raise SignInRequired()
    sessions, digest, now = _sessions(ledger), _digest(session_id), datetime.now(UTC)
    stored = sessions.find(digest)
    if stored is None:
        raise SignInRequired("expired")  # signed out, or ended by the housekeeping
    settings = _settings(request)
    if now - stored.last_seen_at > timedelta(
        seconds=settings.web_session_idle_s
    ) or now - stored.created_at > timedelta(seconds=settings.web_session_max_s):
        sessions.end(digest)
        raise SignInRequired("expired")
    try:  # counted as the API counts a bearer token (429)
        caller = authenticated_id(request, ledger, stored.token_id, now)
    except Unauthenticated:
        sessions.end(digest)  # a revoked or expired token ends its sessions
        raise SignInRequired("expired") from None
    check_read(caller)
    sessions.touch(digest, now)
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


def keep_session(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="strict",
        path=PREFIX,
        secure=request.url.scheme == "https",
    )


def forget_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PREFIX, httponly=True, samesite="strict")


def own_origin(request: Request) -> str:
    configured = _settings(request).web_origin
    if configured:
        return configured.rstrip("/").lower()
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def same_origin(request: Request) -> None:
    """Refuses (403) a form posted from another origin.

    ``Origin`` decides when the browser sends it (every current browser does on a POST);
    without it, ``Referer`` (the pages send ``Referrer-Policy: same-origin``, so a form of
    theirs carries it); with neither, or ``Origin: null`` (sandboxed or privacy-redirected
    requests), the post is refused: it cannot be told apart from a forged one."""
    expected = own_origin(request)
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    if origin is None:
        raise Forbidden(
            f"a form posted to the pages must name its origin (Origin or Referer "
            f"header); expected {expected}"
        )
    if origin.rstrip("/").lower() != expected:
        raise Forbidden(
            f"a form posted from {origin[:200]!r} is refused: only the pages' own "
            f"origin {expected} may post to them"
        )


ErrorPage = Callable[[Request, int, str, str], Response]


def page_route(render_error: ErrorPage) -> type[APIRoute]:
    """A route class whose failures are pages, not problem+json: the API's errors keep their
    status and detail, a missing sign-in redirects to the sign-in page."""

    class PageRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    if request.method not in ("GET", "HEAD", "OPTIONS"):
                        same_origin(request)  # before the form is read
                    return await handler(request)
                except SignInRequired as missing:
                    return sign_in_redirect(request, missing.reason)
                except LedgerError as error:
                    status = STATUS.get(type(error), 409)  # as the API answers it
                    return render_error(request, status, error.code, error.detail)
                except RequestValidationError as error:
                    fields = "；".join(
                        f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}"
                        for e in error.errors()
                    )
                    return render_error(request, 422, "VALIDATION_FAILED", fields)

            return handle

    return PageRoute
