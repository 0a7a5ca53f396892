"""The status machine of CONTRACT §2 over random sequences of markings, judged against
the contract's table written out here (``test_status_table`` checks each cell once).

Pure: ``decide`` on an in-memory ``Household``, no database. The table is copied from
the contract, not imported from ``ledger.domain.status``, so a wrong product table fails.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.commands import AppendBatch, Envelope
from ledger.domain.errors import InvalidTransition, RuleViolation
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all, replay
from ledger.domain.integrity import ZERO_HASH, event_hash
from ledger.domain.rules import Recording, decide
from ledger.domain.serialization import event_document
from tests import strategies as s

# CONTRACT §2: marking -> (allowed from, to); None as the target keeps the status.
TABLE: dict[str, tuple[frozenset[str], str | None]] = {
    "enrolled": (frozenset({"not_monitored", "withdrawn"}), "monitored"),
    "risk_eliminated": (frozenset({"monitored"}), "risk_eliminated"),
    "risk_remarked": (frozenset({"risk_eliminated"}), "monitored"),
    "elimination_rolled_back": (frozenset({"risk_eliminated"}), "monitored"),
    "withdrawn": (frozenset({"monitored", "risk_eliminated"}), "withdrawn"),
    "risk_mark_rolled_back": (frozenset({"monitored", "risk_eliminated"}), "not_monitored"),
    "type_adjusted": (frozenset({"monitored", "risk_eliminated"}), None),
}
STATUSES = frozenset({"not_monitored", "monitored", "risk_eliminated", "withdrawn"})
TYPED = frozenset({"enrolled", "risk_remarked", "type_adjusted"})
# The contract is silent on the type after leaving monitoring; the ledger clears it.
CLEARS_TYPE = frozenset({"withdrawn", "risk_mark_rolled_back"})

HOUSEHOLD_ID = "hh-properties"
ORIGIN = UUID(int=42)
RECORDING = Recording(
    datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
    {
        "token_id": "t-test",
        "name": "测试录入员",
        "role": "recorder",
        "division": "53",
        "department": None,
    },
)


def command(event: dict[str, Any]) -> Envelope:
    return AppendBatch.model_validate({"events": [event]}).events[0]


def registered(registration: dict[str, Any]) -> tuple[Household, list[HouseholdEvent]]:
    household = Household(HOUSEHOLD_ID)
    events = decide(household, [command(registration)], RECORDING, originator_id=ORIGIN)
    return apply_all(household, events), events


def markings_from(status: str) -> st.SearchStrategy[dict[str, Any]]:
    """Any marking at all, or (as often) one the table allows from ``status``."""
    allowed = [m for m, (sources, _) in TABLE.items() if status in sources]
    return st.one_of(
        s.events("SystemMarked"),
        s.events("SystemMarked", s.Refs(marking=s.system_marked_data(st.sampled_from(allowed)))),
    )


def assert_chained(events: list[HouseholdEvent]) -> None:
    previous = ZERO_HASH
    for version, event in enumerate(events, start=1):
        assert event.version == version
        assert event.prev_hash == previous
        assert event_hash(event_document(event)) == event.hash
        previous = event.hash


@settings(max_examples=75, deadline=None, database=None)
@given(registration=s.registrations(), data=st.data())
def test_a_marking_is_accepted_exactly_when_the_contract_table_allows_it(
    registration: dict[str, Any],
    data: st.DataObject,
) -> None:
    household, accepted = registered(registration)
    for _ in range(data.draw(st.integers(1, 25), label="length")):
        event = data.draw(markings_from(str(household.status)), label="marking")
        marking, new_type = event["data"]["marking"], event["data"].get("monitoring_type")
        sources, target = TABLE[marking]
        status, old_type = str(household.status), household.monitoring_type
        before = replay(HOUSEHOLD_ID, accepted)  # the state of what was accepted so far
        same_type_again = marking == "type_adjusted" and new_type == old_type
        try:
            decided = decide(household, [command(event)], RECORDING, originator_id=ORIGIN)
        except InvalidTransition:
            assert status not in sources, f"{marking} from {status} was refused"
            assert household == before, "a refused marking changed the household"
            continue
        except RuleViolation:
            assert status in sources, f"{marking} from {status} broke another rule"
            assert same_type_again, f"{marking} from {status} broke another rule"
            assert household == before, "a refused type adjustment changed the household"
            continue
        accepted += decided
        household = apply_all(household, decided)
        assert status in sources, f"{marking} from {status} was accepted"
        assert not same_type_again, "a type adjustment to the same type was accepted"
        assert household.status == (target or status)
        assert household.status in STATUSES
        if marking in TYPED:
            assert household.monitoring_type == new_type
        elif marking in CLEARS_TYPE:
            assert household.monitoring_type is None
        else:
            assert household.monitoring_type == old_type
        assert household.version == before.version + 1
    again = replay(HOUSEHOLD_ID, accepted)
    assert (again.status, again.monitoring_type, again.version) == (
        household.status,
        household.monitoring_type,
        household.version,
    )
    assert str(again.status) in STATUSES


@settings(max_examples=60, deadline=None, database=None)
@given(registration=s.registrations(), data=st.data())
def test_the_hash_chain_of_any_accepted_sequence_of_markings_is_unbroken(
    registration: dict[str, Any],
    data: st.DataObject,
) -> None:
    household, accepted = registered(registration)
    batch: list[dict[str, Any]] = []
    context = s.Context.registered(registration)
    for _ in range(data.draw(st.integers(1, 15), label="length")):
        batch.append(data.draw(context.event("SystemMarked"), label="marking"))
        context.apply(batch[-1])
    # Half the time one batch, else one append per marking: the chain is the same shape.
    if data.draw(st.booleans(), label="one batch"):
        decided = decide(household, [command(e) for e in batch], RECORDING, originator_id=ORIGIN)
        accepted += decided
        household = apply_all(household, decided)
    else:
        for event in batch:
            decided = decide(household, [command(event)], RECORDING, originator_id=ORIGIN)
            accepted += decided
            household = apply_all(household, decided)
    assert_chained(accepted)
    assert household.last_hash == accepted[-1].hash
    assert str(household.status) == context.status
    assert household.monitoring_type == context.monitoring_type
