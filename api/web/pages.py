"""The pages: sign-in, a division (county, township, village) and a household.

Server-rendered with Jinja2 (autoescaped), no scripts: they print, they work on the
county office's old browsers, and every number on them comes from the same queries as
the API's. Each page reads through the API's dependencies (read replica, read models
caught up with earlier appends) and under its rules: the division of the token, names and
ID numbers masked for evaluators, every unmasked read in the access log.
"""

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from pydantic import BaseModel, Field, field_validator
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.deps import (
    ConfigurationDep,
    LedgerDep,
    PrimaryLedgerDep,
    ProjectionsDep,
    TransparencyDep,
    authenticated,
    services,
)
from api.personal_data import Disclosure, access_log, endpoint
from api.routes import evaluation
from api.routes.evaluation import (
    CODE_PATTERN,
    DIVISION_PATTERN,
    STATUS_PATTERN,
    CodeFilter,
    StatusFilter,
)
from api.routes.households import HouseholdId
from api.web import views
from api.web.session import (
    COOKIE,
    PREFIX,
    PageCaller,
    end_session,
    forget_session,
    keep_session,
    open_session,
    page_route,
    safe_next,
)
from ledger.domain.access import check_read, chosen_division
from ledger.domain.callers import Caller
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN
from ledger.domain.completeness import assess
from ledger.domain.errors import Forbidden, Unauthenticated, ValidationFailed
from ledger.domain.household import as_of as replay_as_of
from ledger.domain.labels import label
from ledger.domain.serialization import event_document, state_document
from ledger.materials import included_in_archive
from ledger.transparency.archive import materials_index
from ledger.transparency.badge import Badges, Mismatch
from ledger.transparency.report import environment, household_sections
from projections.queries import completeness_page, lookback_page, parts, summary
from projections.runner import ProjectionRunner
from projections.views import Filters

CHINA = timezone(timedelta(hours=8))
PAGE_SIZE = 50
TIMELINE_PAGE = 100  # events a household page shows of its timeline
DivisionPath = Annotated[
    str, Path(pattern=r"^[0-9]{1,12}$", description="Division code prefix: 53, 530925, …")
]


class ListFilters(BaseModel):
    """The division page's filters of its two lists, and where each list's page starts."""

    gap_code: str | None = Field(None, pattern=CODE_PATTERN)
    status: str | None = Field(None, pattern=STATUS_PATTERN)
    gaps_after: str | None = Field(None, pattern=HOUSEHOLD_ID_PATTERN)  # no NUL for the SQL
    lookback_code: str | None = Field(None, pattern=CODE_PATTERN)
    reference_date: date | None = None
    lookback_after: str | None = Field(None, pattern=HOUSEHOLD_ID_PATTERN)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value  # a form's empty select or date field


_templates = environment(FilePath(__file__).parent / "templates")
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


router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=page_route(error_page))
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


# A division


def division_url(division: str) -> str:
    return f"{PREFIX}/divisions/{division}" if division else f"{PREFIX}/divisions"


@router.get("/divisions")
def own_division_page(
    request: Request,
    caller: PageCaller,
    projections: ProjectionsDep,
    filters: Annotated[ListFilters, Query()],
    code: Annotated[str | None, Query(pattern=DIVISION_PATTERN)] = None,
) -> Response:
    """The token's whole division, or (``?code=``, from the page's form) the one named."""
    if code:
        return RedirectResponse(division_url(code), status_code=303)
    return _division_page(request, caller, projections, caller.division, filters)


@router.get("/divisions/{division}")
def division_page(
    request: Request,
    caller: PageCaller,
    projections: ProjectionsDep,
    division: DivisionPath,
    filters: Annotated[ListFilters, Query()],
) -> Response:
    """Counts by status and type, the completeness chart, the gap and look-back lists."""
    return _division_page(request, caller, projections, division, filters)


def _division_page(
    request: Request,
    caller: Caller,
    projections: ProjectionRunner,
    division: str,
    filters: ListFilters,
) -> Response:
    chosen = chosen_division(caller, division)
    day = filters.reference_date or date.today()
    report = summary(projections.views, chosen)
    gaps = completeness_page(
        projections.views,
        Filters(chosen, filters.gap_code, filters.status, filters.gaps_after, PAGE_SIZE),
    )
    candidates = lookback_page(
        projections.views,
        Filters(chosen, filters.lookback_code, None, filters.lookback_after, PAGE_SIZE),
        day,
    )
    return render(
        request,
        "division.html",
        caller=caller,
        division=chosen,
        summary=report,
        parts=parts(projections.views, chosen),
        statuses=views.status_table(report),
        charts=views.charts(report),
        gaps=views.gap_rows(gaps["items"]),
        gaps_next=gaps["next"],
        candidates=views.lookback_rows(candidates["items"]),
        candidates_next=candidates["next"],
        filters=filters,
        reference_date=day,
        gap_export=_query(code=filters.gap_code, status=filters.status),
        lookback_export=_query(reference_date=day.isoformat(), code=filters.lookback_code),
        gap_codes=views.choices("gap_code"),
        status_choices=views.choices("status"),
        lookback_codes=views.choices("lookback_code"),
    )


@router.get("/divisions/{division}/{list_name}.{fmt}")
def division_export(
    caller: PageCaller,
    projections: ProjectionsDep,
    division: DivisionPath,
    list_name: Literal["completeness", "lookback"],
    fmt: Literal["xlsx", "csv"],
    code: CodeFilter = None,
    status: StatusFilter = None,
    reference_date: Annotated[date | None, Query()] = None,
) -> Response:
    """The whole list as the API exports it (``GET /v1/completeness?format=xlsx``)."""
    if list_name == "completeness":
        return evaluation.completeness(projections, caller, division, code, status, format=fmt)
    return evaluation.lookback(projections, caller, division, code, reference_date, format=fmt)


def _query(**params: str | None) -> str:
    return urlencode({key: value for key, value in params.items() if value})


# A household


AsOf = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$",
        description="China time: a day (its end) or a minute or second, as a date picker sends",
    ),
]


def as_of_moment(as_of: str | None) -> datetime | None:
    """The recorded time a page's picker means: the end of the day, minute or second."""
    if not as_of:
        return None
    try:
        if "T" not in as_of:
            return datetime.combine(date.fromisoformat(as_of), time.max, CHINA)
        moment = datetime.fromisoformat(as_of).replace(tzinfo=CHINA)
        last = timedelta(seconds=1 if as_of.count(":") == 2 else 60)
        return moment + last - timedelta(microseconds=1)
    except (ValueError, OverflowError):  # 2021-02-30; the last second of 9999
        raise ValidationFailed(
            f"as_of {as_of!r} is not a time the ledger can have recorded",
            [{"field": "as_of", "message": "not a recorded time"}],
        ) from None


@router.get("/households/{household_id}")
def household_page(
    request: Request,
    household_id: HouseholdId,
    caller: PageCaller,
    ledger: LedgerDep,
    primary: PrimaryLedgerDep,
    transparency: TransparencyDep,
    configuration: ConfigurationDep,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=2**31, description="The timeline's page")] = 1,
) -> Response:
    """Members, status history, the timeline (a page of it) with actors and materials,
    episodes with their steps and gaps, a verification badge; as of a recorded time if
    asked."""
    moment = as_of_moment(as_of)
    household, events = ledger.household_and_events(household_id, caller)  # 404 if unseen
    if moment is not None:
        events = [event for event in events if event.recorded_at <= moment]
        household = replay_as_of(household_id, events, moment)
    timeline = views.Timeline(len(events), page, TIMELINE_PAGE, as_of)
    disclosure = Disclosure(ledger, caller, endpoint(request), access_log(primary))
    # Only the page's events are shaped in full; the others give what links to them need.
    served = [
        disclosure.event(event_document(event))
        if number in timeline.shown or event.TYPE in views.KEPT_WHOLE
        else views.stub(event)
        for number, event in enumerate(events, 1)
    ]
    shown = [served[number - 1] for number in timeline.shown]
    config = configuration.for_division(household.village_code or "")
    sections = household_sections(
        household=disclosure.state({**state_document(household), "household_id": household_id}),
        events=served,
        completeness=assess(household_id, events, config).to_document(),
        materials=materials_index(
            shown,
            included_in_archive(
                ledger.tables, services(request).materials, caller, household.village_code or ""
            ),
        ),
        shown=timeline.shown,
        href=timeline.href,
    )
    badges: Badges = services(request).badges
    try:
        verification: Any = badges.verify(ledger, transparency, household_id)
    except Mismatch as failure:
        verification = failure
    disclosure.record([household_id])
    gaps = sum(len(episode["gaps"]) for episode in sections["episodes"])
    return render(
        request,
        "household.html",
        caller=caller,
        as_of=as_of,
        registered=household.registered,
        masked=disclosure.masked,
        verification=verification,
        verified=not isinstance(verification, Mismatch),
        gap_count=gaps,
        division_url=division_url(caller.division),
        event_count=len(events),
        timeline_pager=timeline,
        material_count=sum(len(event.materials) for event in events),
        **sections,
    )
