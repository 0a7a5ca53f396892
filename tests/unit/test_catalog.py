"""The catalog of event types: one entry per contract type, from which every list of types
is derived; typed payloads read back from stored data; an immutable household state."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from ledger.domain import payloads
from ledger.domain.access import check_append
from ledger.domain.callers import Caller
from ledger.domain.catalog import CATALOG, EVENT_TYPES, UNVOIDABLE, EventType
from ledger.domain.commands import COMMANDS, AppendBatch
from ledger.domain.errors import Forbidden
from ledger.domain.household import Household, apply, apply_all, replay
from ledger.domain.labels import label
from ledger.domain.personal import is_commitment
from ledger.domain.rules import Recording, decide
from ledger.domain.vocabulary import CallerRole
from tests import factories as f

RECORDING = Recording(datetime(2024, 5, 1, tzinfo=UTC), {"role": "recorder"})


def recorded(*events: dict[str, Any]) -> list[Any]:
    commands = AppendBatch.model_validate({"events": list(events)}).events
    ids = iter(UUID(int=n) for n in range(1, 100))
    return decide(
        Household("hh"), commands, RECORDING, originator_id=UUID(int=0), new_id=lambda: next(ids)
    )


def test_the_catalog_holds_the_contracts_30_types_each_with_its_own_class_and_command() -> None:
    assert len(EVENT_TYPES) == 30
    assert EVENT_TYPES[-1] == "PersonalDataErased"  # contract v2 §7.3
    for name, entry in CATALOG.items():
        assert entry.event_class.__name__ == entry.event_class.TYPE == name
        assert f"household/{name}" == entry.event_class.TOPIC
        assert entry.event_class.PAYLOAD is entry.payload
        assert COMMANDS[name].__name__ == f"{name}In"
        assert label("event_type", name) == entry.label


def test_what_cannot_be_voided_and_who_may_append_come_from_the_entries() -> None:
    assert {
        "HouseholdRegistered",
        "SystemMarked",
        "EntryVoided",
        "PersonalDataErased",
    } == UNVOIDABLE
    intake = Caller(token_id="t", name="n", role=CallerRole.INTAKE, division="53")
    applied = AppendBatch.model_validate(
        {"events": [f.event("AssistanceApplied", {"channel": "national_app", "summary": "申请"})]}
    ).events
    check_append(intake, applied)
    with pytest.raises(Forbidden, match="may not append FieldSurveyConducted"):
        check_append(intake, AppendBatch.model_validate({"events": [f.survey()]}).events)


def test_only_an_admin_may_append_a_personal_data_erasure() -> None:
    erasure = AppendBatch.model_validate(
        {"events": [f.event("PersonalDataErased", {"member_id": "m2", "basis": "本人申请删除"})]}
    ).events
    check_append(Caller(token_id="t", name="n", role=CallerRole.ADMIN, division="53"), erasure)
    for role in set(CallerRole) - {CallerRole.ADMIN}:
        caller = Caller(token_id="t", name="n", role=role, division="53")
        with pytest.raises(Forbidden, match="may not append PersonalDataErased"):
            check_append(caller, erasure)


def test_an_entry_with_upcasts_makes_a_class_of_the_next_version() -> None:
    def renamed(state: dict[str, Any]) -> None:
        state["data"]["new"] = state["data"].pop("old")

    entry = EventType(
        "CatalogTestUpcast", payloads.EntryVoidedData, "测试", "A test.", upcasts=[renamed]
    )
    assert entry.event_class.class_version == 2
    state = {"data": {"old": 1}}
    entry.event_class.upcast_v1_v2(state)  # type: ignore[attr-defined]  # made by the entry
    assert state == {"data": {"new": 1}}


def test_a_stored_payload_is_read_as_its_typed_model_with_the_stored_values() -> None:
    registration, survey = recorded(f.registered(), f.survey())
    data = registration.payload_as(payloads.HouseholdRegisteredData)
    assert [m.member_id for m in data.members] == ["m1", "m2"]
    # Personal fields are stored as commitments (§7.3), and read back as stored.
    stored = registration.data["members"][0]
    assert (data.members[0].name, data.members[0].birth_date) == (
        stored["name"],
        stored["birth_date"],
    )
    assert is_commitment(data.members[0].birth_date)
    assert data.members[0].relation == "head"
    typed = survey.payload_as(payloads.FieldSurveyConductedData)
    assert typed.income.operating == Decimal("2500.5")
    assert typed.period.end == date(2021, 9, 30)
    assert typed.system_ref is None  # absent: the model's default


def test_a_stored_payload_is_not_judged_again() -> None:
    # A value a later, stricter rule would refuse is read as it was stored.
    data = payloads.MemberRemovedData.from_stored({"member_id": "m 1", "reason": "gone"})
    assert (data.member_id, data.reason) == ("m 1", "gone")
    assert data.model_fields_set == {"member_id", "reason"}


def test_applying_an_event_leaves_the_state_it_was_applied_to_as_it_was() -> None:
    registration, removal = recorded(
        f.registered(), f.event("MemberRemoved", {"member_id": "m2", "reason": "death"})
    )
    registered = apply(Household("hh"), registration)
    after = apply(registered, removal)
    assert registered.members["m2"]["present"] is True
    assert after.members["m2"]["present"] is False
    assert (registered.version, after.version) == (1, 2)
    assert (len(registered.history), len(after.history)) == (1, 2)
    with pytest.raises(AttributeError):
        registered.version = 5  # type: ignore[misc]  # frozen: the assignment is the test


def test_deciding_leaves_the_household_as_it_was_and_a_second_decision_does_not_see_the_first() -> (
    None
):
    household = apply_all(Household("hh"), recorded(f.registered()))
    commands = AppendBatch.model_validate({"events": [f.survey()]}).events
    first = decide(household, commands, RECORDING, originator_id=UUID(int=0))
    second = decide(household, commands, RECORDING, originator_id=UUID(int=0))
    assert household.version == 1
    assert len(household.history) == 1
    assert [e.version for e in first] == [e.version for e in second] == [2]
    one, other = apply_all(household, first), apply_all(household, second)
    assert list(one.history) == [*household.history, *first]
    assert list(other.history) == [*household.history, *second]
    assert one.event_types.get(str(second[0].id)) is None


def test_a_void_rebuilds_the_state_without_the_voided_entry() -> None:
    registration, removal = recorded(
        f.registered(), f.event("MemberRemoved", {"member_id": "m2", "reason": "death"})
    )
    [void] = decide(
        apply_all(Household("hh"), [registration, removal]),
        AppendBatch.model_validate(
            {
                "events": [
                    f.event("EntryVoided", {"target_event_id": str(removal.id), "reason": "x"})
                ]
            }
        ).events,
        RECORDING,
        originator_id=UUID(int=0),
    )
    state = replay("hh", [registration, removal, void])
    assert state.members["m2"]["present"] is True
    assert state.voided == {str(removal.id)}
    assert state.event_types[str(removal.id)] == "MemberRemoved"
