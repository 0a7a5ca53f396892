"""Operators' views of the service's own state, for admins of a division."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import CallerDep, ParkedQueryDep
from api.paging import Limit
from api.responses import JSONBody
from ledger.domain.callers import Caller
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN
from ledger.domain.errors import Forbidden
from ledger.domain.vocabulary import CallerRole

router = APIRouter(prefix="/v1/admin", tags=["operations"])


def get_admin(caller: CallerDep) -> Caller:
    if caller.role != CallerRole.ADMIN:
        raise Forbidden(f"only admins read the service's state, not a {caller.role} token")
    return caller


AdminDep = Annotated[Caller, Depends(get_admin)]


@router.get("/parked")
def parked(
    parked_households: ParkedQueryDep,
    admin: AdminDep,
    cursor: Annotated[
        str | None,
        Query(pattern=HOUSEHOLD_ID_PATTERN, description="The `next` of the previous page (opaque)"),
    ] = None,
    limit: Limit = 100,
) -> JSONBody:
    """Households whose rules raise (CONTRACT §7.1), by household id: `{"household_id",
    "village_code", "position" (log position of its newest event when parked), "version",
    "error", "since"}`. Their rows in the lists keep their last good state; each is tried
    again on its next event and by `ledger projections retry`. Only the households of the
    admin's division (one whose registration cannot be read has no village: only an
    admin of the whole country sees it)."""
    found = parked_households.parked(admin, after=cursor or "", limit=limit)
    return JSONBody(
        {
            "items": [p.document() for p in found],
            "next": found[-1].household_id if len(found) == limit else None,
        }
    )
