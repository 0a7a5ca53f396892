"""The pages: sign-in and sign-out; a division's (``divisions``) and a household's
(``households``) in their own modules.

Server-rendered with Jinja2 (autoescaped), no scripts: they print, they work on the
county office's old browsers, and every number on them comes from the same query services
as the API's. Each page reads through the API's dependencies (read replica, read models
caught up with earlier appends) and under its rules: the division of the token, names and
ID numbers shown as display masks and birth dates not at all to evaluators (``people``),
every read of personal values in the access log.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from api.deps import PrimaryLedgerDep, authenticated
from api.web.rendering import division_url, page_router, render
from api.web.session import (
    COOKIE,
    PREFIX,
    PageCaller,
    end_session,
    forget_session,
    keep_session,
    open_session,
    safe_next,
)
from ledger.domain.access import check_read
from ledger.domain.errors import Forbidden, Unauthenticated

router = page_router()
root = APIRouter(include_in_schema=False)


@root.get("/")
def index() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=303)


@router.get("/")
def home(caller: PageCaller) -> RedirectResponse:
    return RedirectResponse(division_url(caller.division), status_code=303)


# Signing in


@router.get("/sign-in")
def sign_in_form(
    request: Request,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    reason: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = "登录已失效，请重新输入令牌。" if reason == "expired" else None
    return render(request, "sign_in.html", next=safe_next(next), message=message, caller=None)


@router.post("/sign-in")
def sign_in(
    request: Request,
    ledger: PrimaryLedgerDep,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    token = token.strip()  # pasted with a newline, often
    try:
        caller = authenticated(request, ledger, token)
        check_read(caller)
    except (Unauthenticated, Forbidden) as error:
        message = (
            "令牌无效、已过期或已撤销。"
            if isinstance(error, Unauthenticated)
            else "此令牌的角色不能查看农户数据（仅限管理员、录入员、审计员、评估员）。"
        )
        return render(
            request,
            "sign_in.html",
            401 if isinstance(error, Unauthenticated) else 403,
            next=safe_next(next),
            message=message,
            caller=None,
        )
    response = RedirectResponse(safe_next(next) or division_url(caller.division), status_code=303)
    keep_session(response, request, open_session(request, ledger, caller))
    return response


@router.post("/sign-out")
def sign_out(request: Request, ledger: PrimaryLedgerDep) -> Response:
    """Ends the session where it is kept: a copy of its cookie no longer works."""
    end_session(ledger, request.cookies.get(COOKIE))
    response = RedirectResponse(f"{PREFIX}/sign-in", status_code=303)
    forget_session(response)
    return response
