"""CONTRACT §7.1: the dates an append may carry, control characters, identifiers matched in
full, and cross-field errors that name the field carrying the contradiction."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ledger.domain.bounds import InputBounds, check_bounds
from ledger.domain.commands import AppendBatch, Envelope
from ledger.domain.errors import ValidationFailed
from tests import factories as f

NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
BOUNDS = InputBounds()


def commands(*events: dict[str, Any]) -> list[Envelope]:
    return list(AppendBatch.model_validate({"events": list(events)}).events)


def refused_fields(*events: dict[str, Any], bounds: InputBounds = BOUNDS) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        check_bounds(commands(*events), bounds, NOW)
    assert refused.value.detail.startswith("the request is invalid: ")
    return [problem["field"] for problem in refused.value.fields]


def applied(occurred_at: str) -> dict[str, Any]:
    return f.event(
        "AssistanceApplied", {"channel": "village", "summary": "申请"}, occurred_at=occurred_at
    )


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00Z",  # Go's zero time
        "9999-12-31T23:59:59Z",  # .NET's and SQL Server's "max date"
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59+08:00",
        "2026-12-08T11:00:01Z",  # a second past the allowed skew
    ],
)
def test_an_occurred_at_outside_the_bounds_is_refused_naming_it(occurred_at: str) -> None:
    assert refused_fields(applied(occurred_at)) == ["events[0].occurred_at"]


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2000-01-01T00:00:00+08:00",
        "2000-01-01T00:00:00+14:00",
        "2026-12-08T11:00:00Z",
        "2026-12-08T18:59:59+08:00",
    ],
)
def test_an_occurred_at_on_the_bounds_is_accepted(occurred_at: str) -> None:
    check_bounds(commands(applied(occurred_at)), BOUNDS, NOW)


def test_the_earliest_date_and_the_skew_are_settings() -> None:
    late = applied("2026-12-07T11:00:10Z")
    assert refused_fields(late, bounds=InputBounds(date(2000, 1, 1), 5)) == [
        "events[0].occurred_at"
    ]
    check_bounds(
        commands(applied("1990-06-01T08:00:00+08:00")), InputBounds(date(1990, 1, 1), 0), NOW
    )


def test_each_refused_event_of_a_batch_is_named_by_its_index() -> None:
    fields = refused_fields(
        applied("2021-10-22T09:30:00+08:00"),
        applied("9999-01-01T00:00:00Z"),
        applied("0001-01-01T00:00:00Z"),
    )
    assert fields == ["events[1].occurred_at", "events[2].occurred_at"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            f.registered(members=[f.member("m1", birth_date="1899-12-31")]),
            "events[0].data.members[0].birth_date",
        ),
        (
            f.survey(period={"start": "2020-10-01", "end": "2028-01-01"}),
            "events[0].data.period.end",
        ),
        (
            f.survey(period={"start": "0001-01-01", "end": "2021-09-30"}),
            "events[0].data.period.start",
        ),
        (
            f.event(
                "PublicNoticePosted",
                {
                    "purpose": "identification",
                    "channels": ["village_board"],
                    "start_date": "2021-10-25",
                    "end_date": "9999-12-31",
                },
            ),
            "events[0].data.end_date",
        ),
        (
            f.event(
                "AssistanceDelivered",
                {"measure_id": "ms1", "delivered_on": "9999-12-31", "summary": "发放"},
            ),
            "events[0].data.delivered_on",
        ),
        (
            f.event(
                "AssistancePlanned",
                {
                    "measure_id": "ms1",
                    "category": "employment",
                    "summary": "务工",
                    "start_date": "0001-01-01",
                },
            ),
            "events[0].data.start_date",
        ),
        (
            f.event(
                "DepartmentVerified",
                {
                    "purpose": "identification",
                    "department": "civil_affairs",
                    "consistent": False,
                    "findings": [{"exclusion": "consumer_car", "since": "1800-01-01"}],
                    "summary": "有车",
                },
            ),
            "events[0].data.findings[0].since",
        ),
    ],
)
def test_a_date_in_data_outside_1900_to_a_year_from_now_is_refused_naming_it(
    event: dict[str, Any], field: str
) -> None:
    assert refused_fields(event) == [field]


def test_dates_in_data_from_1900_to_a_year_from_now_are_accepted() -> None:
    check_bounds(
        commands(
            f.registered(members=[f.member("m1", birth_date="1900-01-01")]),
            f.event(
                "PublicNoticePosted",
                {
                    "purpose": "identification",
                    "channels": ["village_board"],
                    "start_date": "2027-12-06",
                    "end_date": "2027-12-07",
                },
                occurred_at="2026-12-07T10:00:00Z",
            ),
        ),
        BOUNDS,
        NOW,
    )


def test_a_birth_date_after_the_event_is_refused_naming_it() -> None:
    born_later = f.event(
        "MemberAdded",
        {
            "member": f.member(
                "m3",
                "child",
                birth_date="2021-10-23",
                labor="not_applicable",
                id_number=None,
                id_missing_reason="newborn",
            ),
            "reason": "birth",
        },
    )
    assert refused_fields(born_later) == ["events[0].data.member.birth_date"]
    born_that_day = {**born_later, "occurred_at": "2021-10-23T08:00:00+08:00"}
    check_bounds(commands(born_that_day), BOUNDS, NOW)


@given(st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)), st.integers(-14 * 60, 14 * 60))
def test_any_occurred_at_is_either_within_the_bounds_or_refused(
    moment: datetime, offset_minutes: int
) -> None:
    occurred = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    event = applied(occurred.isoformat())
    inside = occurred.date() >= BOUNDS.earliest and occurred <= NOW + timedelta(
        seconds=BOUNDS.clock_skew_s
    )
    if inside:
        check_bounds(commands(event), BOUNDS, NOW)
    else:
        assert refused_fields(event) == ["events[0].occurred_at"]


# Control characters and identifiers: judged by the payload schemas, without a clock.


def invalid_fields(event: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as invalid:
        AppendBatch.model_validate({"events": [event]})
    return {
        ".".join(str(p) for p in e["loc"] if p != event["type"]): e["msg"]
        for e in invalid.value.errors()
    }


CONTROL = st.sampled_from([chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]])


@given(CONTROL, st.sampled_from(["\0", "x", ""]))
def test_a_control_character_in_an_identifier_is_refused(control: str, tail: str) -> None:
    event = f.event("MemberRemoved", {"member_id": f"m1{control}{tail}", "reason": "death"})
    assert "events.0.data.member_id" in invalid_fields(event)


@pytest.mark.parametrize(
    "member_id", ["m1\n", "m1\r\n", "m1 ", " m1", "-m1", "m/1", "成员1", "x" * 65, ""]
)
def test_an_identifier_must_match_the_pattern_in_full(member_id: str) -> None:
    event = f.event("MemberRemoved", {"member_id": member_id, "reason": "death"})
    assert "events.0.data.member_id" in invalid_fields(event)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            f.event(
                "AssistancePlanned",
                {"measure_id": "ms1\n", "category": "employment", "summary": "务工"},
            ),
            "events.0.data.measure_id",
        ),
        (
            f.event("DataIssueResolved", {"issue_id": "is\x001", "summary": "已核实"}),
            "events.0.data.issue_id",
        ),
        (
            {**applied("2021-10-22T09:30:00+08:00"), "actor": {**f.ACTOR, "id": "w-0042\n"}},
            "events.0.actor.id",
        ),
        (
            {**applied("2021-10-22T09:30:00+08:00"), "actor": {**f.ACTOR, "name": "李\x00四"}},
            "events.0.actor.name",
        ),
        (f.registered(group="大文\n一组"), "events.0.data.group"),
        (f.registered(members=[f.member("m1", name="张\u0085三")]), "events.0.data.members.0.name"),
        (
            f.event(
                "DataIssueRaised",
                {"issue_id": "is1", "source": "self_check", "code": "X\x1b", "summary": "核查"},
            ),
            "events.0.data.code",
        ),
        (
            f.event("AssistanceApplied", {"channel": "village", "summary": "申请\r"}),
            "events.0.data.summary",
        ),
        (
            f.event("ScreeningAnalyzed", {"decision": "key_check", "basis": "预\x0b警"}),
            "events.0.data.basis",
        ),
    ],
)
def test_a_control_character_is_refused_in_every_string(event: dict[str, Any], field: str) -> None:
    assert field in invalid_fields(event)


def test_free_text_may_hold_line_feeds_and_tabs() -> None:
    AppendBatch.model_validate(
        {
            "events": [
                f.event("AssistanceApplied", {"channel": "village", "summary": "第一行\n\t第二行"}),
                f.event(
                    "MaterialAttached",
                    {"target_event_id": "x", "note": "照片\n两张"},
                    materials=[f.MATERIAL],
                ),
                f.event("EntryVoided", {"target_event_id": "x", "reason": "录错\t户"}),
                f.event("ScreeningAnalyzed", {"decision": "key_check", "basis": "预警\n核查"}),
            ]
        }
    )


def test_a_line_feed_is_refused_outside_free_text() -> None:
    assert "events.0.data.members.0.id_missing_reason" in invalid_fields(
        f.registered(members=[f.member("m1", id_number=None, id_missing_reason="未\n办理")])
    )


def test_an_rfc3339_time_with_a_trailing_line_feed_is_refused() -> None:
    assert "events.0.occurred_at" in invalid_fields(applied("2021-10-22T09:30:00+08:00\n"))


# Cross-field rules name the field carrying the contradiction.


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (f.survey(per_capita_net_income=9000), "events.0.data.per_capita_net_income"),
        (
            f.event(
                "DemocraticAppraisalHeld",
                {
                    "purpose": "identification",
                    "result": "approved",
                    "attendees": {"party_members": 3, "household_heads": 10, "total": 13},
                    "votes": {"for": 12, "against": 1, "abstain": 1},
                },
            ),
            "events.0.data.votes",
        ),
        (
            f.event(
                "PublicNoticePosted",
                {
                    "purpose": "identification",
                    "channels": ["village_board"],
                    "start_date": "2021-10-25",
                    "end_date": "2021-10-24",
                },
            ),
            "events.0.data.end_date",
        ),
        (f.registered(filed_card=True), "events.0.data.filed_card"),
        (f.registered(category="poverty_alleviated"), "events.0.data.filed_card"),
        (f.survey(period={"start": "2021-10-01", "end": "2021-09-30"}), "events.0.data.period.end"),
    ],
)
def test_a_cross_field_contradiction_names_the_field_that_carries_it(
    event: dict[str, Any], field: str
) -> None:
    assert list(invalid_fields(event)) == [field]
