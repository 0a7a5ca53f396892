"""The quality read models (CONTRACT §7.5): each household's findings and facts, and what
each group of facts shows (derived findings, signals), kept current exactly once in the
write's own transaction, on both databases.

The views' mechanics are tested here with small stand-in rules (``quality_rules``): a
person fact per present member's opened ID number, a material fact per cited file of an
event not voided, a finding when there is not exactly one present head; a duplicate
person in two households, a material cited by two. The real rules are tested on their
own (tests/unit); here what matters is which facts reach ``derive`` and when its rows
appear and go.
"""

import hashlib
import hmac
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from bootstrap import open_views
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.config import load_default
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.configuration import RulesConfig, RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.domain.quality import (
    Derived,
    Fact,
    FactKind,
    Finding,
    FindingCode,
    HouseholdQuality,
    Openings,
    Signal,
    SignalCode,
    common_division,
)
from projections.runner import ProjectionRunner
from projections.views import DERIVED_TABLES, TABLES, ViewTables
from tests import factories as f

QUALITY_TABLES = ("finding_view", "fact_view", *DERIVED_TABLES)
SHARED = f.id_number(77, "19700101")
FILE = "b" * 64


# Stand-in rules


def household_quality(
    household_id: str,
    events: Sequence[HouseholdEvent],
    state: Household,
    config: RulesConfig,
    openings: Openings,
) -> HouseholdQuality:
    village = state.village_code or ""
    present = state.present_members()
    facts = [
        Fact(FactKind.PERSON, key, household_id, village, str(events[0].id), str(m["member_id"]))
        for m in present
        if isinstance(number := openings.value(m.get("id_number")), str)
        if (key := openings.person_key(number)) is not None
    ]
    facts += [
        Fact(
            FactKind.MATERIAL,
            str(material["sha256"]),
            household_id,
            village,
            str(event.id),
            str(material["kind"]),
            event.occurred_at.date(),
        )
        for event in events
        if str(event.id) not in state.voided
        for material in event.materials
    ]
    heads = [m for m in present if m.get("relation") == "head"]
    findings = (
        []
        if len(heads) == 1
        else [Finding(FindingCode.DQ_HEAD_COUNT, f"{len(heads)} heads", f"户主{len(heads)}人")]
    )
    return HouseholdQuality(findings, facts)


def derived(
    kind: FactKind, key: str, facts: Sequence[Fact], configuration: RulesConfiguration
) -> Derived:
    villages = {fact.household_id: fact.village_code for fact in facts}
    if len(villages) < 2:
        return Derived()
    events = tuple(sorted({fact.event_id for fact in facts}))
    since = min((fact.day for fact in facts if fact.day), default=None)
    if kind is FactKind.PERSON:
        return Derived(
            findings=[
                (
                    household_id,
                    Finding(
                        FindingCode.DQ_DUPLICATE_PERSON,
                        f"one person in {len(villages)} households",
                        f"同一人在{len(villages)}户",
                        events,
                        active_from=date(2021, 1, 1),
                    ),
                )
                for household_id in sorted(villages)
            ]
        )
    if kind is FactKind.MATERIAL:
        # The signal's key is not the group's: replacing the group must still remove it.
        return Derived(
            signals=[
                Signal(
                    SignalCode.AF_MATERIAL_REUSED,
                    f"{key}/{len(villages)}",
                    common_division(list(villages.values())),
                    f"cited by {len(villages)} households",
                    f"{len(villages)}户引用",
                    tuple(sorted(villages.items())),
                    events,
                    active_from=since,
                )
            ]
        )
    return Derived()


@pytest.fixture
def quality_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("projections.rows.assess_quality", household_quality)
    monkeypatch.setattr("projections.views.derive", derived)


# Helpers


def snapshot(views: ViewTables, tables: Sequence[str] = (*TABLES, *DERIVED_TABLES)) -> Any:
    return {
        table: sorted(
            tuple(str(v) for v in dict(row).values())
            for row in views._rows(f"SELECT * FROM {{{table}}}")
        )
        for table in tables
    }


def append(
    appends: AppendPipeline, caller: Caller, household_id: str, *events: dict[str, Any]
) -> list[str]:
    """The appended events' ids."""
    batch = AppendBatch.model_validate({"events": list(events)})
    answer = appends.append(household_id, batch.events, caller)
    return [str(e["id"]) for e in answer.response["events"]]


def registered(village: str = f.VILLAGE, shared: bool = False) -> dict[str, Any]:
    spouse = f.member("m2", "spouse", sex="F", **({"id_number": SHARED} if shared else {}))
    return f.registered(village_code=village, members=[f.member("m1"), spouse])


def cited(day: str = "2021-10-22") -> dict[str, Any]:
    return f.survey() | {
        "materials": [{**f.MATERIAL, "sha256": FILE}],
        "occurred_at": f"{day}T09:30:00+08:00",
    }


def runner_of(ledger: HouseholdLedger, batch_size: int = 3) -> ProjectionRunner:
    return ProjectionRunner(ledger, open_views(ledger), load_default(), batch_size=batch_size)


def table(runner: ProjectionRunner, name: str, columns: str) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(str(v) for v in dict(row).values())
        for row in runner.views._rows(f"SELECT {columns} FROM {{{name}}}")
    )


# Tests


def person_key(ledger: HouseholdLedger, id_number: str) -> str:
    index_key = hmac.new(ledger.personal.key, b"ledger person index", hashlib.sha256).digest()
    return hmac.new(index_key, id_number.encode(), hashlib.sha256).hexdigest()


@pytest.mark.usefixtures("quality_rules")
def test_the_rules_get_each_households_opened_member_values_and_the_index_key(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller
) -> None:
    append(appends, recorder_caller, "hh-a", registered(shared=True))
    append(appends, recorder_caller, "hh-b", registered())
    runner = runner_of(ledger)
    runner.catch_up()
    assert table(runner, "fact_view", "household_id, kind, key, value") == sorted(
        [
            ("hh-a", "person", person_key(ledger, f.id_number(1)), "m1"),
            ("hh-a", "person", person_key(ledger, SHARED), "m2"),
            ("hh-b", "person", person_key(ledger, f.id_number(1)), "m1"),
            ("hh-b", "person", person_key(ledger, f.id_number(2)), "m2"),
        ]
    )
    # m1 is one ID number in both households: each gets the derived finding.
    assert table(runner, "derived_finding_view", "kind, key, household_id, code") == [
        ("person", person_key(ledger, f.id_number(1)), hh, "DQ_DUPLICATE_PERSON")
        for hh in ("hh-a", "hh-b")
    ]


@pytest.mark.usefixtures("quality_rules")
def test_a_duplicate_person_appears_when_a_second_household_holds_them_and_goes_with_them(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller
) -> None:
    runner = runner_of(ledger)
    append(appends, recorder_caller, "hh-a", registered(shared=True))
    append(appends, recorder_caller, "hh-b", f.registered(members=[f.member("m5")]))
    runner.catch_up()
    assert table(runner, "derived_finding_view", "household_id") == []

    added = f.event(
        "MemberAdded", {"member": f.member("m9", "child", id_number=SHARED), "reason": "birth"}
    )
    append(appends, recorder_caller, "hh-b", added)
    runner.catch_up()
    duplicate = [("person", person_key(ledger, SHARED), hh) for hh in ("hh-a", "hh-b")]
    assert table(runner, "derived_finding_view", "kind, key, household_id") == duplicate

    # The member leaves hh-a: no one is in two households any more, for either of them.
    removed = f.event("MemberRemoved", {"member_id": "m2", "reason": "moved_out"})
    append(appends, recorder_caller, "hh-a", removed)
    runner.catch_up()
    assert table(runner, "derived_finding_view", "household_id") == []
    assert snapshot(runner.views, QUALITY_TABLES) == rebuilt(ledger)


def rebuilt(ledger: HouseholdLedger) -> Any:
    runner = runner_of(ledger, 10_000)
    runner.rebuild()
    return snapshot(runner.views, QUALITY_TABLES)


@pytest.mark.usefixtures("quality_rules")
def test_a_signal_follows_its_groups_facts_and_a_voided_citation_takes_a_household_out(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller
) -> None:
    runner = runner_of(ledger)
    other_village = "530925102301"
    append(appends, recorder_caller, "hh-a", registered(), cited("2021-10-22"))
    runner.catch_up()
    assert table(runner, "signal_view", "code") == []
    [survey_b] = append(appends, recorder_caller, "hh-b", registered(), cited("2021-11-02"))[1:]
    append(appends, recorder_caller, "hh-c", registered(other_village), cited("2021-12-01"))
    runner.catch_up()
    # One signal (the group's three households; the two-household one is gone).
    assert table(runner, "signal_view", "group_kind, group_key, code, key, division") == [
        ("material", FILE, "AF_MATERIAL_REUSED", f"{FILE}/3", "530925")
    ]
    assert table(runner, "signal_household_view", "key, household_id, village_code") == [
        (f"{FILE}/3", "hh-a", f.VILLAGE),
        (f"{FILE}/3", "hh-b", f.VILLAGE),
        (f"{FILE}/3", "hh-c", other_village),
    ]

    voided = f.event("EntryVoided", {"target_event_id": survey_b, "reason": "录错户"})
    append(appends, recorder_caller, "hh-b", voided)
    runner.catch_up()
    assert table(runner, "signal_view", "key, division") == [(f"{FILE}/2", "530925")]
    assert table(runner, "signal_household_view", "household_id") == [("hh-a",), ("hh-c",)]
    assert snapshot(runner.views, QUALITY_TABLES) == rebuilt(ledger)


@pytest.mark.usefixtures("quality_rules")
def test_a_household_whose_values_do_not_open_parks_and_the_others_go_on(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller
) -> None:
    runner = runner_of(ledger)
    append(appends, recorder_caller, "hh-a", registered(shared=True))
    append(appends, recorder_caller, "hh-b", registered(shared=True))
    runner.catch_up()
    assert len(table(runner, "derived_finding_view", "household_id")) == 4  # m1 and m2 twice
    ledger.stores.personal._write(  # type: ignore[attr-defined]
        "UPDATE personal_data SET sealed = ? WHERE household_id = ? AND pointer LIKE ?",
        (b"\x00" * 40, "hh-b", "%/id_number"),
    )
    append(
        appends, recorder_caller, "hh-b", f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8})
    )
    append(appends, recorder_caller, "hh-c", registered(shared=True))
    runner.catch_up()
    [parked] = runner.views.parked()
    assert parked.household_id == "hh-b"
    assert "PersonalDataCorrupted" in parked.error
    assert "does not open" in parked.error
    # hh-b keeps its last good rows (its facts too); hh-c joins the groups.
    assert {row[0] for row in table(runner, "fact_view", "household_id")} == {
        "hh-a",
        "hh-b",
        "hh-c",
    }
    assert table(runner, "derived_finding_view", "household_id") == sorted(
        [(hh,) for hh in ("hh-a", "hh-b", "hh-c")] * 2
    )


@pytest.mark.usefixtures("quality_rules")
@pytest.mark.parametrize("workers", [0])
def test_a_rebuild_parks_a_household_whose_values_do_not_open_with_its_last_good_rows(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller, workers: int
) -> None:
    runner = runner_of(ledger)
    append(appends, recorder_caller, "hh-a", registered(shared=True))
    append(appends, recorder_caller, "hh-b", registered(shared=True))
    runner.catch_up()
    before = snapshot(runner.views, QUALITY_TABLES)
    ledger.stores.personal._write(  # type: ignore[attr-defined]
        "UPDATE personal_data SET sealed = ? WHERE household_id = ? AND pointer LIKE ?",
        (b"\x00" * 40, "hh-b", "%/birth_date"),
    )
    runner.rebuild(workers=workers)
    assert [p.household_id for p in runner.views.parked()] == ["hh-b"]
    # The rebuilt set has hh-b's last good rows (copied), and the groups judged with them.
    assert snapshot(runner.views, QUALITY_TABLES) == before


@pytest.mark.usefixtures("quality_rules")
@pytest.mark.parametrize("workers", [2])
def test_a_rebuilds_workers_get_the_openings_with_their_page_and_park_what_does_not_open(
    ledger: HouseholdLedger, appends: AppendPipeline, recorder_caller: Caller, workers: int
) -> None:
    append(appends, recorder_caller, "hh-a", registered(shared=True))
    append(appends, recorder_caller, "hh-b", registered(shared=True))
    ledger.stores.personal._write(  # type: ignore[attr-defined]
        "UPDATE personal_data SET sealed = ? WHERE household_id = ? AND pointer LIKE ?",
        (b"\x00" * 40, "hh-b", "%/id_number"),
    )
    runner = runner_of(ledger)
    runner.rebuild(workers=workers)
    [parked] = runner.views.parked()
    assert (parked.household_id, "does not open" in parked.error) == ("hh-b", True)
    assert table(runner, "household_view", "household_id") == [("hh-a",)]


def test_a_group_whose_judgement_fails_shows_nothing_and_the_others_go_on(
    monkeypatch: pytest.MonkeyPatch,
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
) -> None:
    def failing(
        kind: FactKind, key: str, facts: Sequence[Fact], configuration: RulesConfiguration
    ) -> Derived:
        if kind is FactKind.PERSON:
            raise ValueError("a bug in one group's rule")
        return derived(kind, key, facts, configuration)

    monkeypatch.setattr("projections.rows.assess_quality", household_quality)
    monkeypatch.setattr("projections.views.derive", failing)
    runner = runner_of(ledger)
    append(appends, recorder_caller, "hh-a", registered(shared=True), cited())
    append(appends, recorder_caller, "hh-b", registered(shared=True), cited())
    runner.catch_up()
    assert runner.position() == ledger.recorder.max_notification_id()
    assert table(runner, "derived_finding_view", "household_id") == []
    assert table(runner, "signal_household_view", "household_id") == [("hh-a",), ("hh-b",)]


@pytest.mark.usefixtures("quality_rules")
def test_a_rebuild_judges_every_group_once_its_pages_are_written_a_few_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
) -> None:
    runner = runner_of(ledger)
    for n, village in enumerate(("530925101201", "530925101202", "530925102301")):
        append(appends, recorder_caller, f"hh-{n}", registered(village, shared=True), cited())
    runner.catch_up()
    incremental = snapshot(runner.views, QUALITY_TABLES)
    assert incremental["signal_view"]
    assert incremental["derived_finding_view"]
    monkeypatch.setattr(ViewTables, "GROUPS_AT_ONCE", 1)
    assert rebuilt(ledger) == incremental
