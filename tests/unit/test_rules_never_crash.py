"""The completeness and look-back rules never raise, on any history the ledger accepts.

Histories are generated with ``tests.strategies.Context`` (events the rules of CONTRACT §1
accept, with real references: objections, remedies, attachments, voids) and recorded
through ``decide``; dates, offsets, incomes, channels and markings are arbitrary.
"""

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.config import load_default
from ledger.domain.commands import AppendBatch
from ledger.domain.completeness import assess
from ledger.domain.errors import LedgerError
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all
from ledger.domain.lookback import candidates
from ledger.domain.procedure import STEPS, EpisodeKind
from ledger.domain.rules import Recording, decide
from tests import strategies as s

HOUSEHOLD_ID = "hh-never-crash"
ORIGIN = UUID(int=11)
RECORDING = Recording(datetime(2024, 5, 1, tzinfo=UTC), {"role": "recorder"})
CONFIGURATION = load_default()

# Procedure steps and markings more often than bookkeeping, so episodes do form.
TYPES = (
    *["SystemMarked"] * 4,
    *sorted(s.STEP_TYPES) * 2,
    "AssistanceApplied",
    "WarningReceived",
    "ObjectionRaised",
    "ObjectionResolved",
    "AssistanceDelivered",
    "AssistanceEnded",
    "MaterialAttached",
    "EntryVoided",
    "MemberAdded",
    "MemberRemoved",
    "MemberUpdated",
    "DataIssueRaised",
)
GAP_CODES = frozenset(
    {
        "NOTICE_TOO_SHORT",
        "NOTICE_CHANNEL_MISSING",
        "OBJECTION_UNRESOLVED",
        "OBJECTION_UPHELD",
        "OUT_OF_ORDER",
        "STEP_REJECTED",
        "EXCLUSION_FOUND",
        "QUICK_IN_OUT",
        "INCOME_BELOW_FLOOR",
        "MISSING_MATERIAL",
        "LATE_ASSISTANCE_PLAN",
        "DEPARTMENT_CHECK_INCOMPLETE",
        "WRONG_EXIT_FOR_CARD_STATUS",
        "REMEDIED_LATE",
        "FLOOR_NOT_CONFIGURED",
        "CALENDAR_UNKNOWN",
        "NOTICE_LENGTH_NOT_CONFIGURED",
    }
)
LB_CODES = frozenset(
    {
        "LB_REMARK_INCOME_BELOW_FLOOR",
        "LB_ROLLBACK_NO_LABOR",
        "LB_ROLLBACK_UNSTABLE",
        "LB_WITHDRAW_EXCLUSION",
        "LB_ROLLBACK_MARK_EXCLUSION",
        "LB_MEMBER_CHANGE",
        "LB_TYPE_MISMATCH",
        "LB_SHOULD_ENROLL",
        "LB_TRIGGER_UNVERIFIED",
        "LB_NO_ANNUAL_EFFECTIVENESS",
        "LB_MISSING_PROCEDURE",
    }
)


def record(household: Household, event: dict[str, Any]) -> tuple[Household, list[HouseholdEvent]]:
    commands = AppendBatch.model_validate({"events": [event]}).events
    # Event ids follow the version, so a replayed example draws exactly the same history.
    ids = iter(UUID(int=household.version + 1 + n) for n in range(len(commands)))
    events = decide(household, commands, RECORDING, originator_id=ORIGIN, new_id=lambda: next(ids))
    return apply_all(household, events), events


@st.composite
def histories(draw: Any) -> tuple[Household, list[HouseholdEvent]]:
    """A registration in Shuangjiang, elsewhere in Yunnan or outside it, then up to 40
    events each accepted against the state the previous ones left."""
    registration = draw(
        st.one_of(s.registrations("530925"), s.registrations("53"), s.registrations("11")),
        label="registration",
    )
    household, events = record(Household(HOUSEHOLD_ID), registration)
    for _ in range(draw(st.integers(0, 40), label="length")):
        context = s.Context.of(household)
        type_ = draw(st.sampled_from([t for t in TYPES if context.available(t)]), label="type")
        try:
            household, recorded = record(household, draw(context.event(type_), label=type_))
        except LedgerError:  # the rare generated event the rules still refuse: skip it
            continue
        events += recorded
    return household, events


def check_report(events: list[HouseholdEvent], document: dict[str, Any]) -> None:
    ids = {str(e.id) for e in events}
    for episode in document["episodes"]:
        assert episode["kind"] in {k.value for k in EpisodeKind}
        assert episode["marking_event_id"] in ids
        assert set(episode["steps"]) == set(STEPS[episode["kind"]])
        assert all(i in ids for listed in episode["steps"].values() for i in listed)
        for gap in episode["gaps"]:
            assert gap["code"] in GAP_CODES or gap["code"].startswith("MISSING_"), gap
            assert gap["severity"] in ("violation", "info")
            assert gap["detail"]


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    history=histories(), reference=st.dates(date(2015, 1, 1), date(2031, 12, 31)), data=st.data()
)
def test_assess_and_candidates_never_raise_on_any_accepted_history(
    history: tuple[Household, list[HouseholdEvent]], reference: date, data: st.DataObject
) -> None:
    household, events = history
    config = CONFIGURATION.for_division(household.village_code)
    report = assess(HOUSEHOLD_ID, events, config)
    document = json.loads(json.dumps(report.to_document()))
    check_report(events, document)
    assert len(report.episodes) == sum(e.TYPE == "SystemMarked" for e in events)
    shuffled = data.draw(st.permutations(events), label="shuffled")
    assert assess(HOUSEHOLD_ID, shuffled, config) == report  # order of the input is irrelevant
    found = candidates(HOUSEHOLD_ID, events, config, reference)
    assert {c.code for c in found} <= LB_CODES
    assert len({c.code for c in found}) == len(found)
    assert all(c.action and c.detail for c in found)
