"""A household's page: members, status history, the timeline (a page of it) with actors
and materials, episodes with their steps and gaps, its data-quality findings, a
verification badge; as of a recorded time if asked. People's values as
``people.PageView`` shows them to the caller."""

from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from fastapi import Query, Request
from starlette.responses import Response

from api.deps import HouseholdPageQueryDep, LedgerDep, PrimaryLedgerDep, QualityQueriesDep
from api.personal_data import disclosure_of, endpoint
from api.routes.households import HouseholdId
from api.web import views
from api.web.people import PageView
from api.web.rendering import division_url, page_router, render
from api.web.session import PageCaller
from ledger.domain.callers import Caller
from ledger.domain.errors import UnknownHousehold, ValidationFailed
from ledger.domain.serialization import event_document, state_document
from ledger.transparency.archive import materials_index
from ledger.transparency.badge import Mismatch
from ledger.transparency.report import household_sections
from queries.quality import QualityQueries

CHINA = timezone(timedelta(hours=8))
TIMELINE_PAGE = 100  # events a household page shows of its timeline

router = page_router()

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
    households: HouseholdPageQueryDep,
    ledger: LedgerDep,
    primary: PrimaryLedgerDep,
    quality: QualityQueriesDep,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=2**31, description="The timeline's page")] = 1,
) -> Response:
    """Members, status history, the timeline (a page of it) with actors and materials,
    episodes with their steps and gaps, its data-quality findings (the read models': now,
    not as of), a verification badge; as of a recorded time if asked."""
    record = households.read(household_id, caller, as_of_moment(as_of))  # 404 if unseen
    household, events = record.household, record.events
    timeline = views.Timeline(len(events), page, TIMELINE_PAGE, as_of)
    disclosure = disclosure_of(ledger, primary, caller, endpoint(request))
    people = PageView(disclosure.vault, reads_personal_data=disclosure.opens)
    # Only the page's events are shaped in full; the others give what links to them need.
    whole = [
        number
        for number, event in enumerate(events, 1)
        if number in timeline.shown or event.TYPE in views.KEPT_WHOLE
    ]
    opened = dict(
        zip(whole, people.events(event_document(events[n - 1]) for n in whole), strict=True)
    )
    served = [opened.get(number) or views.stub(event) for number, event in enumerate(events, 1)]
    shown = [served[number - 1] for number in timeline.shown]
    sections = household_sections(
        household=people.state({**state_document(household), "household_id": household_id}),
        events=served,
        completeness=record.completeness,
        materials=materials_index(shown, record.material_included),
        shown=timeline.shown,
        href=timeline.href,
    )
    disclosure.record([household_id])
    gaps = sum(len(episode["gaps"]) for episode in sections["episodes"])
    # The findings are kept current only: an earlier state shows none rather than today's.
    findings = [] if as_of else _findings(quality, household_id, caller)
    return render(
        request,
        "household.html",
        caller=caller,
        as_of=as_of,
        registered=household.registered,
        masked=not disclosure.opens,
        verification=record.verification,
        verified=not isinstance(record.verification, Mismatch),
        gap_count=gaps,
        findings=findings,
        division_url=division_url(caller.division),
        event_count=len(events),
        timeline_pager=timeline,
        material_count=sum(len(event.materials) for event in events),
        **sections,
    )


def _findings(quality: QualityQueries, household_id: str, caller: Caller) -> list[dict[str, Any]]:
    """The household's current findings; none while its read models are not there (a
    household parked by the projections still has its page, from its events)."""
    try:
        found = quality.household(household_id, caller, date.today())
    except UnknownHousehold:
        return []
    return views.findings(found["findings"])
