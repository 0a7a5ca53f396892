"""Every rule of CONTRACT §1's last column, with a case that passes and one that fails,
through HTTP on SQLite and PostgreSQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import Append, problem_code


def ids_of(response: Any) -> list[str]:
    return [e["id"] for e in response.json()["events"]]


def test_household_registered_is_only_version_one(append: Append, registered: str) -> None:
    again = append(registered, f.registered())
    assert again.status_code == 409
    assert problem_code(again) == "ALREADY_REGISTERED"


def test_a_household_needs_exactly_one_head(append: Append) -> None:
    two_heads = f.registered(members=[f.member("m1"), f.member("m2")])
    no_head = f.registered(members=[f.member("m1", "spouse")])
    assert problem_code(append("hh-2", two_heads)) == "VALIDATION_FAILED"
    assert problem_code(append("hh-3", no_head)) == "VALIDATION_FAILED"


@pytest.mark.parametrize(
    ("category", "filed_card", "status"),
    [
        ("poverty_alleviated", True, 201),
        ("general", False, 201),
        ("poverty_alleviated", False, 422),
        ("general", True, 422),
    ],
)
def test_filed_card_is_true_exactly_for_poverty_alleviated_households(
    append: Append, category: str, filed_card: bool, status: int
) -> None:
    response = append("hh-9", f.registered(category=category, filed_card=filed_card))
    assert response.status_code == status, response.text


def test_events_before_registration_are_for_an_unknown_household(append: Append) -> None:
    response = append("hh-none", f.survey())
    assert response.status_code == 404
    assert problem_code(response) == "UNKNOWN_HOUSEHOLD"


def test_member_added_needs_a_new_member_id(append: Append, registered: str) -> None:
    new = f.event("MemberAdded", {"member": f.member("m3", "child"), "reason": "birth"})
    clash = f.event("MemberAdded", {"member": f.member("m2", "child"), "reason": "birth"})
    assert append(registered, new).status_code == 201
    assert problem_code(append(registered, clash)) == "RULE_VIOLATION"


def test_member_removed_needs_a_present_member(append: Append, registered: str) -> None:
    removal = f.event("MemberRemoved", {"member_id": "m2", "reason": "death"})
    assert append(registered, removal).status_code == 201
    assert problem_code(append(registered, removal)) == "RULE_VIOLATION"
    unknown = f.event("MemberRemoved", {"member_id": "m9", "reason": "death"})
    assert problem_code(append(registered, unknown)) == "RULE_VIOLATION"


@pytest.mark.parametrize("event_type", ["ApplicationSigned", "AuthorizationSigned"])
def test_signatures_need_an_existing_member(
    append: Append, registered: str, event_type: str
) -> None:
    assert append(registered, f.event(event_type, {"member_id": "m1"})).status_code == 201
    assert (
        problem_code(append(registered, f.event(event_type, {"member_id": "m7"})))
        == "RULE_VIOLATION"
    )


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("MemberUpdated", {"health": "chronic"}),
        ("InformedConsentGiven", {"purpose": "elimination"}),
    ],
)
def test_member_events_need_an_existing_member(
    append: Append, registered: str, event_type: str, data: dict[str, Any]
) -> None:
    assert append(registered, f.event(event_type, {"member_id": "m2", **data})).status_code == 201
    missing = append(registered, f.event(event_type, {"member_id": "nobody", **data}))
    assert problem_code(missing) == "RULE_VIOLATION"


@pytest.mark.parametrize(
    ("lat", "lon", "status"),
    [
        (90, 180, 201),
        (-90, -180, 201),
        (90.01, 0, 422),
        (0, -180.5, 422),
        ("23", 99, 422),
    ],
)
def test_location_coordinates_are_in_range(
    append: Append, registered: str, lat: Any, lon: Any, status: int
) -> None:
    response = append(registered, f.event("LocationRecorded", {"lat": lat, "lon": lon}))
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("per_capita", "status"),
    [
        (6000, 201),
        (5999.01, 201),
        (6001, 201),
        (6001.01, 422),
        (5998.5, 422),
    ],
)
def test_per_capita_income_adds_up_within_one_yuan(
    append: Append, registered: str, per_capita: float, status: int
) -> None:
    # (9000 + 2500.5 + 0 + 1200 - 700.5) / 2 = 6000
    response = append(registered, f.survey(per_capita_net_income=per_capita))
    assert response.status_code == status, response.text


def test_survey_amounts_are_not_negative_but_the_result_may_be(
    append: Append, registered: str
) -> None:
    negative = f.survey(
        income={"wage": -1, "operating": 0, "property": 0, "transfer": 0, "operating_cost": 0},
        per_capita_net_income=-0.5,
    )
    assert problem_code(append(registered, negative)) == "VALIDATION_FAILED"
    loss = f.survey(
        income={"wage": 0, "operating": 1000, "property": 0, "transfer": 0, "operating_cost": 3000},
        per_capita_net_income=-1000,
    )
    assert append(registered, loss).status_code == 201


def test_a_household_has_at_least_one_person(append: Append, registered: str) -> None:
    response = append(registered, f.survey(household_size=0))
    assert problem_code(response) == "VALIDATION_FAILED"
    assert any(e["field"] == "events[0].data.household_size" for e in response.json()["errors"])


@pytest.mark.parametrize(
    ("votes", "status"),
    [
        ({"for": 30, "against": 3, "abstain": 2}, 201),
        ({"for": 30, "against": 3, "abstain": 3}, 422),
        (None, 201),
    ],
)
def test_votes_sum_to_at_most_the_attendees(
    append: Append, registered: str, votes: dict[str, int] | None, status: int
) -> None:
    data: dict[str, Any] = {
        "purpose": "identification",
        "result": "approved",
        "attendees": {"party_members": 5, "household_heads": 30, "total": 35},
    }
    if votes is not None:
        data["votes"] = votes
    response = append(registered, f.event("DemocraticAppraisalHeld", data))
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("2021-10-25", "2021-10-29", 201),
        ("2021-10-25", "2021-10-25", 201),
        ("2021-10-25", "2021-10-24", 422),
    ],
)
def test_a_notice_ends_on_or_after_its_start(
    append: Append, registered: str, start: str, end: str, status: int
) -> None:
    notice = f.event(
        "PublicNoticePosted",
        {
            "purpose": "identification",
            "channels": ["group_board"],
            "start_date": start,
            "end_date": end,
        },
    )
    assert append(registered, notice).status_code == status


def test_an_objection_is_resolved_once_and_only_if_raised_here(
    append: Append, registered: str
) -> None:
    raised = append(
        registered, f.event("ObjectionRaised", {"purpose": "identification", "summary": "有车"})
    )
    objection_id = ids_of(raised)[0]

    def resolve(target: str) -> Any:
        return append(
            registered,
            f.event(
                "ObjectionResolved",
                {
                    "objection_id": target,
                    "outcome": "dismissed",
                    "summary": "核实无车",
                    "feedback_given": True,
                },
            ),
        )

    assert resolve(objection_id).status_code == 201
    assert problem_code(resolve(objection_id)) == "RULE_VIOLATION"
    assert problem_code(resolve("00000000-0000-0000-0000-000000000000")) == "RULE_VIOLATION"
    elsewhere = append("hh-2", f.registered())
    assert problem_code(resolve(ids_of(elsewhere)[0])) == "RULE_VIOLATION"


def test_department_findings_name_existing_members(append: Append, registered: str) -> None:
    def verified(member_id: str) -> dict[str, Any]:
        return f.event(
            "DepartmentVerified",
            {
                "purpose": "identification",
                "department": "public_security",
                "consistent": False,
                "findings": [
                    {"exclusion": "consumer_car", "member_id": member_id, "since": "2020-05-01"}
                ],
                "summary": "名下有小汽车",
            },
        )

    assert append(registered, verified("m1")).status_code == 201
    assert problem_code(append(registered, verified("m8"))) == "RULE_VIOLATION"


def test_measures_are_planned_once_then_delivered_until_ended(
    append: Append, registered: str
) -> None:
    plan = f.event(
        "AssistancePlanned",
        {"measure_id": "ms1", "category": "employment", "summary": "公益性岗位"},
    )
    deliver = f.event(
        "AssistanceDelivered",
        {"measure_id": "ms1", "delivered_on": "2021-12-01", "summary": "工资"},
    )
    end = f.event("AssistanceEnded", {"measure_id": "ms1", "reason": "稳定就业"})
    assert problem_code(append(registered, deliver)) == "RULE_VIOLATION"  # not planned
    assert problem_code(append(registered, end)) == "RULE_VIOLATION"
    assert append(registered, plan).status_code == 201
    assert problem_code(append(registered, plan)) == "RULE_VIOLATION"  # measure_id not new
    assert append(registered, deliver).status_code == 201
    assert append(registered, end).status_code == 201
    assert problem_code(append(registered, deliver)) == "RULE_VIOLATION"  # ended
    assert problem_code(append(registered, end)) == "RULE_VIOLATION"


def test_data_issues_are_raised_once_and_resolved_once(append: Append, registered: str) -> None:
    raise_ = f.event(
        "DataIssueRaised",
        {
            "issue_id": "q1",
            "source": "department_comparison",
            "code": "INCOME_MISMATCH",
            "summary": "收入不一致",
        },
    )
    resolve = f.event("DataIssueResolved", {"issue_id": "q1", "summary": "已核实"})
    assert problem_code(append(registered, resolve)) == "RULE_VIOLATION"
    assert append(registered, raise_).status_code == 201
    assert problem_code(append(registered, raise_)) == "RULE_VIOLATION"
    assert append(registered, resolve).status_code == 201
    assert problem_code(append(registered, resolve)) == "RULE_VIOLATION"


def test_materials_attach_only_to_events_of_the_same_household(
    append: Append, registered: str
) -> None:
    survey_id = ids_of(append(registered, f.survey()))[0]
    other_id = ids_of(append("hh-2", f.registered()))[0]

    def attach(target: str, materials: list[dict[str, Any]]) -> Any:
        return append(
            registered,
            f.event(
                "MaterialAttached", {"target_event_id": target, "note": "补拍"}, materials=materials
            ),
        )

    assert attach(survey_id, [f.MATERIAL]).status_code == 201
    assert problem_code(attach(other_id, [f.MATERIAL])) == "RULE_VIOLATION"
    assert problem_code(attach(survey_id, [])) == "VALIDATION_FAILED"


def test_entries_are_voided_once_and_never_registrations_markings_or_voids(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    history = client.get(f"/v1/households/{registered}/events", headers=auth).json()["items"]
    registration_id = history[0]["id"]
    survey_id = ids_of(append(registered, f.survey()))[0]
    marking_id = ids_of(append(registered, f.marked("enrolled", "marginal")))[0]

    def void(target: str) -> Any:
        return append(
            registered, f.event("EntryVoided", {"target_event_id": target, "reason": "录入错误"})
        )

    first = void(survey_id)
    assert first.status_code == 201
    assert problem_code(void(survey_id)) == "RULE_VIOLATION"  # already voided
    assert problem_code(void(registration_id)) == "RULE_VIOLATION"
    assert problem_code(void(marking_id)) == "RULE_VIOLATION"
    assert problem_code(void(ids_of(first)[0])) == "RULE_VIOLATION"
    assert problem_code(void("no-such-event")) == "RULE_VIOLATION"


def test_a_voided_entry_counts_for_nothing_but_stays_in_the_history(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    added = append(
        registered, f.event("MemberAdded", {"member": f.member("m3", "child"), "reason": "birth"})
    )
    survey = append(registered, f.survey())
    objection = append(
        registered, f.event("ObjectionRaised", {"purpose": "identification", "summary": "异议"})
    )
    for target in (ids_of(added)[0], ids_of(survey)[0], ids_of(objection)[0]):
        voided = append(
            registered, f.event("EntryVoided", {"target_event_id": target, "reason": "重复录入"})
        )
        assert voided.status_code == 201
    state = client.get(f"/v1/households/{registered}", headers=auth).json()
    assert [m["member_id"] for m in state["members"]] == ["m1", "m2"]
    assert state["latest_survey"] is None
    assert state["open_objections"] == []
    history = client.get(f"/v1/households/{registered}/events", headers=auth).json()["items"]
    assert len(history) == 7
    # A voided member's id stays taken: ids are stable within the household.
    again = append(registered, f.event("ApplicationSigned", {"member_id": "m3"}))
    assert problem_code(again) == "RULE_VIOLATION"


@pytest.mark.parametrize(
    ("number", "status"),
    [
        (f.id_number(7, "19650315"), 201),  # a Shuangjiang (530925) number issued long ago
        (
            f.id_number(7, "19650315")[:-1]
            + ("0" if f.id_number(7, "19650315")[-1] != "0" else "1"),
            422,
        ),
        ("53092519650315007", 422),  # 17 characters
        ("1100001990010100X1", 422),  # X only as the check character
    ],
)
def test_id_numbers_need_a_valid_gb11643_check_digit(
    append: Append, number: str, status: int
) -> None:
    response = append("hh-5", f.registered(members=[f.member("m1", id_number=number)]))
    assert response.status_code == status, response.text


def test_a_missing_id_number_needs_a_reason(append: Append) -> None:
    no_reason = f.registered(members=[f.member("m1", id_number=None)])
    with_reason = f.registered(
        members=[f.member("m1", id_number=None, id_missing_reason="未办理户口")]
    )
    assert problem_code(append("hh-6", no_reason)) == "VALIDATION_FAILED"
    assert append("hh-6", with_reason).status_code == 201


def test_remedies_names_a_system_marking_of_the_household(append: Append, registered: str) -> None:
    marking_id = ids_of(append(registered, f.marked("enrolled", "marginal")))[0]
    survey_id = ids_of(append(registered, f.survey()))[0]
    assert append(registered, {**f.survey(), "remedies": marking_id}).status_code == 201
    assert (
        problem_code(append(registered, {**f.survey(), "remedies": survey_id})) == "RULE_VIOLATION"
    )
