"""Evaluators' and auditors' questions: completeness, look-back candidates, summaries."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.deps import EvaluationQueriesDep, HouseholdQueriesDep, ReaderDep
from api.exports import (
    MEDIA_TYPES,
    SUMMARY_COLUMNS,
    completeness_table,
    lookback_table,
    summary_rows,
    table,
)
from api.paging import CursorParam, Limit
from api.responses import JSONBody
from api.routes.households import HouseholdId
from ledger.domain.fields import IsoDate
from queries import Selection

router = APIRouter(prefix="/v1", tags=["evaluation"])

DIVISION_PATTERN = r"^[0-9]{0,12}$"
# Filters are codes: letters, digits and underscores (no control characters for the SQL).
CODE_PATTERN, STATUS_PATTERN = r"^[A-Za-z0-9_]{1,64}$", r"^[a-z_]{1,32}$"
Division = Annotated[
    str | None,
    Query(pattern=DIVISION_PATTERN, description="Division code prefix (default: the token's)"),
]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="csv/xlsx: the whole list")]
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
    household_id: HouseholdId, households: HouseholdQueriesDep, caller: ReaderDep
) -> JSONBody:
    """Episodes of the procedure with their steps (event ids) and gaps (CONTRACT §3)."""
    return JSONBody(households.completeness(household_id, caller))


@router.get("/completeness", response_model=None, responses=TABLES)
def completeness(
    evaluation: EvaluationQueriesDep,
    caller: ReaderDep,
    division: Division = None,
    code: CodeFilter = None,
    status: StatusFilter = None,
    cursor: CursorParam = None,
    limit: Limit = 100,
    format: Format = "json",
) -> Response:
    """Households with gaps in the procedure, by division, gap code and status."""
    selection = Selection(division, code, status, cursor, limit)
    if format == "json":
        return JSONBody(evaluation.completeness(caller, selection))
    return completeness_table(evaluation.all_completeness(caller, selection), format)


@router.get("/lookback", response_model=None, responses=TABLES)
def lookback(
    evaluation: EvaluationQueriesDep,
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
    selection = Selection(division, code, None, cursor, limit)
    day = reference_date or date.today()
    if format == "json":
        return JSONBody(evaluation.lookback(caller, selection, day))
    return lookback_table(evaluation.all_lookback(caller, selection, day), format)


@router.get("/reports/summary", response_model=None, responses=TABLES)
def report_summary(
    evaluation: EvaluationQueriesDep,
    caller: ReaderDep,
    division: Division = None,
    format: Format = "json",
) -> Response:
    """Counts by status × monitoring type, completeness rate per step, gap counts, and
    today's data-quality findings and formalism signals per code (csv and xlsx: one row
    per figure)."""
    report = evaluation.summary(caller, division)
    if format == "json":
        return JSONBody(report)
    return table(summary_rows(report), SUMMARY_COLUMNS, format, "summary")
