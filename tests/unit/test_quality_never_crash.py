"""The household quality rules never raise on any history the ledger accepts, and what
they give is well formed: owned codes only, windows that are not empty, cited events that
count, details in both languages without an ID number, facts of the documented kinds.

Histories are generated as ``test_rules_never_crash`` does (``tests.strategies.Context``),
recorded through ``decide_sealed`` so that the personal values open, as the vault would
open them; generated ID numbers agree with their holders' birth dates and sexes.
"""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.config import load_default
from ledger.domain.commands import AppendBatch
from ledger.domain.errors import LedgerError
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all
from ledger.domain.quality import (
    CROSS_HOUSEHOLD_FINDINGS,
    NO_OPENINGS,
    FactKind,
    FindingCode,
    Openings,
    assess_quality,
)
from ledger.domain.rules import Recording, decide_sealed
from tests import strategies as s
from tests.unit.test_rules_never_crash import TYPES

HOUSEHOLD_ID = "hh-quality-never-crash"
ORIGIN = UUID(int=17)
RECORDING = Recording(
    datetime(2024, 5, 1, tzinfo=UTC), {"token_id": "tok-1", "role": "recorder", "name": "x"}
)
CONFIGURATION = load_default()
OWNED = frozenset(FindingCode) - CROSS_HOUSEHOLD_FINDINGS
# Measures and members more often than in the completeness histories, so the measure and
# member rules meet their cases.
QUALITY_TYPES = (
    *TYPES,
    *["AssistancePlanned", "AssistanceDelivered", "MemberUpdated", "FieldSurveyConducted"] * 2,
)

History = tuple[Household, list[HouseholdEvent], dict[str, Any]]


def record(
    household: Household, event: dict[str, Any], opened: dict[str, Any]
) -> tuple[Household, list[HouseholdEvent]]:
    commands = AppendBatch.model_validate({"events": [event]}).events
    ids = iter(UUID(int=household.version + 1 + n) for n in range(len(commands)))
    decision = decide_sealed(
        household,
        commands,
        RECORDING,
        originator_id=ORIGIN,
        new_id=lambda: next(ids),
        opened=opened,
        salt=lambda: b"s" * 32,
    )
    opened.update((x.commitment, x.value) for x in decision.sealed)
    return apply_all(household, decision.events), decision.events


@st.composite
def histories(draw: Any) -> History:
    registration = draw(
        st.one_of(s.registrations("530925"), s.registrations("53"), s.registrations("11")),
        label="registration",
    )
    opened: dict[str, Any] = {}
    household, events = record(Household(HOUSEHOLD_ID), registration, opened)
    for _ in range(draw(st.integers(0, 40), label="length")):
        context = s.Context.of(household, opened)
        available = [t for t in QUALITY_TYPES if context.available(t)]
        type_ = draw(st.sampled_from(available), label="type")
        try:
            household, recorded = record(household, draw(context.event(type_), label=type_), opened)
        except LedgerError:  # the rare generated event the rules still refuse: skip it
            continue
        events += recorded
    return household, events, opened


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories(), keyed=st.booleans(), data=st.data())
def test_the_household_rules_never_raise_and_give_well_formed_findings_and_facts(
    history: History, keyed: bool, data: st.DataObject
) -> None:
    household, events, opened = history
    config = CONFIGURATION.for_division(household.village_code)
    openings = Openings(opened, b"key" if keyed else b"")
    result = assess_quality(HOUSEHOLD_ID, events, household, config, openings)
    counting = {str(e.id) for e in events} - household.voided
    id_numbers = [v for v in opened.values() if isinstance(v, str) and len(v) == 18]
    for finding in result.findings:
        event(f"finding {finding.code.value}")  # statistics: which rules the histories meet
        assert finding.code in OWNED
        assert finding.detail
        assert finding.detail_zh
        assert finding.events
        assert set(finding.events) <= counting
        if finding.active_from is not None and finding.active_until is not None:
            assert finding.active_from < finding.active_until
        assert not any(n in finding.detail + finding.detail_zh for n in id_numbers)
        # Generated ID numbers agree with their holders.
        assert finding.code not in (
            FindingCode.DQ_ID_BIRTH_MISMATCH,
            FindingCode.DQ_ID_SEX_MISMATCH,
        )
    for fact in result.facts:
        assert fact.kind in set(FactKind)
        assert fact.event_id in counting
        assert fact.household_id == HOUSEHOLD_ID
        assert fact.village_code == household.village_code
        if fact.kind in (FactKind.TEXT, FactKind.MATERIAL):
            assert len(fact.key) == 64
        if fact.kind in (FactKind.ELIMINATION, FactKind.TRIGGER, FactKind.ENROLMENT):
            assert isinstance(fact.day, date)
    assert keyed or FactKind.PERSON not in {x.kind for x in result.facts}
    # The order events are given in is irrelevant, and so is a second look.
    shuffled = data.draw(st.permutations(events), label="shuffled")
    assert assess_quality(HOUSEHOLD_ID, shuffled, household, config, openings) == result
    # Without openings, the rules that need personal values judge nothing and still hold.
    unopened = assess_quality(HOUSEHOLD_ID, events, household, config, NO_OPENINGS)
    assert {x.code for x in unopened.findings} <= {x.code for x in result.findings}
