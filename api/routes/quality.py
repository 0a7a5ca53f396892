"""Data-quality findings (数据质量问题) and formalism signals (形式主义信号), CONTRACT §7.5:
prompts to check, not verdicts."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.deps import QualityQueriesDep, ReaderDep
from api.exports import quality_table, signals_table
from api.paging import CursorParam, Limit
from api.responses import JSONBody
from api.routes.evaluation import TABLES, CodeFilter, Division, Format, StatusFilter
from api.routes.households import HouseholdId
from ledger.domain.fields import IsoDate
from queries import Selection

router = APIRouter(prefix="/v1", tags=["quality"])

SignalCursor = Annotated[
    str | None,
    Query(
        max_length=400,
        pattern=r"^[A-Za-z0-9_-]+={0,2}$",
        description="The `next` of the previous page (opaque)",
    ),
]
ReferenceDate = Annotated[
    IsoDate | None,
    Query(  # not a Unix time
        description="Judge time windows at this date (default today)"
    ),
]


@router.get("/households/{household_id}/quality")
def household_quality(
    household_id: HouseholdId,
    quality: QualityQueriesDep,
    caller: ReaderDep,
    reference_date: ReferenceDate = None,
) -> JSONBody:
    """The household's data-quality findings at the reference date, each with its national
    rule and the events it rests on."""
    return JSONBody(quality.household(household_id, caller, reference_date or date.today()))


@router.get("/quality", response_model=None, responses=TABLES)
def quality_findings(
    quality: QualityQueriesDep,
    caller: ReaderDep,
    division: Division = None,
    code: CodeFilter = None,
    status: StatusFilter = None,
    reference_date: ReferenceDate = None,
    cursor: CursorParam = None,
    limit: Limit = 100,
    format: Format = "json",
) -> Response:
    """Households with data-quality findings, by division, finding code and status."""
    selection = Selection(division, code, status, cursor, limit)
    day = reference_date or date.today()
    if format == "json":
        return JSONBody(quality.findings(caller, selection, day))
    return quality_table(quality.all_findings(caller, selection, day), format)


@router.get("/signals", response_model=None, responses=TABLES)
def formalism_signals(
    quality: QualityQueriesDep,
    caller: ReaderDep,
    division: Division = None,
    code: CodeFilter = None,
    reference_date: ReferenceDate = None,
    cursor: SignalCursor = None,
    limit: Limit = 100,
    format: Format = "json",
) -> Response:
    """Formalism signals involving a household in the division, each listing only the
    households (and their events) within the token's division."""
    selection = Selection(division, code, None, cursor, limit)
    day = reference_date or date.today()
    if format == "json":
        return JSONBody(quality.signals(caller, selection, day))
    return signals_table(quality.all_signals(caller, selection, day), format)
