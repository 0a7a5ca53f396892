"""A division's page (county, township, village): counts by status and type, the
completeness chart, the gap and look-back lists, the data-quality findings and the
formalism signals (CONTRACT §7.5); and the lists as spreadsheets."""

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from pydantic import BaseModel, Field, field_validator
from starlette.responses import RedirectResponse, Response

from api.deps import EvaluationQueriesDep, QualityQueriesDep
from api.exports import completeness_table, lookback_table, quality_table, signals_table
from api.routes.evaluation import (
    CODE_PATTERN,
    DIVISION_PATTERN,
    STATUS_PATTERN,
    CodeFilter,
    StatusFilter,
)
from api.web import views
from api.web.rendering import division_url, page_router, render
from api.web.session import PageCaller
from ledger.domain.callers import Caller
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN
from queries import EvaluationQueries, Selection
from queries.quality import QualityQueries

PAGE_SIZE = 50
SIGNAL_CURSOR_PATTERN = r"^[A-Za-z0-9_=-]{1,1000}$"  # "<code>/<key>" in URL-safe base64
DivisionPath = Annotated[
    str, Path(pattern=r"^[0-9]{1,12}$", description="Division code prefix: 53, 530925, …")
]

router = page_router()


class ListFilters(BaseModel):
    """The division page's filters of its two lists, and where each list's page starts."""

    gap_code: str | None = Field(None, pattern=CODE_PATTERN)
    status: str | None = Field(None, pattern=STATUS_PATTERN)
    gaps_after: str | None = Field(None, pattern=HOUSEHOLD_ID_PATTERN)  # no NUL for the SQL
    lookback_code: str | None = Field(None, pattern=CODE_PATTERN)
    reference_date: date | None = None
    lookback_after: str | None = Field(None, pattern=HOUSEHOLD_ID_PATTERN)
    quality_code: str | None = Field(None, pattern=CODE_PATTERN)
    quality_after: str | None = Field(None, pattern=HOUSEHOLD_ID_PATTERN)
    signal_code: str | None = Field(None, pattern=CODE_PATTERN)
    signal_after: str | None = Field(None, pattern=SIGNAL_CURSOR_PATTERN)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value  # a form's empty select or date field


@router.get("/divisions")
def own_division_page(
    request: Request,
    caller: PageCaller,
    evaluation: EvaluationQueriesDep,
    quality: QualityQueriesDep,
    filters: Annotated[ListFilters, Query()],
    code: Annotated[str | None, Query(pattern=DIVISION_PATTERN)] = None,
) -> Response:
    """The token's whole division, or (``?code=``, from the page's form) the one named."""
    if code:
        return RedirectResponse(division_url(code), status_code=303)
    return _division_page(request, caller, evaluation, quality, caller.division, filters)


@router.get("/divisions/{division}")
def division_page(
    request: Request,
    caller: PageCaller,
    evaluation: EvaluationQueriesDep,
    quality: QualityQueriesDep,
    division: DivisionPath,
    filters: Annotated[ListFilters, Query()],
) -> Response:
    """Counts by status and type, the completeness chart, the gap and look-back lists, the
    data-quality findings and the formalism signals."""
    return _division_page(request, caller, evaluation, quality, division, filters)


def _division_page(
    request: Request,
    caller: Caller,
    evaluation: EvaluationQueries,
    quality: QualityQueries,
    division: str,
    filters: ListFilters,
) -> Response:
    day = filters.reference_date or date.today()
    overview = evaluation.overview(
        caller,
        division,
        gaps=Selection(None, filters.gap_code, filters.status, filters.gaps_after, PAGE_SIZE),
        candidates=Selection(None, filters.lookback_code, None, filters.lookback_after, PAGE_SIZE),
        reference_date=day,
    )
    chosen = overview.division  # the caller's division when none was asked
    quality_page = quality.findings(
        caller,
        Selection(chosen, filters.quality_code, None, filters.quality_after, PAGE_SIZE),
        day,
    )
    signal_page = quality.signals(
        caller,
        Selection(chosen, filters.signal_code, None, filters.signal_after, PAGE_SIZE),
        day,
    )
    return render(
        request,
        "division.html",
        caller=caller,
        division=overview.division,
        summary=overview.summary,
        parts=overview.parts,
        statuses=views.status_table(overview.summary),
        charts=views.charts(overview.summary),
        gaps=views.gap_rows(overview.gaps["items"]),
        gaps_next=overview.gaps["next"],
        candidates=views.lookback_rows(overview.candidates["items"]),
        candidates_next=overview.candidates["next"],
        filters=filters,
        reference_date=day,
        gap_export=_query(code=filters.gap_code, status=filters.status),
        lookback_export=_query(reference_date=day.isoformat(), code=filters.lookback_code),
        gap_codes=views.choices("gap_code"),
        status_choices=views.choices("status"),
        lookback_codes=views.choices("lookback_code"),
        quality_counts=views.quality_counts(quality.counts(caller, chosen, day)),
        quality=views.quality_rows(quality_page["items"]),
        quality_next=quality_page["next"],
        signals=views.signal_rows(signal_page["items"]),
        signals_next=signal_page["next"],
        quality_export=_query(code=filters.quality_code, reference_date=_asked(filters)),
        signal_export=_query(code=filters.signal_code, reference_date=_asked(filters)),
        finding_codes=views.finding_choices(),
        signal_codes=views.signal_choices(),
    )


@router.get("/divisions/{division}/{list_name}.{fmt}")
def division_export(
    caller: PageCaller,
    evaluation: EvaluationQueriesDep,
    quality: QualityQueriesDep,
    division: DivisionPath,
    list_name: Literal["completeness", "lookback", "quality", "signals"],
    fmt: Literal["xlsx", "csv"],
    code: CodeFilter = None,
    status: StatusFilter = None,
    reference_date: Annotated[date | None, Query()] = None,
) -> Response:
    """The whole list as the API exports it (``GET /v1/completeness?format=xlsx``, and
    ``/v1/lookback``, ``/v1/quality``, ``/v1/signals``): the page's session, not a bearer
    token, opens it."""
    day = reference_date or date.today()
    if list_name == "completeness":
        selection = Selection(division, code, status)
        return completeness_table(evaluation.all_completeness(caller, selection), fmt)
    if list_name == "quality":
        return quality_table(quality.all_findings(caller, Selection(division, code), day), fmt)
    if list_name == "signals":
        return signals_table(quality.all_signals(caller, Selection(division, code), day), fmt)
    return lookback_table(evaluation.all_lookback(caller, Selection(division, code), day), fmt)


def _asked(filters: ListFilters) -> str | None:
    return filters.reference_date.isoformat() if filters.reference_date else None


def _query(**params: str | None) -> str:
    return urlencode({key: value for key, value in params.items() if value})
