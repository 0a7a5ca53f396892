"""CONTRACT §2, cell by cell: every marking from every status, allowed or INVALID_TRANSITION."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ledger.domain.commands import AppendBatch
from ledger.domain.errors import InvalidTransition
from ledger.domain.household import Household, apply_all, replay
from ledger.domain.rules import Recording, decide
from tests import factories as f

TABLE = {  # marking: (allowed from, to); None keeps the status
    "enrolled": ({"not_monitored", "withdrawn"}, "monitored"),
    "risk_eliminated": ({"monitored"}, "risk_eliminated"),
    "risk_remarked": ({"risk_eliminated"}, "monitored"),
    "elimination_rolled_back": ({"risk_eliminated"}, "monitored"),
    "withdrawn": ({"monitored", "risk_eliminated"}, "withdrawn"),
    "risk_mark_rolled_back": ({"monitored", "risk_eliminated"}, "not_monitored"),
    "type_adjusted": ({"monitored", "risk_eliminated"}, None),
}
PATH_TO: dict[str, list[tuple[str, str | None]]] = {
    "not_monitored": [],
    "monitored": [("enrolled", "marginal")],
    "risk_eliminated": [("enrolled", "marginal"), ("risk_eliminated", None)],
    "withdrawn": [("enrolled", "marginal"), ("withdrawn", None)],
}
TYPED = {"enrolled", "risk_remarked", "type_adjusted"}


def apply(household: Household, *events: dict) -> Household:  # type: ignore[type-arg]
    commands = AppendBatch.model_validate({"events": list(events)}).events
    decided = decide(
        household,
        commands,
        Recording(datetime.now(UTC), {"role": "recorder"}),
        originator_id=uuid4(),
    )
    return apply_all(household, decided)


def household_in(status: str) -> Household:
    household = apply(Household("hh"), f.registered())
    for marking, monitoring_type in PATH_TO[status]:
        household = apply(household, f.marked(marking, monitoring_type))
    assert household.status == status
    return household


@pytest.mark.parametrize("status", sorted(PATH_TO))
@pytest.mark.parametrize("marking", sorted(TABLE))
def test_each_marking_moves_only_from_the_statuses_the_contract_allows(
    marking: str, status: str
) -> None:
    household = household_in(status)
    allowed, target = TABLE[marking]
    new_type = "sudden_hardship" if marking in TYPED else None
    if status in allowed:
        household = apply(household, f.marked(marking, new_type))
        assert household.status == (target or status)
        if new_type:
            assert household.monitoring_type == new_type
        assert replay("hh", household.history).status == household.status
    else:
        version = household.version
        with pytest.raises(InvalidTransition):
            apply(household, f.marked(marking, new_type))
        assert household.version == version


def test_adjusting_to_the_type_already_held_is_refused() -> None:
    from ledger.domain.errors import RuleViolation

    household = household_in("monitored")
    with pytest.raises(RuleViolation):
        apply(household, f.marked("type_adjusted", "marginal"))
