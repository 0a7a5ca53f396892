"""Every event of every household, in commit order, for downstream consumers."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import HouseholdQueriesDep, ReaderDep
from api.openapi_served import FEED
from api.paging import MAX_POSITION, CursorParam, Limit, position
from api.personal_data import DisclosureDep
from api.responses import JSONBody
from ledger.domain.serialization import event_document

router = APIRouter(prefix="/v1", tags=["feed"])


@router.get("/feed", responses=FEED)
def feed(
    households: HouseholdQueriesDep,
    caller: ReaderDep,
    disclosure: DisclosureDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="A `position` already processed")
    ] = 0,
    cursor: CursorParam = None,
    limit: Limit = 100,
) -> JSONBody:
    """Events of the token's division after a position, in the order they were committed.
    Positions only grow and no event ever appears behind one already served; they may
    skip numbers. A page looks at `limit` positions, so it may hold fewer items. Personal
    values are served as commitments to evaluators."""
    feed_page = households.feed(caller, after=position(cursor, after), limit=limit)
    disclosure.record(event.household_id for _, event in feed_page.events)
    served = disclosure.events(event_document(event) for _, event in feed_page.events)
    items = [
        {"position": pos, **event} for (pos, _), event in zip(feed_page.events, served, strict=True)
    ]
    return JSONBody({"items": items, "next": str(feed_page.scanned_to) if feed_page.more else None})
