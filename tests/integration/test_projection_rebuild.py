"""A rebuild reads every stream once in the order of the primary key, not the log's: it
must give exactly the rows that catching up in log order gives, with a runner at work at
the same time too, and leave the runner to go on from the end of the log."""

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from bootstrap import open_views
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.config import load_default
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.configuration import RulesConfiguration
from projections.rows import HouseholdRows
from projections.runner import ProjectionRunner
from projections.views import APPLICATION, TABLES, ViewTables
from tests import factories as f


def snapshot(views: ViewTables) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(
            tuple(str(v) for v in dict(row).values())
            for row in views._rows(f"SELECT * FROM {{{table}}}")
        )
        for table in TABLES
    }


def append_county(ledger: HouseholdLedger, caller: Caller, households: range) -> None:
    appends = AppendPipeline(ledger)
    for n in households:
        events = f.county_household(n)
        for start in range(0, len(events), 3):  # households interleaved in the log
            batch = AppendBatch.model_validate({"events": events[start : start + 3]})
            appends.append(f"hh-{n:03d}", batch.events, caller)


@pytest.fixture
def county(ledger: HouseholdLedger, recorder_caller: Caller) -> HouseholdLedger:
    append_county(ledger, recorder_caller, range(14))
    return ledger


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of a few events, so that streams go on past the rows of one query."""
    monkeypatch.setattr("projections.runner.REBUILD_PAGE", 4)


def caught_up(ledger: HouseholdLedger) -> dict[str, list[tuple[Any, ...]]]:
    runner = ProjectionRunner(ledger, open_views(ledger), load_default(), batch_size=5)
    runner.views.reset()
    runner.catch_up()
    return snapshot(runner.views)


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("workers", [0, 2])
def test_a_rebuild_gives_the_rows_of_a_catch_up_and_the_position_of_the_log_end(
    county: HouseholdLedger, workers: int
) -> None:
    expected = caught_up(county)
    assert all(expected[table] for table in ("lookback_view", "gap_view", "material_view"))
    runner = ProjectionRunner(county, open_views(county), load_default())
    covered: list[int] = []
    runner.rebuild(covered.append, workers=workers)
    assert snapshot(runner.views) == expected
    assert runner.position() == county.recorder.max_notification_id()
    assert sum(covered) == county.tables.count_events()


@pytest.mark.usefixtures("small_pages")
def test_a_runner_catching_up_during_a_rebuild_leaves_the_rows_of_a_catch_up(
    county: HouseholdLedger, recorder_caller: Caller
) -> None:
    rebuilding = ProjectionRunner(county, open_views(county), load_default())
    live = ProjectionRunner(county, open_views(county), load_default(), batch_size=3)
    stop = threading.Event()

    def follow() -> None:  # the runner of ledger serve, following appends as they come
        while not stop.is_set():
            live.catch_up()

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        appender = threading.Thread(
            target=append_county, args=(county, recorder_caller, range(14, 20))
        )
        appender.start()
        rebuilding.rebuild()
        appender.join(60)
    finally:
        stop.set()
        follower.join(60)
    rebuilding.catch_up()
    assert rebuilding.position() == county.recorder.max_notification_id()
    assert snapshot(rebuilding.views) == caught_up(county)


def test_rows_a_runner_wrote_from_a_later_version_survive_the_rebuilds_older_ones(
    county: HouseholdLedger, recorder_caller: Caller
) -> None:
    rebuilding = ProjectionRunner(county, open_views(county), load_default())
    live = ProjectionRunner(county, open_views(county), load_default())
    write = rebuilding.views.replace
    moved: list[str] = []

    def write_after_a_household_moved_on(
        households: Sequence[HouseholdRows], **kwargs: Any
    ) -> None:
        # Between the rebuild's read of these streams and its write of their rows, one of
        # the households gets an event and the live runner writes its newer rows.
        if not moved and households:
            moved.append(households[0].household_id)
            location = AppendBatch.model_validate(
                {"events": [f.event("LocationRecorded", {"lat": 23.47, "lon": 99.8})]}
            )
            AppendPipeline(county).append(moved[0], location.events, recorder_caller)
            live.catch_up()
        write(households, **kwargs)

    rebuilding.views.replace = write_after_a_household_moved_on  # type: ignore[method-assign]
    rebuilding.rebuild()
    assert moved
    assert snapshot(rebuilding.views) == caught_up(county)


def test_rows_of_an_older_version_never_replace_newer_ones(county: HouseholdLedger) -> None:
    runner = ProjectionRunner(county, open_views(county), load_default())
    runner.catch_up()
    before = snapshot(runner.views)
    newest = [
        computed[1]
        for computed in map(
            runner._rows,
            runner.streams.of(list(runner.streams.touched(0, 10_000).originator_ids)).values(),
        )
        if isinstance(computed, tuple) and computed[1]
    ]
    older = [
        replace(
            rows,
            household={**rows.household, "version": 1, "status": "older"},
            gaps=[],
            lookback=[],
            materials=[],
            episodes=[],
        )
        for rows in newest
    ]
    runner.views.replace(older)
    assert snapshot(runner.views) == before
    runner.views.replace(newest)  # the same versions: nothing to write either
    assert snapshot(runner.views) == before


def test_the_rebuild_records_its_position_only_if_no_runner_recorded_one(
    county: HouseholdLedger,
) -> None:
    views = open_views(county)
    views.reset()
    assert views.record(3)
    assert not views.record(7)
    assert views.max_tracking_id(APPLICATION) == 3


@pytest.mark.parametrize("workers", [0, 2])
def test_rules_failing_in_worker_processes_park_their_households_not_the_rebuild(
    county: HouseholdLedger, workers: int
) -> None:
    # Resolving the county's division fails on the unknown setting: in the workers when
    # there are workers. Nothing had rows before: parked, they have none.
    broken = RulesConfiguration(
        "broken",
        {"trigger_followup_days": {"value": 30, "source": "-"}},
        {"53": {"unknown": {"value": 1, "source": "-"}}},
    )
    runner = ProjectionRunner(county, open_views(county), broken)
    runner.rebuild(workers=workers)
    assert runner.position() == county.recorder.max_notification_id()
    parked = runner.views.parked()
    assert len(parked) == 14
    assert all("unknown settings" in p.error for p in parked)
    assert snapshot(runner.views)["household_view"] == []
