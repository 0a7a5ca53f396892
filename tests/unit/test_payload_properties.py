"""The payload validators accept every valid event and refuse what CONTRACT §1 forbids.

The valid events come from ``tests.strategies``; each property then breaks one thing
(a check digit, the per-capita arithmetic, the votes, a coordinate, an unknown field, a
number sent as a string …) and the whole batch must be refused.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.household import Household, apply_all, replay
from ledger.domain.rules import Recording, decide_sealed
from tests import strategies as s

Json = dict[str, Any]
Path = tuple[str | int, ...]

ANY_EVENT = st.sampled_from(EVENT_TYPES).flatmap(s.events)
DATE_KEYS = frozenset(
    {"birth_date", "start", "end", "start_date", "end_date", "delivered_on", "since"}
)
DATED_TYPES = [
    "HouseholdRegistered",
    "MemberAdded",
    "FieldSurveyConducted",
    "PublicNoticePosted",
    "AssistanceDelivered",
    "AssistancePlanned",
    "DepartmentVerified",
]
RECORDING = Recording(datetime(2024, 5, 1, tzinfo=UTC), {"token_id": "t-test"})
QUICK = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def accepted(*events: Json, **batch: Any) -> bool:
    try:
        AppendBatch.model_validate({"events": list(events), **batch})
    except ValidationError:
        return False
    return True


def paths(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) in a JSON value, the value itself first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*path, index))


def replaced(document: Json, path: Path, new: Any) -> Json:
    copy: Json = json.loads(json.dumps(document))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def exact(number: int | float) -> Fraction:
    """The decimal a JSON number means (what the ledger reads), as an exact fraction."""
    return Fraction(Decimal(str(number)))


# Everything generated is valid


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_every_generated_event_of_every_type_is_a_valid_append(
    event_type: str, data: st.DataObject
) -> None:
    event = data.draw(s.events(event_type), label=event_type)
    batch = AppendBatch.model_validate({"events": [event]})
    assert batch.events[0].type == event_type


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(registration=s.registrations(), role=st.sampled_from(["recorder", "admin"]), data=st.data())
def test_generated_histories_are_accepted_by_the_rules_and_replay_to_the_same_state(
    registration: Json, role: str, data: st.DataObject
) -> None:
    household = Household("hh-generated")
    ids = iter(UUID(int=n) for n in range(1, 1000))
    opened: dict[str, Any] = {}  # the values of its commitments, as the vault keeps them
    for step in range(data.draw(st.integers(1, 20), label="length") + 1):
        if step == 0:
            event = registration
        else:  # an admin's history may erase members' personal data too
            context = s.Context.of(household, opened, role)
            kinds = [t for t in EVENT_TYPES if context.available(t)]
            event = data.draw(st.sampled_from(kinds).flatmap(context.event), label="event")
        decision = decide_sealed(
            household,
            AppendBatch.model_validate({"events": [event]}).events,
            RECORDING,
            originator_id=UUID(int=0),
            new_id=lambda: next(ids),
            opened=opened,
        )
        opened.update((sealed.commitment, sealed.value) for sealed in decision.sealed)
        household = apply_all(household, decision.events)
    assert replay("hh-generated", household.history) == household


# ID numbers (GB 11643 check digit)


def _numbered(registration: Json) -> list[int]:
    return [i for i, m in enumerate(registration["data"]["members"]) if m["id_number"]]


@QUICK
@given(registration=s.registrations(), data=st.data())
def test_an_id_number_with_a_wrong_check_digit_is_rejected(
    registration: Json, data: st.DataObject
) -> None:
    assume(_numbered(registration))
    index = data.draw(st.sampled_from(_numbered(registration)), label="member")
    number = registration["data"]["members"][index]["id_number"]
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[-1]]))
    assert accepted(registration)
    path = ("data", "members", index, "id_number")
    assert not accepted(replaced(registration, path, number[:-1] + wrong))


@QUICK
@given(event=s.events("MemberAdded"), data=st.data())
def test_any_single_changed_digit_of_an_id_number_is_caught(
    event: Json, data: st.DataObject
) -> None:
    number = event["data"]["member"]["id_number"]
    assume(number is not None)
    position = data.draw(st.integers(0, 16), label="position")
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    changed = number[:position] + digit + number[position + 1 :]
    assert not accepted(replaced(event, ("data", "member", "id_number"), changed))


# Per-capita net income within 1 yuan


def _survey_with(event: Json, per_capita: Decimal) -> Json:
    value = int(per_capita) if per_capita == per_capita.to_integral_value() else float(per_capita)
    return replaced(event, ("data", "per_capita_net_income"), value)


@QUICK
@given(
    event=s.events("FieldSurveyConducted"),
    cents=st.one_of(st.integers(-150, 150), st.integers(-(10**7), 10**7)),
)
def test_per_capita_income_is_accepted_exactly_when_within_one_yuan_of_the_sum(
    event: Json, cents: int
) -> None:
    data = event["data"]
    income = data["income"]
    net = sum(exact(income[k]) for k in ("wage", "operating", "property", "transfer")) - exact(
        income["operating_cost"]
    )
    expected = net / data["household_size"]
    per_capita = Decimal(str(data["per_capita_net_income"])) + Decimal(cents) / 100
    assume(abs(per_capita) < 10**13)  # at most 13 integer digits, like every amount
    within = abs(Fraction(per_capita) - expected) <= 1
    assert accepted(_survey_with(event, per_capita)) == within


@pytest.mark.parametrize(
    ("per_capita", "ok"),
    [
        (10, True),
        (9, True),
        (11, True),
        (11.0, True),
        (8.99, False),
        (11.01, False),
        (-10, False),
    ],
)
def test_per_capita_income_may_be_off_by_one_yuan_and_no_more(
    per_capita: int | float, ok: bool
) -> None:
    survey = {
        "purpose": "annual",
        "period": {"start": "2023-01-01", "end": "2023-12-31"},
        "income": {"wage": 12, "operating": 0, "property": 0, "transfer": 0, "operating_cost": 2},
        "household_size": 1,
        "per_capita_net_income": per_capita,
        "rigid_expenditure": {"medical": 0, "education": 0, "other": 0},
        "guarantees": dict.fromkeys(
            ("food_clothing", "education", "medical", "housing", "drinking_water"), "secure"
        ),
        "whole_household_lacks_labor": False,
        "risk_types": [],
    }
    event = {
        "type": "FieldSurveyConducted",
        "occurred_at": "2024-01-05T10:00:00+08:00",
        "actor": {"id": "w-1", "name": "李四", "role": "work_team", "org": "530925101201"},
        "data": survey,
    }
    assert accepted(event) == ok


# Democratic appraisal: votes fit the room


@QUICK
@given(event=s.events("DemocraticAppraisalHeld"), surplus=st.integers(-3, 3), data=st.data())
def test_votes_are_accepted_exactly_when_they_do_not_exceed_the_attendees(
    event: Json, surplus: int, data: st.DataObject
) -> None:
    total = event["data"]["attendees"]["total"]
    cast = max(0, total + surplus)
    for_ = data.draw(st.integers(0, cast), label="for")
    against = data.draw(st.integers(0, cast - for_), label="against")
    votes = {"for": for_, "against": against, "abstain": cast - for_ - against}
    assert accepted(replaced(event, ("data", "votes"), votes)) == (cast <= total)


# Coordinates


@QUICK
@given(
    event=s.events("LocationRecorded"),
    axis=st.sampled_from(["lat", "lon"]),
    value=st.one_of(st.floats(), st.integers(-(10**6), 10**6)),
)
def test_a_coordinate_is_accepted_exactly_when_it_is_within_range(
    event: Json, axis: str, value: int | float
) -> None:
    limit = 90 if axis == "lat" else 180
    ok = -limit <= value <= limit  # NaN is never within
    assert accepted(replaced(event, ("data", axis), value)) == ok


@QUICK
@given(
    event=s.events("LocationRecorded"),
    value=st.one_of(st.floats(max_value=-1e-300), st.integers(max_value=-1)),
)
def test_a_negative_accuracy_is_rejected(event: Json, value: int | float) -> None:
    assert not accepted(replaced(event, ("data", "accuracy_m"), value))


# Shapes: unknown fields, JSON types


@settings(max_examples=100, deadline=None, database=None)
@given(event=ANY_EVENT, data=st.data())
def test_an_unknown_field_anywhere_is_rejected(event: Json, data: st.DataObject) -> None:
    batch = {"events": [event]}
    objects = [path for path, value in paths(batch) if isinstance(value, dict)]
    where = data.draw(st.sampled_from(objects), label="object")
    key = data.draw(
        st.one_of(
            st.sampled_from(["备注", "extra", "Type", "data_"]),
            st.text(min_size=1, max_size=8).map("x-".__add__),
        ),
        label="key",
    )
    value = data.draw(st.one_of(st.none(), st.booleans(), st.integers(), s.texts(10)))
    assert AppendBatch.model_validate(batch)
    with pytest.raises(ValidationError):
        AppendBatch.model_validate(replaced(batch, (*where, key), value))


def _scalar_paths(batch: Json, kinds: tuple[type, ...]) -> list[Path]:
    return [path for path, value in paths(batch) if type(value) in kinds]


@settings(max_examples=100, deadline=None, database=None)
@given(event=ANY_EVENT, version=st.integers(0, 10**6), data=st.data())
def test_a_number_or_boolean_sent_as_a_json_string_is_rejected(
    event: Json, version: int, data: st.DataObject
) -> None:
    batch = {"events": [event], "expected_version": version}
    where = data.draw(st.sampled_from(_scalar_paths(batch, (int, float, bool))), label="field")
    value = dict(paths(batch))[where]
    assert AppendBatch.model_validate(batch)
    with pytest.raises(ValidationError):
        AppendBatch.model_validate(replaced(batch, where, json.dumps(value)))


@settings(max_examples=100, deadline=None, database=None)
@given(event=ANY_EVENT, version=st.integers(0, 10**6), data=st.data())
def test_a_number_for_a_boolean_and_a_boolean_for_a_number_are_rejected(
    event: Json, version: int, data: st.DataObject
) -> None:
    batch = {"events": [event], "expected_version": version}
    where = data.draw(st.sampled_from(_scalar_paths(batch, (int, float, bool))), label="field")
    value = dict(paths(batch))[where]
    swapped = int(value) if isinstance(value, bool) else data.draw(st.booleans())
    with pytest.raises(ValidationError):
        AppendBatch.model_validate(replaced(batch, where, swapped))


@settings(max_examples=60, deadline=None, database=None)
@given(event=st.sampled_from(DATED_TYPES).flatmap(s.events), data=st.data())
def test_a_date_as_a_number_or_in_another_format_is_rejected(
    event: Json, data: st.DataObject
) -> None:
    batch = {"events": [event]}
    dated = [p for p, v in paths(batch) if p and p[-1] in DATE_KEYS and isinstance(v, str)]
    assume(dated)
    where = data.draw(st.sampled_from(dated), label="field")
    day = dict(paths(batch))[where]
    other = data.draw(
        st.sampled_from(
            [
                int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()),
                # Ten characters, as a date's: pydantic alone reads it as a Unix time.
                str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())).zfill(10),
                day.replace("-", "/"),
                day.replace("-", ""),
                day + "T00:00:00+08:00",
                f"{day[8:10]}.{day[5:7]}.{day[:4]}",
            ]
        ),
        label="as",
    )
    with pytest.raises(ValidationError):
        AppendBatch.model_validate(replaced(batch, where, other))


@settings(max_examples=40, deadline=None, database=None)
@given(event=ANY_EVENT, data=st.data())
def test_an_occurred_at_without_an_offset_or_as_a_number_is_rejected(
    event: Json, data: st.DataObject
) -> None:
    moment = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
    other = data.draw(
        st.sampled_from(
            [
                moment.replace(tzinfo=None).isoformat(),
                moment.date().isoformat(),
                int(moment.timestamp()),
                moment.timestamp(),
            ]
        ),
        label="occurred_at",
    )
    assert not accepted({**event, "occurred_at": other})
