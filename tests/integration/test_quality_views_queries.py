"""The quality questions over the read models (``QualityViewQueries``): households with
findings own or derived, their findings, signals by the divisions of their households,
counts; windows at the reference date, status filter, cursor paging; and the personal
data store's rows of many households at once (the openings' one query)."""

from datetime import date
from typing import Any

import pytest

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from projections.runner import ProjectionRunner
from projections.views import Filters
from tests import factories as f
from tests.integration.test_quality_views import (
    FILE,
    SHARED,
    append,
    quality_rules,  # noqa: F401  # the fixture
    runner_of,
)

V1, V2, V3 = "530925101201", "530925101202", "530925102301"
OTHER_FILE = "e" * 64
DAY = date(2022, 1, 1)


def household(n: int, village: str, spouse: str) -> dict[str, Any]:
    members = [
        f.member("m1", id_number=f.id_number(10 + n)),
        f.member("m2", "spouse", sex="F", id_number=spouse),
    ]
    return f.registered(village_code=village, members=members)


def citing(sha256: str, day: str) -> dict[str, Any]:
    return f.survey() | {
        "materials": [{**f.MATERIAL, "sha256": sha256}],
        "occurred_at": f"{day}T09:30:00+08:00",
    }


@pytest.fixture
def county(
    quality_rules: None,
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
) -> ProjectionRunner:
    """hh-1 and hh-2 share a spouse (derived findings) and cite FILE (a signal in
    530925101); hh-1 has lost its head (its own finding); hh-3 and hh-4 cite OTHER_FILE in
    one village of another township."""
    caller = recorder_caller
    append(appends, caller, "hh-1", household(1, V1, SHARED), citing(FILE, "2021-10-22"))
    append(
        appends, caller, "hh-1", f.event("MemberRemoved", {"member_id": "m1", "reason": "death"})
    )
    append(appends, caller, "hh-2", household(2, V2, SHARED), citing(FILE, "2021-11-02"))
    append(
        appends, caller, "hh-3", household(3, V3, f.id_number(3)), citing(OTHER_FILE, "2021-12-01")
    )
    append(
        appends, caller, "hh-4", household(4, V3, f.id_number(4)), citing(OTHER_FILE, "2021-12-03")
    )
    append(appends, caller, "hh-5", household(5, V3, f.id_number(5)))
    runner = runner_of(ledger)
    runner.catch_up()
    return runner


def test_households_with_findings_by_division_code_status_window_and_page(
    county: ProjectionRunner,
) -> None:
    views = county.views
    assert views.households_with_findings(Filters("530925"), DAY) == ["hh-1", "hh-2"]
    assert views.households_with_findings(Filters("530925", limit=1), DAY) == ["hh-1"]
    assert views.households_with_findings(Filters("530925", after="hh-1"), DAY) == ["hh-2"]
    assert views.households_with_findings(Filters("530925101202"), DAY) == ["hh-2"]
    assert views.households_with_findings(Filters("530925102"), DAY) == []
    assert views.households_with_findings(Filters("", code="DQ_HEAD_COUNT"), DAY) == ["hh-1"]
    assert views.households_with_findings(Filters("53", code="DQ_DUPLICATE_PERSON"), DAY) == [
        "hh-1",
        "hh-2",
    ]
    assert views.households_with_findings(Filters("53", status="not_monitored"), DAY) == [
        "hh-1",
        "hh-2",
    ]
    assert views.households_with_findings(Filters("53", status="monitored"), DAY) == []
    # The derived findings hold from 2021 on; the lost head always.
    assert views.households_with_findings(Filters("53"), date(2020, 6, 1)) == ["hh-1"]


def test_findings_of_households_own_and_derived_with_their_events(
    county: ProjectionRunner,
) -> None:
    found = county.views.findings_of(["hh-1", "hh-2", "hh-3"], DAY)
    assert [(r["household_id"], r["village_code"], r["code"]) for r in found] == [
        ("hh-1", V1, "DQ_DUPLICATE_PERSON"),
        ("hh-1", V1, "DQ_HEAD_COUNT"),
        ("hh-2", V2, "DQ_DUPLICATE_PERSON"),
    ]
    assert all(isinstance(r["events"], list) for r in found)
    assert len(found[0]["events"]) == 2  # the two registrations
    assert {r["rule"] for r in found} == {"dedup", "3_11_001/002"}
    assert [r["code"] for r in county.views.findings_of(["hh-1"], date(2020, 6, 1))] == [
        "DQ_HEAD_COUNT"
    ]
    assert county.views.findings_of([], DAY) == []
    assert county.views.places_of(["hh-1", "hh-5", "hh-none"]) == {
        "hh-1": (V1, "not_monitored"),
        "hh-5": (V3, "not_monitored"),
    }


def test_signals_by_the_division_of_their_households_window_code_and_page(
    county: ProjectionRunner,
) -> None:
    views = county.views

    def keys(filters: Filters, day: date = DAY) -> list[tuple[str, str]]:
        return [(s["code"], s["key"]) for s in views.signals_in(filters, day)]

    both = [("AF_MATERIAL_REUSED", f"{FILE}/2"), ("AF_MATERIAL_REUSED", f"{OTHER_FILE}/2")]
    assert keys(Filters("530925")) == keys(Filters("")) == both
    assert keys(Filters("530925", limit=1)) == both[:1]
    assert keys(Filters("530925", after="/".join(both[0]))) == both[1:]
    assert keys(Filters("530925102")) == both[1:]
    assert keys(Filters("530925101202")) == both[:1]
    assert keys(Filters("530925", code="AF_BATCH_ELIMINATION")) == []
    assert keys(Filters("530925"), date(2021, 11, 1)) == both[:1]  # from the first citation
    [signal] = views.signals_in(Filters("530925101202"), DAY)
    assert signal["division"] == "530925101"
    assert signal["households"] == [["hh-1", V1], ["hh-2", V2]]  # all of them
    assert len(signal["events"]) == 2


def test_counts_of_findings_and_signals_in_a_division(county: ProjectionRunner) -> None:
    views = county.views
    assert views.finding_counts("530925", DAY) == [
        {"code": "DQ_DUPLICATE_PERSON", "findings": 2, "households": 2},
        {"code": "DQ_HEAD_COUNT", "findings": 1, "households": 1},
    ]
    assert views.finding_counts("530925101202", DAY) == [
        {"code": "DQ_DUPLICATE_PERSON", "findings": 1, "households": 1}
    ]
    assert views.signal_counts("530925", DAY) == [
        {"code": "AF_MATERIAL_REUSED", "signals": 2, "households": 4}
    ]
    assert views.signal_counts("530925101202", DAY) == [
        {"code": "AF_MATERIAL_REUSED", "signals": 1, "households": 1}
    ]
    assert views.signal_counts("530925", date(2021, 1, 1)) == []


def test_the_personal_rows_of_many_households_come_at_once(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller
) -> None:
    store = ledger.stores.personal
    append(appends, recorder_caller, "hh-p", f.registered(), f.survey())
    append(appends, recorder_caller, "hh-q", f.registered())
    rows = store.of_household("hh-p") + store.of_household("hh-q")
    assert store.of_households(["hh-q", "hh-p", "hh-q"]) == rows  # by household, once each
    assert store.of_households(["hh-p"], member_fields=("id_number", "birth_date")) == [
        r
        for r in store.of_household("hh-p")
        if r.member_id is not None and r.pointer.endswith(("/id_number", "/birth_date"))
    ]
    assert len(store.of_households(["hh-p"], member_fields=("birth_date",))) == 2
    assert store.of_households([]) == []
    many = [f"hh-{n:04d}" for n in range(1_200)]  # more than one query's worth
    assert store.of_households([*many, "hh-q"]) == store.of_household("hh-q")
