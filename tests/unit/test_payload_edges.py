"""Edges found by the property tests, kept as plain regression cases."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from ledger.domain.commands import AppendBatch
from ledger.domain.errors import RuleViolation
from ledger.domain.household import Household
from ledger.domain.rules import Recording, decide
from tests import factories as f


def validate(event: dict[str, Any]) -> None:
    AppendBatch.model_validate({"events": [event]})


@pytest.mark.parametrize(
    "event",
    [
        f.event("LocationRecorded", {"lat": 23.4, "lon": 99.8, "accuracy_m": float("inf")}),
        f.registered(village_code="５３０９２５１０１２０１"),  # full-width digits
        f.registered(members=[f.member("m1", id_number="５３０９２５１９８００１０１００１３")]),
        f.event("MemberUpdated", {"member_id": "m1", "labor": None}),
        {**f.survey(), "occurred_at": "2021-10-22T09:30+08:00"},  # no seconds
        {**f.survey(), "occurred_at": "2021-10-22 09:30:00+08:00"},  # no T
        {**f.survey(), "occurred_at": "2021-10-22T09:30:00.1234567+08:00"},  # would be truncated
    ],
    ids=[
        "infinite-accuracy",
        "fullwidth-village",
        "fullwidth-id-number",
        "null-update",
        "no-seconds",
        "no-T",
        "nanoseconds",
    ],
)
def test_values_that_would_be_stored_wrongly_are_refused(event: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(event)


def test_a_material_may_be_larger_than_a_megabyte() -> None:
    validate(
        f.event(
            "MaterialAttached",
            {"target_event_id": "x", "note": "会议照片"},
            materials=[{**f.MATERIAL, "size": 3_500_000}],
        )
    )


def test_a_registration_cannot_claim_to_remedy_a_marking() -> None:
    commands = AppendBatch.model_validate(
        {"events": [{**f.registered(), "remedies": str(uuid4())}]}
    ).events
    with pytest.raises(RuleViolation) as raised:
        decide(Household("hh"), commands, Recording(datetime.now(UTC), {}), originator_id=uuid4())
    assert raised.value.fields[0]["field"] == "events[0].remedies"
