"""No body is read for a caller who has not shown a valid token.

FastAPI reads (and parses) a request's body before it resolves the route's dependencies,
so a caller without a token could make the service receive 10 MiB of JSON or a 20 MiB
upload before its 401. This middleware sits outside ``BodySizeLimit``: a request that
carries a body is authenticated first (the same ``authenticated`` as the routes: token,
revocation, expiry and the rate limit) and, if refused, answered at once with
``Connection: close``, so its body is never read. The caller it found is handed to the
route (``request.state.caller``) so the request is counted once against its rate.

The web pages' forms are held instead to a small limit (``FORM_MAX_BYTES``): the sign-in
form carries the token itself, and the pages authenticate by their own cookie.
"""

import anyio
from eventsourcing.persistence import InterfaceError, OperationalError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import authenticated, services
from api.errors import ledger_problem
from api.responses import problem
from ledger.domain.callers import Caller
from ledger.domain.errors import LedgerError, Unauthenticated

FORM_MAX_BYTES = 64 * 1024
"""The web pages' forms: a token, a return address, a few choices."""
WEB_PREFIX = "/ui/"


def carries_body(scope: Scope) -> bool:
    """Whether the request announces a body (HTTP/1.1: a length above 0, or chunks)."""
    headers = dict(scope["headers"])
    if b"transfer-encoding" in headers:
        return True
    length = headers.get(b"content-length", b"0").strip()
    return not (length.isdigit() and int(length) == 0)


def bearer(scope: Scope) -> str | None:
    value = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


class AuthenticateBeforeBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith(WEB_PREFIX)
            or not carries_body(scope)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            caller = await self._caller(request)
        except LedgerError as error:
            response = ledger_problem(error, scope["path"])
        except (OperationalError, InterfaceError):
            response = problem(
                503,
                "SERVICE_UNAVAILABLE",
                "the database is unavailable; retry later",
                instance=scope["path"],
                headers={"Retry-After": "1"},
            )
        else:
            scope.setdefault("state", {})["caller"] = caller
            await self.app(scope, receive, send)
            return
        # The body is left unread: the connection cannot carry another request after it.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

    @staticmethod
    async def _caller(request: Request) -> Caller:
        token = bearer(request.scope)
        if token is None:
            raise Unauthenticated("a bearer token is required (Authorization: Bearer ldg_…)")
        ledger = services(request).ledger  # writes go to the primary; so does this look-up
        caller: Caller = await anyio.to_thread.run_sync(authenticated, request, ledger, token)
        return caller
