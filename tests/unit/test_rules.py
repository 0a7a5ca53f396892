"""Rules judged in the domain alone, without a database."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.commands import AppendBatch
from ledger.domain.errors import RuleViolation
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all
from ledger.domain.rules import Recording, decide_sealed
from tests import factories as f

NOW = datetime(2021, 11, 1, 8, 0, tzinfo=UTC)


class Stream:
    """A household's state, moved on by each append the rules accept, and the values of
    its commitments (what the vault would open for the rules that compare them)."""

    def __init__(self, household_id: str) -> None:
        self.state = Household(household_id)
        self.opened: dict[str, Any] = {}

    def append(self, *events: dict[str, Any], at: datetime = NOW) -> list[HouseholdEvent]:
        commands = AppendBatch.model_validate({"events": list(events)}).events
        recording = Recording(at, {"role": "recorder"})
        decision = decide_sealed(
            self.state, commands, recording, originator_id=uuid4(), opened=self.opened
        )
        self.state = apply_all(self.state, decision.events)
        self.opened.update((s.commitment, s.value) for s in decision.sealed)
        return decision.events


def test_recorded_at_never_goes_backwards_within_a_household() -> None:
    household = Stream("hh")
    household.append(f.registered())
    [late] = household.append(f.survey(), at=NOW - timedelta(minutes=5))
    assert late.recorded_at == NOW


def test_a_new_member_may_not_share_a_present_members_id_number() -> None:
    household = Stream("hh")
    household.append(f.registered())
    taken = f.member("m1")["id_number"]
    # Stored as a commitment: the rule compares the opened values (personal_check).
    assert household.state.members["m1"]["id_number"] != taken
    with pytest.raises(RuleViolation, match="id_number") as raised:
        household.append(
            f.event(
                "MemberAdded",
                {"member": f.member("m5", "child", id_number=taken), "reason": "birth"},
            ),
        )
    assert [e["field"] for e in raised.value.fields] == ["events[0].data.member.id_number"]
    # Nor one added earlier in the same batch.
    twins = [
        f.event("MemberAdded", {"member": f.member(m, "child", id_number=f.id_number(9))})
        for m in ("m8", "m9")
    ]
    for twin in twins:
        twin["data"]["reason"] = "birth"
    with pytest.raises(RuleViolation) as raised:
        household.append(*twins)
    assert [e["field"] for e in raised.value.fields] == ["events[1].data.member.id_number"]
    household.append(f.event("MemberRemoved", {"member_id": "m1", "reason": "death"}))
    household.append(
        f.event(
            "MemberAdded", {"member": f.member("m5", "child", id_number=taken), "reason": "return"}
        ),
    )


def test_a_failed_batch_names_the_index_and_field_that_broke_the_rule() -> None:
    household = Stream("hh")
    household.append(f.registered())
    with pytest.raises(RuleViolation) as raised:
        household.append(f.survey(), f.event("ApplicationSigned", {"member_id": "ghost"}))
    assert raised.value.detail.startswith("events[1] (ApplicationSigned)")
    assert raised.value.fields == [
        {"field": "events[1].data.member_id", "message": "no member 'ghost' in this household"}
    ]
