"""Valid events of every contract type, for tests and examples.

Each builder returns the JSON an upstream app would send; keyword arguments override
``data`` fields. ``household_events()`` is a realistic identification episode.
"""

from typing import Any

from ledger.domain.idnumber import with_check_digit

VILLAGE = "530925101201"  # a village of Shuangjiang county, Yunnan (云南省双江县)
ACTOR = {"id": "w-0042", "name": "李四", "role": "work_team", "org": VILLAGE}
MATERIAL = {
    "sha256": "a" * 64,
    "kind": "survey_form",
    "name": "采集表.jpg",
    "media_type": "image/jpeg",
    "size": 183422,
}


def id_number(serial: int, born: str = "19800101") -> str:
    """A valid GB 11643 number from Shuangjiang (530925), born ``born``."""
    return with_check_digit(f"530925{born}{serial % 1000:03d}")


def member(member_id: str = "m1", relation: str = "head", **overrides: Any) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "name": "张三",
        "id_number": id_number(int(member_id[1:] or 0)),
        "relation": relation,
        "sex": "M",
        "birth_date": "1980-01-01",
        "labor": "full",
        "health": "healthy",
        **overrides,
    }


def event(
    type_: str,
    data: dict[str, Any],
    *,
    occurred_at: str = "2021-10-22T09:30:00+08:00",
    **envelope: Any,
) -> dict[str, Any]:
    return {"type": type_, "occurred_at": occurred_at, "actor": ACTOR, "data": data, **envelope}


def registered(**overrides: Any) -> dict[str, Any]:
    data = {
        "village_code": VILLAGE,
        "group": "大文一组",
        "category": "general",
        "filed_card": False,
        "members": [member("m1"), member("m2", "spouse", sex="F")],
    }
    return event(
        "HouseholdRegistered", {**data, **overrides}, occurred_at="2021-10-20T09:00:00+08:00"
    )


def survey(**overrides: Any) -> dict[str, Any]:
    data = {
        "purpose": "identification",
        "period": {"start": "2020-10-01", "end": "2021-09-30"},
        "income": {
            "wage": 9000,
            "operating": 2500.5,
            "property": 0,
            "transfer": 1200,
            "operating_cost": 700.5,
        },
        "household_size": 2,
        "per_capita_net_income": 6000,
        "rigid_expenditure": {"medical": 15000, "education": 0, "other": 0},
        "guarantees": {
            "food_clothing": "secure",
            "education": "secure",
            "medical": "at_risk",
            "housing": "secure",
            "drinking_water": "secure",
        },
        "whole_household_lacks_labor": False,
        "stable_income_from_work": True,
        "risk_types": ["illness", "high_rigid_expense"],
    }
    return event("FieldSurveyConducted", {**data, **overrides}, materials=[MATERIAL])


def marked(marking: str, monitoring_type: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"marking": marking}
    if monitoring_type:
        data["monitoring_type"] = monitoring_type
    return event("SystemMarked", data, occurred_at="2021-11-20T10:00:00+08:00")


def one_of_each_after_registration() -> list[dict[str, Any]]:
    """Every type but HouseholdRegistered, EntryVoided and MaterialAttached (which need an
    event id), in an order whose rules all hold."""
    return [
        event(
            "MemberAdded",
            {
                "member": member(
                    "m3",
                    "child",
                    birth_date="2021-03-01",
                    labor="not_applicable",
                    id_number=None,
                    id_missing_reason="newborn, not yet issued",
                ),
                "reason": "birth",
            },
        ),
        event("MemberUpdated", {"member_id": "m2", "health": "chronic"}),
        event("LocationRecorded", {"lat": 23.47, "lon": 99.81, "accuracy_m": 12.5}),
        event("AssistanceApplied", {"channel": "rescue_platform", "summary": "医疗支出大"}),
        event(
            "WarningReceived",
            {
                "department": "medical_insurance",
                "code": "medical_self_pay_high",
                "summary": "自付超过1万元",
                "amount": 15000,
            },
        ),
        event("ScreeningAnalyzed", {"decision": "key_check", "basis": "医保预警"}),
        survey(),
        event("ApplicationSigned", {"member_id": "m1"}),
        event("AuthorizationSigned", {"member_id": "m1"}),
        event(
            "DemocraticAppraisalHeld",
            {
                "purpose": "identification",
                "attendees": {"party_members": 5, "household_heads": 30, "total": 35},
                "votes": {"for": 33, "against": 1, "abstain": 1},
                "result": "approved",
            },
        ),
        event(
            "VillageCommitteeDecided",
            {
                "purpose": "identification",
                "decision": "propose",
                "measures": ["health", "employment"],
            },
        ),
        event(
            "PublicNoticePosted",
            {
                "purpose": "identification",
                "channels": ["group_board", "rescue_platform"],
                "start_date": "2021-10-25",
                "end_date": "2021-10-29",
            },
        ),
        event("ObjectionRaised", {"purpose": "identification", "summary": "有车"}),
        event(
            "TownshipReviewed",
            {"purpose": "identification", "decision": "approved", "spot_checked": True},
        ),
        event(
            "DepartmentVerified",
            {
                "purpose": "identification",
                "department": "public_security",
                "consistent": True,
                "findings": [],
                "items_checked": ["vehicle"],
                "summary": "无车辆",
            },
        ),
        event(
            "CountyConfirmed",
            {
                "purpose": "identification",
                "decision": "confirmed",
                "monitoring_type": "marginal",
                "risk_types": ["illness"],
                "responsible_department": "health",
            },
        ),
        marked("enrolled", "marginal"),
        event(
            "AssistancePlanned",
            {
                "measure_id": "ms1",
                "category": "health",
                "summary": "大病救助",
                "start_date": "2021-12-01",
            },
        ),
        event(
            "AssistanceDelivered",
            {
                "measure_id": "ms1",
                "delivered_on": "2021-12-15",
                "amount": 3000,
                "summary": "救助金",
            },
        ),
        event("AssistanceEnded", {"measure_id": "ms1", "reason": "已康复"}),
        event("EffectivenessAppraised", {"result": "stable", "summary": "收入稳定"}),
        event("InformedConsentGiven", {"purpose": "elimination", "member_id": "m1"}),
        event(
            "DataIssueRaised",
            {
                "issue_id": "q1",
                "source": "national_feedback",
                "code": "ID_MISMATCH",
                "summary": "身份证号不一致",
                "member_id": "m2",
            },
        ),
        event("DataIssueResolved", {"issue_id": "q1", "summary": "已更正"}),
        event("MemberRemoved", {"member_id": "m3", "reason": "moved_out"}),
        marked("risk_eliminated"),
    ]


def county_household(n: int) -> list[dict[str, Any]]:
    """Household ``n`` of a small synthetic county: procedures complete and incomplete,
    eliminations, look-back cases, in rotation."""
    village = f"5309251012{n % 10:02d}"
    below_floor = survey(
        income={"wage": 5000, "operating": 1000, "property": 0, "transfer": 0, "operating_cost": 0},
        household_size=2,
        per_capita_net_income=3000,
    )
    warning = event(
        "WarningReceived",
        {"department": "health", "code": "serious_illness", "summary": "大病"},
        occurred_at="2021-06-01T10:00:00+08:00",
    )
    kind = n % 4
    if kind == 0:  # a full identification, enrolled
        steps = one_of_each_after_registration()
        return [
            registered(village_code=village),
            *steps[: steps.index(marked("enrolled", "marginal")) + 1],
        ]
    if kind == 1:  # enrolled straight after a survey: most steps missing
        return [registered(village_code=village), survey(), marked("enrolled", "marginal")]
    if kind == 2:  # never enrolled, income below the floor, a warning never followed up
        return [registered(village_code=village), warning, below_floor]
    return [
        registered(village_code=village, category="poverty_alleviated", filed_card=True),
        survey(),
        marked("enrolled", "unstable_alleviated"),
        below_floor,
        marked("risk_eliminated"),
    ]
