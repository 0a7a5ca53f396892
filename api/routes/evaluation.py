"""Evaluators' and auditors' questions: completeness, look-back candidates, summaries."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.deps import ConfigurationDep, LedgerDep, ProjectionsDep, ReaderDep
from api.exports import (
    GAP_COLUMNS,
    LOOKBACK_COLUMNS,
    MEDIA_TYPES,
    SUMMARY_COLUMNS,
    flatten,
    summary_rows,
    table,
)
from api.paging import CursorParam, Limit
from api.responses import JSONBody
from api.routes.households import HouseholdId
from ledger.domain.access import chosen_division
from ledger.domain.completeness import assess
from ledger.domain.fields import IsoDate
from projections.queries import completeness_page, lookback_page, summary
from projections.views import Filters

router = APIRouter(prefix="/v1", tags=["evaluation"])

DIVISION_PATTERN = r"^[0-9]{0,12}$"
# Filters are codes: letters, digits and underscores (no control characters for the SQL).
CODE_PATTERN, STATUS_PATTERN = r"^[A-Za-z0-9_]{1,64}$", r"^[a-z_]{1,32}$"
Division = Annotated[
    str | None,
    Query(pattern=DIVISION_PATTERN, description="Division code prefix (default: the token's)"),
]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="csv/xlsx: the whole list")]
EXPORT_LIMIT = 1000
TABLES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page (json), or the whole list (csv, xlsx)",
        "content": {
            "application/json": {},
            **{media_type.split(";")[0]: {} for media_type in MEDIA_TYPES.values()},
        },
    }
}
CodeFilter = Annotated[str | None, Query(pattern=CODE_PATTERN)]
StatusFilter = Annotated[str | None, Query(pattern=STATUS_PATTERN)]


@router.get("/households/{household_id}/completeness")
def household_completeness(
    household_id: HouseholdId, ledger: LedgerDep, caller: ReaderDep, configuration: ConfigurationDep
) -> JSONBody:
    """Episodes of the procedure with their steps (event ids) and gaps (CONTRACT §3)."""
    household = ledger.household(household_id, caller)
    config = configuration.for_division(household.village_code or "")
    return JSONBody(assess(household_id, ledger.stream(household_id), config).to_document())


@router.get("/completeness", response_model=None, responses=TABLES)
def completeness(
    projections: ProjectionsDep,
    caller: ReaderDep,
    division: Division = None,
    code: CodeFilter = None,
    status: StatusFilter = None,
    cursor: CursorParam = None,
    limit: Limit = 100,
    format: Format = "json",
) -> Response:
    """Households with gaps in the procedure, by division, gap code and status."""
    filters = Filters(chosen_division(caller, division), code, status, cursor, limit)
    if format == "json":
        return JSONBody(completeness_page(projections.views, filters))
    items = _all(lambda f: completeness_page(projections.views, f), filters)
    return table(flatten(items, "gaps"), GAP_COLUMNS, format, "completeness")


@router.get("/lookback", response_model=None, responses=TABLES)
def lookback(
    projections: ProjectionsDep,
    caller: ReaderDep,
    division: Division = None,
    code: CodeFilter = None,
    reference_date: Annotated[
        IsoDate | None,
        Query(  # not a Unix time
            description="Judge time windows at this date (default today)"
        ),
    ] = None,
    cursor: CursorParam = None,
    limit: Limit = 100,
    format: Format = "json",
) -> Response:
    """Look-back (回头看) candidates: households to check, with the action each suggests."""
    filters = Filters(chosen_division(caller, division), code, None, cursor, limit)
    day = reference_date or date.today()
    if format == "json":
        return JSONBody(lookback_page(projections.views, filters, day))
    items = _all(lambda f: lookback_page(projections.views, f, day), filters)
    return table(flatten(items, "candidates"), LOOKBACK_COLUMNS, format, "lookback")


@router.get("/reports/summary", response_model=None, responses=TABLES)
def report_summary(
    projections: ProjectionsDep,
    caller: ReaderDep,
    division: Division = None,
    format: Format = "json",
) -> Response:
    """Counts by status × monitoring type, completeness rate per step, gap counts (csv and
    xlsx: one row per figure)."""
    report = summary(projections.views, chosen_division(caller, division))
    if format == "json":
        return JSONBody(report)
    return table(summary_rows(report), SUMMARY_COLUMNS, format, "summary")


def _all(fetch: Any, filters: Filters) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = Filters(filters.division, filters.code, filters.status, None, EXPORT_LIMIT)
    while True:
        result = fetch(page)
        items += result["items"]
        if result["next"] is None:
            return items
        page = Filters(page.division, page.code, page.status, result["next"], EXPORT_LIMIT)
