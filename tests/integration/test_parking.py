"""A household whose rules raise is parked: its rows keep their last good state, it is
recorded where operators see it, and every other household stays current (CONTRACT §7.1).
It is tried again with its next event and by ``retry``; a rebuild parks it likewise."""

from typing import Any

import pytest

from bootstrap import open_views
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.config import load_default
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from projections.runner import ProjectionRunner
from tests import factories as f
from tests.integration.test_projection_rebuild import append_county
from tests.parking import broken_for, plant_nul_member, plant_text_dated_survey

BROKEN_VILLAGE = "530925101203"  # households 3 and 13 of the county
BROKEN = {"hh-003", "hh-013"}


def located(ledger: HouseholdLedger, caller: Caller, household_id: str) -> None:
    batch = AppendBatch.model_validate(
        {"events": [f.event("LocationRecorded", {"lat": 23.47, "lon": 99.8})]}
    )
    AppendPipeline(ledger).append(household_id, batch.events, caller)


def versions(runner: ProjectionRunner) -> dict[str, int]:
    return {
        row["household_id"]: row["version"]
        for row in runner.views._rows("SELECT household_id, version FROM {household_view}")
    }


def rows_of(runner: ProjectionRunner, household_ids: set[str]) -> dict[str, Any]:
    return {
        table: sorted(
            tuple(str(v) for v in dict(row).values())
            for row in runner.views.rows_of(table, sorted(household_ids))
        )
        for table in ("household_view", "gap_view", "lookback_view", "episode_view")
    }


@pytest.fixture
def county(ledger: HouseholdLedger, recorder_caller: Caller) -> HouseholdLedger:
    append_county(ledger, recorder_caller, range(14))
    return ledger


@pytest.fixture
def current(county: HouseholdLedger) -> ProjectionRunner:
    """The county's read models, current under the default rules."""
    runner = ProjectionRunner(county, open_views(county), load_default(), batch_size=7)
    runner.catch_up()
    return runner


def test_a_household_whose_rules_raise_is_parked_and_every_other_one_stays_current(
    county: HouseholdLedger, current: ProjectionRunner, recorder_caller: Caller
) -> None:
    last_good = rows_of(current, BROKEN)
    before = versions(current)
    for n in range(14):
        located(county, recorder_caller, f"hh-{n:03d}")
    runner = ProjectionRunner(
        county, open_views(county), broken_for(BROKEN_VILLAGE, load_default()), batch_size=7
    )
    runner.catch_up()

    assert runner.position() == county.recorder.max_notification_id()
    after = versions(runner)
    assert {h for h in after if after[h] == before[h] + 1} == set(before) - BROKEN
    assert rows_of(runner, BROKEN) == last_good
    parked = {p.household_id: p for p in runner.views.parked()}
    assert set(parked) == BROKEN
    newest = runner.streams.last_positions([originator_id(h) for h in sorted(BROKEN)])
    for household_id, p in parked.items():
        assert p.village_code == BROKEN_VILLAGE
        assert p.version == before[household_id] + 1
        assert p.position == newest[originator_id(household_id)]
        assert p.error.startswith("ConfigurationError: ")
        assert "retired_setting" in p.error
        assert p.since is not None
    assert runner.views.parked_count() == 2
    assert runner.views.parked(division="530925101202") == []


def test_a_parked_household_is_retried_on_its_next_event_and_unparked_when_it_succeeds(
    county: HouseholdLedger, current: ProjectionRunner, recorder_caller: Caller
) -> None:
    last_good = rows_of(current, {"hh-005"})
    plant_text_dated_survey(county, "hh-005", recorder_caller)
    located(county, recorder_caller, "hh-006")
    current.catch_up()
    [parked] = current.views.parked()
    assert (parked.household_id, parked.version) == ("hh-005", versions(current)["hh-005"] + 1)
    assert parked.error.startswith("AttributeError: ")
    assert rows_of(current, {"hh-005"}) == last_good
    assert current.position() == county.recorder.max_notification_id()

    located(county, recorder_caller, "hh-005")  # still unreadable: parked again, same since
    current.catch_up()
    [again] = current.views.parked()
    assert (again.version, again.since) == (parked.version + 1, parked.since)

    corrected = AppendBatch.model_validate({"events": [f.survey()]})
    AppendPipeline(county).append("hh-005", corrected.events, recorder_caller)
    current.catch_up()
    assert current.views.parked() == []
    assert versions(current)["hh-005"] == len(county.stream("hh-005"))


def test_retry_unparks_the_households_the_rules_now_evaluate_and_keeps_the_others(
    county: HouseholdLedger, current: ProjectionRunner, recorder_caller: Caller
) -> None:
    plant_text_dated_survey(county, "hh-001", recorder_caller)
    for n in (1, 3, 13):
        located(county, recorder_caller, f"hh-{n:03d}")
    broken = ProjectionRunner(
        county, open_views(county), broken_for(BROKEN_VILLAGE, load_default())
    )
    broken.catch_up()
    assert {p.household_id for p in broken.views.parked()} == BROKEN | {"hh-001"}
    position = broken.position()

    unparked, still = current.retry()  # the configuration fixed, the stored survey not
    assert sorted(unparked) == sorted(BROKEN)
    assert [p.household_id for p in still] == ["hh-001"]
    assert [p.household_id for p in current.views.parked()] == ["hh-001"]
    assert all(versions(current)[h] == len(county.stream(h)) for h in BROKEN)
    assert current.position() == position  # a retry records no position


@pytest.mark.parametrize("workers", [0, 2])
def test_a_rebuild_parks_the_households_whose_rules_raise_with_their_last_good_rows(
    county: HouseholdLedger, current: ProjectionRunner, workers: int
) -> None:
    last_good = rows_of(current, BROKEN)
    others = rows_of(current, {f"hh-{n:03d}" for n in range(14)} - BROKEN)
    rebuilding = ProjectionRunner(
        county, open_views(county), broken_for(BROKEN_VILLAGE, load_default())
    )
    rebuilding.rebuild(workers=workers)
    assert rebuilding.views.live().name == "green"
    assert rebuilding.position() == county.recorder.max_notification_id()
    assert {p.household_id for p in rebuilding.views.parked()} == BROKEN
    assert rows_of(rebuilding, BROKEN) == last_good
    assert rows_of(rebuilding, {f"hh-{n:03d}" for n in range(14)} - BROKEN) == others

    since = {p.household_id: p.since for p in rebuilding.views.parked()}
    rebuilding.rebuild(workers=workers)  # back to blue: still parked, since unchanged
    assert rebuilding.views.live().name == "blue"
    assert {p.household_id: p.since for p in rebuilding.views.parked()} == since
    assert rows_of(rebuilding, BROKEN) == last_good


def test_a_household_whose_rows_hold_a_nul_is_parked_alike_on_both_backends(
    county: HouseholdLedger, current: ProjectionRunner, recorder_caller: Caller
) -> None:
    # PostgreSQL cannot store the NUL: unchecked, the whole batch failed there, for everyone.
    plant_nul_member(county, "hh-nul", recorder_caller)
    for n in (0, 1):
        located(county, recorder_caller, f"hh-{n:03d}")
    current.catch_up()
    assert current.position() == county.recorder.max_notification_id()
    [parked] = current.views.parked()
    assert (parked.household_id, parked.village_code) == ("hh-nul", "530925101201")
    assert parked.error == "ValueError: the rows' detail holds a NUL character"
    assert "hh-nul" not in versions(current)
    assert all(
        versions(current)[f"hh-{n:03d}"] == len(county.stream(f"hh-{n:03d}")) for n in (0, 1)
    )
