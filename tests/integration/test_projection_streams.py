"""The projections read whole streams straight from the events table: many households in
one query, or all of them in the order of the primary key, page by page. Either way each
stream is exactly what the library's recorder returns for it."""

from dataclasses import replace
from uuid import UUID

import pytest

from bootstrap import open_views
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from projections.streams import streams_of
from tests import factories as f

HOUSEHOLDS = [f"hh-{n:03d}" for n in range(9)]


@pytest.fixture
def stored(ledger: HouseholdLedger, recorder_caller: Caller) -> HouseholdLedger:
    appends = AppendPipeline(ledger)
    for n, household_id in enumerate(HOUSEHOLDS):
        events = f.county_household(n)
        for start in range(0, len(events), 2):  # interleave the households in the log
            batch = AppendBatch.model_validate({"events": events[start : start + 2]})
            appends.append(household_id, batch.events, recorder_caller)
    return ledger


def by_recorder(ledger: HouseholdLedger, stream: UUID) -> list[object]:
    return list(ledger.recorder.select_events(stream))


def test_the_streams_of_a_batch_are_read_whole_in_one_query(stored: HouseholdLedger) -> None:
    wanted = [originator_id(h) for h in HOUSEHOLDS[2:7]] + [UUID(int=1)]  # one has no events
    streams = open_views(stored).streams().of(wanted)
    assert set(streams) == set(wanted[:-1])
    for stream, events in streams.items():
        assert events == by_recorder(stored, stream)  # type: ignore[arg-type]
    assert open_views(stored).streams().of([]) == {}


@pytest.mark.parametrize("page_size", [1, 3, 7, 1000])
def test_pages_in_primary_key_order_hold_every_stream_whole(
    stored: HouseholdLedger, page_size: int
) -> None:
    pages = list(open_views(stored).streams().pages_in_stream_order(page_size))
    streams = [stream for page in pages for stream in streams_of(page)]
    ids = [UUID(str(stream[0].originator_id)) for stream in streams]
    assert ids == sorted(ids, key=lambda i: i.hex)
    assert set(ids) == {originator_id(h) for h in HOUSEHOLDS}  # each once: never split
    for stream_id, stream in zip(ids, streams, strict=True):
        assert [replace(e, originator_id=stream_id) for e in stream] == by_recorder(
            stored, stream_id
        )
    assert all(pages)


@pytest.mark.parametrize(("after", "limit"), [(0, 1), (0, 5), (3, 4), (0, 1000), (10_000, 5)])
def test_a_page_of_the_log_names_the_streams_it_touches_once_each(
    stored: HouseholdLedger, after: int, limit: int
) -> None:
    notifications = stored.recorder.select_notifications(
        start=after, limit=limit, inclusive_of_start=False
    )
    page = open_views(stored).streams().touched(after, limit)
    assert page.entries == len(notifications)
    assert page.last == (notifications[-1].id if notifications else after)
    assert page.originator_ids == list(dict.fromkeys(n.originator_id for n in notifications))
