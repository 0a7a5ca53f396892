"""Kept current incrementally, the quality read models equal a rebuild's, table by table:
random histories of several households sharing ID numbers and cited files, appended
interleaved, caught up in small batches between appends (the stand-in rules of
``test_quality_views``)."""

from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from tests import factories as f
from tests.integration.test_quality_views import (
    QUALITY_TABLES,
    append,
    quality_rules,  # noqa: F401  # the fixture
    runner_of,
    snapshot,
)

VILLAGES = ("530925101201", "530925101202", "530925102301")
FILES = ("c" * 64, "d" * 64)
_examples = count()


@dataclass(frozen=True)
class Step:
    household: int
    kind: str  # "register", "survey", "remove", "void", "catch_up"
    value: int = 0


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[int], list[int], list[Step]]:
    households = draw(st.integers(2, 4))
    villages = draw(st.lists(st.integers(0, 2), min_size=households, max_size=households))
    serials = draw(st.lists(st.integers(1, 3), min_size=households, max_size=households))
    steps = [Step(h, "register") for h in range(households)]
    later = draw(
        st.lists(
            st.tuples(
                st.integers(0, households - 1),
                st.sampled_from(["survey", "survey", "remove", "void", "catch_up"]),
                st.integers(0, 5),
            ),
            max_size=10,
        )
    )
    steps += [Step(h, kind, value) for h, kind, value in later]
    return villages, serials, steps


@pytest.mark.usefixtures("quality_rules")
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_incremental_quality_views_equal_a_rebuild(
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
    history: tuple[list[int], list[int], list[Step]],
) -> None:
    villages, serials, steps = history
    example = next(_examples)
    surveys: dict[int, list[str]] = {}
    removed: set[int] = set()
    voided: set[str] = set()
    runner = runner_of(ledger, batch_size=2)
    for step in steps:
        household_id = f"hh-{example}-{step.household}"
        event: dict[str, Any] | None = None
        if step.kind == "register":
            spouse = f.member(
                "m2", "spouse", sex="F", id_number=f.id_number(serials[step.household])
            )
            event = f.registered(
                village_code=VILLAGES[villages[step.household]],
                members=[f.member("m1", id_number=f.id_number(10 + step.value)), spouse],
            )
        elif step.kind == "survey":
            event = f.survey() | {"materials": [{**f.MATERIAL, "sha256": FILES[step.value % 2]}]}
        elif step.kind == "remove" and step.household not in removed:
            removed.add(step.household)
            event = f.event("MemberRemoved", {"member_id": "m2", "reason": "moved_out"})
        elif step.kind == "void":
            targets = [s for s in surveys.get(step.household, []) if s not in voided]
            if targets:
                voided.add(targets[step.value % len(targets)])
                event = f.event(
                    "EntryVoided",
                    {"target_event_id": targets[step.value % len(targets)], "reason": "录错"},
                )
        elif step.kind == "catch_up":
            runner.catch_up()
        if event is not None:
            [event_id] = append(appends, recorder_caller, household_id, event)
            if step.kind == "survey":
                surveys.setdefault(step.household, []).append(event_id)
    runner.catch_up()
    incremental = snapshot(runner.views, QUALITY_TABLES)
    rebuilding = runner_of(ledger, batch_size=10_000)
    rebuilding.rebuild()
    assert snapshot(rebuilding.views, QUALITY_TABLES) == incremental
