"""Many writers at once: nothing lost, nothing doubled, versions 1..N, feed in commit order."""

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from bootstrap import open_ledger
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch, Envelope
from ledger.domain.errors import VersionConflict
from ledger.idempotency import Idempotency
from ledger.persistence.database import Database
from ledger.reading import HouseholdReads
from tests import factories as f


def commands(*events: dict[str, Any]) -> list[Envelope]:
    return list(AppendBatch.model_validate({"events": list(events)}).events)


LOCATION = commands(f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8}))


@pytest.fixture
def two_ledgers(database: Database) -> Iterator[tuple[HouseholdLedger, HouseholdLedger]]:
    """Two independent ledgers on one database, as two server processes would be."""
    first = open_ledger(database, pool_size=8)
    second = open_ledger(database, pool_size=8)
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def two_pipelines(
    two_ledgers: tuple[HouseholdLedger, HouseholdLedger],
) -> tuple[AppendPipeline, AppendPipeline]:
    """The append pipelines of the two processes."""
    return AppendPipeline(two_ledgers[0]), AppendPipeline(two_ledgers[1])


def run_all(jobs: Sequence[Callable[[], Any]], threads: int = 16) -> list[Any]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [future.result() for future in [pool.submit(job) for job in jobs]]


def test_many_writers_on_one_household_lose_nothing_and_double_nothing(
    two_ledgers: tuple[HouseholdLedger, HouseholdLedger],
    two_pipelines: tuple[AppendPipeline, AppendPipeline],
    recorder_caller: Caller,
) -> None:
    first = two_ledgers[0]
    appends_1, appends_2 = two_pipelines
    appends_1.append("hh-busy", commands(f.registered()), recorder_caller)
    answers = run_all(
        [
            partial(appends.append, "hh-busy", LOCATION, recorder_caller)
            for appends in [appends_1, appends_2] * 40
        ]
    )
    versions = sorted(a.response["events"][0]["version"] for a in answers)
    assert versions == list(range(2, 82))
    history = HouseholdReads(first).history("hh-busy", recorder_caller, limit=1000)
    assert [e.version for e in history] == list(range(1, 82))
    assert len({e.id for e in history}) == 81


def test_writers_on_many_households_interleave_without_loss(
    two_ledgers: tuple[HouseholdLedger, HouseholdLedger],
    two_pipelines: tuple[AppendPipeline, AppendPipeline],
    recorder_caller: Caller,
) -> None:
    first, second = two_ledgers
    appends_1, appends_2 = two_pipelines
    households = [f"hh-{n}" for n in range(10)]
    run_all(
        [
            partial(appends_1.append, h, commands(f.registered()), recorder_caller)
            for h in households
        ]
    )
    run_all(
        [
            partial(appends.append, h, LOCATION, recorder_caller)
            for h in households
            for appends in (appends_1, appends_2)
            for _ in range(3)
        ]
    )
    for household in households:
        assert [
            e.version for e in HouseholdReads(first).history(household, recorder_caller)
        ] == list(range(1, 8))
    assert len(HouseholdReads(second).feed(recorder_caller, limit=1000).events) == 70


def test_a_stale_expected_version_is_a_clean_conflict_under_contention(
    two_pipelines: tuple[AppendPipeline, AppendPipeline],
    recorder_caller: Caller,
) -> None:
    appends_1, appends_2 = two_pipelines
    appends_1.append("hh-race", commands(f.registered()), recorder_caller)

    def guarded(appends: AppendPipeline) -> str:
        try:
            appends.append("hh-race", LOCATION, recorder_caller, expected_version=1)
        except VersionConflict:
            return "conflict"
        return "appended"

    outcomes = run_all([partial(guarded, appends) for appends in [appends_1, appends_2] * 10])
    assert outcomes.count("appended") == 1
    assert outcomes.count("conflict") == 19


def test_concurrent_retries_with_one_key_append_once(
    two_ledgers: tuple[HouseholdLedger, HouseholdLedger],
    two_pipelines: tuple[AppendPipeline, AppendPipeline],
    recorder_caller: Caller,
) -> None:
    first = two_ledgers[0]
    appends_1, appends_2 = two_pipelines
    appends_1.append("hh-retry", commands(f.registered()), recorder_caller)
    key = Idempotency("same-request", "digest-1")
    answers = run_all(
        [
            partial(appends.append, "hh-retry", LOCATION, recorder_caller, idempotency=key)
            for appends in [appends_1, appends_2] * 10
        ]
    )
    assert len({str(a.response) for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert HouseholdReads(first).household("hh-retry", recorder_caller).version == 2


def test_a_feed_reader_never_passes_an_event_that_commits_later(
    two_ledgers: tuple[HouseholdLedger, HouseholdLedger],
    two_pipelines: tuple[AppendPipeline, AppendPipeline],
    recorder_caller: Caller,
) -> None:
    """Positions seen by a tailing reader only grow and it misses nothing: insert order is
    commit order (the library's table lock on PostgreSQL, the write lock on SQLite)."""
    first, second = two_ledgers
    appends_1, appends_2 = two_pipelines
    households = [f"hh-{n}" for n in range(8)]
    run_all(
        [
            partial(appends_1.append, h, commands(f.registered()), recorder_caller)
            for h in households
        ]
    )
    done = threading.Event()
    seen: list[int] = []

    def tail() -> None:
        position = 0
        while True:
            finished = done.is_set()
            for pos, _event in (
                HouseholdReads(second).feed(recorder_caller, after=position, limit=50).events
            ):
                seen.append(pos)
                position = pos
            if finished:
                return

    reader = threading.Thread(target=tail)
    reader.start()
    run_all(
        [
            partial(appends.append, h, LOCATION, recorder_caller)
            for h in households
            for appends in (appends_1, appends_2)
            for _ in range(5)
        ]
    )
    done.set()
    reader.join(timeout=60)
    everything = [pos for pos, _ in HouseholdReads(first).feed(recorder_caller, limit=1000).events]
    assert seen == everything
    assert len(everything) == 8 + 80
