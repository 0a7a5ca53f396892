"""Examples in the OpenAPI document (issue 7): one household's story told as appends, one
per event type, and the answers the ledger gives to it. (Over 300 lines: ``STORY`` is a
table, an append per event type; the problems' examples are in ``problem_examples``.)

The household is 李国华's, in a village of Shuangjiang county (双江县, 530925), in the
2021 round of dynamic adjustment: a medical-insurance warning, the six steps of
identification (识别), enrollment as a sudden-hardship household (突发严重困难户),
medical assistance, changes of members and data, and the first steps towards risk
elimination. Each example is the next append of the story, with ``expected_version`` the
household's version before it, so the examples appended in order are all accepted and
the identification they record is complete.

The ledger assigns every event's id. An example naming an earlier event (an objection,
the target of a material or a voiding) names ``illustrative_id(version)``, the id that
event has in the story as documented; replace it with the id your append returned.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from hashlib import sha256
from typing import Any
from uuid import UUID, uuid5

from ledger.application import originator_id
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.household import Household, apply_all
from ledger.domain.idnumber import with_check_digit
from ledger.domain.labels import EVENT_TYPE_LABELS, MATERIAL_KINDS
from ledger.domain.personal import MEMBER_FIELDS, Opening, committed, fields_of, get_at, opened
from ledger.domain.rules import Recording, decide_sealed
from ledger.domain.serialization import event_document, receipt, state_document
from ledger.domain.vocabulary import CallerRole

HOUSEHOLD_ID = "hh-530925101201-017"
VILLAGE = "530925101201"
TOWNSHIP = "530925101000"
_NAMESPACE = UUID("0b7a7c1e-7f43-5f5e-a1c5-530925101201")
ACTORS = {
    "household": {
        "id": f"{HOUSEHOLD_ID}-m1",
        "name": "李国华",
        "role": "household",
        "org": VILLAGE,
    },
    "cadre": {"id": "v-530925101201-1", "name": "杨文华", "role": "village_cadre", "org": VILLAGE},
    "work_team": {"id": "w-0042", "name": "罗建明", "role": "work_team", "org": VILLAGE},
    "info_officer": {
        "id": "i-530925101201",
        "name": "字春梅",
        "role": "info_officer",
        "org": VILLAGE,
    },
    "township": {
        "id": "t-530925101000",
        "name": "周德明",
        "role": "township_official",
        "org": TOWNSHIP,
    },
    "medical_insurance": {
        "id": "d-medical_insurance",
        "name": "鲁光荣",
        "role": "department_official",
        "org": "双江县医疗保障局",
    },
    "natural_resources": {
        "id": "d-natural_resources",
        "name": "段志平",
        "role": "department_official",
        "org": "双江县自然资源局",
    },
    "county": {
        "id": "c-530925",
        "name": "双江县乡村振兴局",
        "role": "county_official",
        "org": "530925000000",
    },
}
RECORDER = Caller(
    token_id="tok-530925-01",  # noqa: S106 (a token's id, not its secret)
    name="双江县监测信息录入",
    role=CallerRole.RECORDER,
    division="530925",
)


def _member(
    member_id: str,
    name: str,
    relation: str,
    sex: str,
    born: str,
    sequence: int,
    labor: str,
    health: str = "healthy",
    **more: Any,
) -> dict[str, Any]:
    """A member with a valid GB 11643 number (sequence odd for men, even for women)."""
    number = with_check_digit(f"530925{born.replace('-', '')}{sequence:03d}")
    return {
        "member_id": member_id,
        "name": name,
        "id_number": number,
        "relation": relation,
        "sex": sex,
        "birth_date": born,
        "labor": labor,
        "health": health,
        **more,
    }


MEMBERS = [
    _member("m1", "李国华", "head", "M", "1968-03-12", 31, "full"),
    _member("m2", "杨秀兰", "spouse", "F", "1970-07-25", 46, "full"),
    _member("m3", "李志强", "child", "M", "1994-11-02", 17, "full"),
    _member("m4", "李美丽", "child", "F", "2007-05-18", 28, "not_applicable", in_school=True),
    _member("m5", "李德顺", "parent", "M", "1941-01-09", 53, "none", "chronic"),
]
_IDENTIFICATION = "identification"
_SIGNING = "sign-5309251012010017-20211012"  # the application and authorization, signed together


@dataclass(frozen=True)
class Step:
    """One append of the story: an event of ``type`` on ``day`` by ``actor``."""

    type: str
    day: str
    actor: str
    data: dict[str, Any]
    materials: tuple[str, ...] = ()
    refers: tuple[str, str] | None = None  # (data field, type of the earlier step it names)
    hour: int = 10
    source: dict[str, str] | None = None  # CONTRACT §7.2: the upstream record
    correlation_id: str | None = None  # CONTRACT §7.2: one upstream operation's events


STORY = (
    Step(
        "HouseholdRegistered",
        "2021-03-15",
        "info_officer",
        {
            "village_code": VILLAGE,
            "group": "大文一组",
            "category": "general",
            "filed_card": False,
            "members": MEMBERS,
        },
        hour=9,
    ),
    Step(
        "LocationRecorded",
        "2021-03-15",
        "work_team",
        {"lat": 23.47312, "lon": 99.81254, "accuracy_m": 8.0},
    ),
    Step(
        "WarningReceived",
        "2021-09-28",
        "medical_insurance",
        {
            "department": "medical_insurance",
            "code": "medical_self_pay_high",
            "summary": "李国华住院自付费用3.86万元，超过预警线",
            "amount": 38600,
        },
        source={"system": "department_feed", "record_id": "ybj-530925-2021-0928-0417"},
    ),
    Step(
        "MemberUpdated",
        "2021-10-08",
        "work_team",
        {"member_id": "m1", "health": "serious_illness", "labor": "partial"},
    ),
    Step(
        "AssistanceApplied",
        "2021-10-09",
        "household",
        {"channel": "rescue_platform", "summary": "因病住院花费大，申请纳入监测帮扶"},
    ),
    Step(
        "ScreeningAnalyzed",
        "2021-10-11",
        "cadre",
        {"decision": "key_check", "basis": "医保部门预警和农户申报：住院自付3.86万元，需入户核实"},
        ("minutes",),
    ),
    Step(
        "FieldSurveyConducted",
        "2021-10-12",
        "work_team",
        {
            "purpose": _IDENTIFICATION,
            "period": {"start": "2020-10-01", "end": "2021-09-30"},
            "income": {
                "wage": 21600,
                "operating": 9800,
                "property": 0,
                "transfer": 2400,
                "operating_cost": 3300,
            },
            "household_size": 5,
            "per_capita_net_income": 6100,
            "rigid_expenditure": {"medical": 38600, "education": 2400, "other": 0},
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
        },
        ("survey_form", "income_sheet"),
    ),
    Step(
        "ApplicationSigned",
        "2021-10-12",
        "household",
        {"member_id": "m1"},
        ("application_form",),
        hour=15,
        source={"system": "national_app", "record_id": "sq-5309251012010017-01"},
        correlation_id=_SIGNING,
    ),
    Step(
        "AuthorizationSigned",
        "2021-10-12",
        "household",
        {"member_id": "m1"},
        ("authorization_letter",),
        hour=15,
        source={"system": "national_app", "record_id": "sq-5309251012010017-02"},
        correlation_id=_SIGNING,
    ),
    Step(
        "DemocraticAppraisalHeld",
        "2021-10-20",
        "cadre",
        {
            "purpose": _IDENTIFICATION,
            "attendees": {"party_members": 8, "household_heads": 37, "total": 45},
            "votes": {"for": 43, "against": 1, "abstain": 1},
            "result": "approved",
        },
        ("minutes", "sign_in_sheet", "meeting_photo"),
        hour=19,
    ),
    Step(
        "VillageCommitteeDecided",
        "2021-10-22",
        "cadre",
        {
            "purpose": _IDENTIFICATION,
            "decision": "propose",
            "measures": ["health", "temporary_relief"],
        },
        ("minutes",),
    ),
    Step(
        "PublicNoticePosted",
        "2021-10-25",
        "cadre",
        {
            "purpose": _IDENTIFICATION,
            "channels": ["group_board", "rescue_platform"],
            "start_date": "2021-10-25",
            "end_date": "2021-10-29",
        },
        ("notice_text", "notice_photo"),
        hour=8,
    ),
    Step(
        "ObjectionRaised",
        "2021-10-26",
        "cadre",
        {"purpose": _IDENTIFICATION, "summary": "有村民反映该户长子李志强在县城购有商品房"},
    ),
    Step(
        "DepartmentVerified",
        "2021-10-28",
        "natural_resources",
        {
            "purpose": _IDENTIFICATION,
            "department": "natural_resources",
            "consistent": True,
            "findings": [],
            "items_checked": ["property"],
            "summary": "经不动产登记信息比对，家庭成员名下均无城镇商品房",
        },
        ("department_reply",),
    ),
    Step(
        "ObjectionResolved",
        "2021-10-29",
        "cadre",
        {
            "outcome": "dismissed",
            "feedback_given": True,
            "summary": "经自然资源部门比对，李志强名下无城镇商品房，异议不成立，已向反映人反馈",
        },
        refers=("objection_id", "ObjectionRaised"),
        hour=16,
    ),
    Step(
        "TownshipReviewed",
        "2021-11-02",
        "township",
        {"purpose": _IDENTIFICATION, "decision": "approved", "spot_checked": True},
        ("review_record",),
    ),
    Step(
        "CountyConfirmed",
        "2021-11-05",
        "county",
        {
            "purpose": _IDENTIFICATION,
            "decision": "confirmed",
            "monitoring_type": "sudden_hardship",
            "risk_types": ["illness", "high_rigid_expense"],
            "responsible_department": "medical_insurance",
        },
    ),
    Step(
        "SystemMarked",
        "2021-11-08",
        "info_officer",
        {
            "marking": "enrolled",
            "monitoring_type": "sudden_hardship",
            "system_ref": "FPJC-530925-2021-0017",
        },
        hour=16,
    ),
    Step(
        "AssistancePlanned",
        "2021-11-10",
        "work_team",
        {
            "measure_id": "ms-2021-01",
            "category": "health",
            "start_date": "2021-11-15",
            "summary": "医疗救助：大病保险二次报销和县级医疗救助",
        },
    ),
    Step(
        "AssistanceDelivered",
        "2021-12-20",
        "work_team",
        {
            "measure_id": "ms-2021-01",
            "delivered_on": "2021-12-20",
            "amount": 12000,
            "summary": "县级医疗救助金12000元已打卡发放",
        },
    ),
    Step(
        "MaterialAttached",
        "2021-12-21",
        "work_team",
        {"note": "补充医疗救助金发放银行回单"},
        ("other",),
        refers=("target_event_id", "AssistanceDelivered"),
    ),
    Step(
        "EntryVoided",
        "2021-12-22",
        "info_officer",
        {"reason": "上传的回单属于另一户，作废此条补充记录"},
        refers=("target_event_id", "MaterialAttached"),
    ),
    Step(
        "MemberAdded",
        "2022-02-14",
        "work_team",
        {
            "member": _member(
                "m6", "李欣怡", "grandchild", "F", "2022-01-20", 22, "not_applicable"
            ),
            "reason": "birth",
        },
        ("population_change_form",),
    ),
    Step(
        "DataIssueRaised",
        "2022-03-01",
        "info_officer",
        {
            "issue_id": "DI-2022-0031",
            "source": "national_feedback",
            "code": "ID_NUMBER_MISMATCH",
            "member_id": "m5",
            "summary": "全国系统反馈：李德顺身份证号与户籍信息不一致",
        },
    ),
    Step(
        "DataIssueResolved",
        "2022-03-03",
        "info_officer",
        {"issue_id": "DI-2022-0031", "summary": "对照户口簿核实，系统中的号码已更正"},
    ),
    Step(
        "AssistanceEnded",
        "2022-06-30",
        "work_team",
        {"measure_id": "ms-2021-01", "reason": "医疗救助已足额兑现，李国华病情稳定"},
    ),
    Step(
        "EffectivenessAppraised",
        "2022-09-20",
        "cadre",
        {"result": "stable", "summary": "医疗费用已报销和救助，家庭务工收入稳定，风险已消除"},
        ("minutes",),
    ),
    Step(
        "InformedConsentGiven",
        "2022-09-28",
        "household",
        {"purpose": "elimination", "member_id": "m1"},
        ("consent_form",),
    ),
    Step(
        "MemberRemoved",
        "2022-11-03",
        "work_team",
        {"member_id": "m5", "reason": "death"},
        ("population_change_form",),
    ),
)


def illustrative_id(version: int) -> str:
    """The id the story's event of ``version`` has in the documented examples."""
    return str(uuid5(_NAMESPACE, f"{HOUSEHOLD_ID}/{version}"))


def material(version: int, kind: str) -> dict[str, Any]:
    # Stands for a scanned paper: a content address unique to this step and kind.
    return {
        "sha256": sha256(f"{HOUSEHOLD_ID}/{version}/{kind}".encode()).hexdigest(),
        "kind": kind,
        "name": f"{MATERIAL_KINDS[kind]}.jpg",
        "media_type": "image/jpeg",
        "size": 120_000 + 7_919 * version,
    }


def _event(step: Step, version: int) -> dict[str, Any]:
    data = dict(step.data)
    if step.refers:
        name, earlier = step.refers
        data[name] = illustrative_id(1 + [s.type for s in STORY].index(earlier))
    event: dict[str, Any] = {
        "type": step.type,
        "occurred_at": f"{step.day}T{step.hour:02d}:00:00+08:00",
        "actor": ACTORS[step.actor],
        "data": data,
    }
    if step.materials:
        event["materials"] = [material(version, kind) for kind in step.materials]
    if step.source is not None:
        event["source"] = step.source
    if step.correlation_id is not None:
        event["correlation_id"] = step.correlation_id
    return event


def _story_id(version: int) -> UUID:
    return UUID(illustrative_id(version))


def append_bodies() -> list[dict[str, Any]]:
    """The story's appends, oldest first: each one event and the version it expects."""
    return [
        {"events": [_event(step, k + 1)], "expected_version": k} for k, step in enumerate(STORY)
    ]


def append_examples() -> dict[str, dict[str, Any]]:
    """``openapi_examples`` of the append's body, one per event type, named by it."""
    return {
        step.type: {
            "summary": f"{step.type} · {EVENT_TYPE_LABELS[step.type]}",
            "description": f"第 {k + 1} 步 · Step {k + 1} of one household's story (李国华户, "
            f"{VILLAGE}): appended after the examples above it, as version "
            f"{k + 1}."
            + (
                f" `{step.refers[0]}` is the id of the story's "
                f"{step.refers[1]}: use the id your append returned."
                if step.refers
                else ""
            ),
            "value": body,
        }
        for k, (step, body) in enumerate(zip(STORY, append_bodies(), strict=True))
    }


@dataclass(frozen=True)
class Told:
    """The story as the server records it: the household, each append's receipt, every
    stored event (personal fields as commitments) and what those commitments open to."""

    household: Household
    receipts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    openings: dict[str, Opening]


def _salts(version: int) -> Callable[[], bytes]:
    """Salts fixed by the story (a server draws random ones): the document stays the same."""
    drawn = iter(range(1_000))
    return lambda: sha256(f"{HOUSEHOLD_ID}/{version}/salt/{next(drawn)}".encode()).digest()


@cache
def _told() -> Told:
    """The story decided by the ledger's own rules, as the server would record it."""
    household, receipts = Household(HOUSEHOLD_ID), []
    stored: list[dict[str, Any]] = []
    openings: dict[str, Opening] = {}
    for k, body in enumerate(append_bodies()):
        batch = AppendBatch.model_validate(body)
        recorded_at = datetime.fromisoformat(body["events"][0]["occurred_at"]) + timedelta(
            minutes=40
        )
        decision = decide_sealed(
            household,
            batch.events,
            Recording(recorded_at, RECORDER.recorded_by()),
            expected_version=batch.expected_version,
            originator_id=originator_id(HOUSEHOLD_ID),
            new_id=partial(_story_id, k + 1),
            salt=_salts(k + 1),
        )
        household = apply_all(household, decision.events)
        receipts.append(receipt(HOUSEHOLD_ID, household.version, decision.events))
        stored += [event_document(event) for event in decision.events]
        openings |= {s.commitment: Opening(s.value, s.salt) for s in decision.sealed}
    return Told(household, receipts, stored, openings)


def appended_example(step_type: str = "FieldSurveyConducted") -> dict[str, Any]:
    """The 201 answer to the story's append of ``step_type``."""
    return _told().receipts[[s.type for s in STORY].index(step_type)]


def state_example() -> dict[str, Any]:
    """The household's state after the whole story (``GET /v1/households/{id}``) as a
    reader of personal data is served it: members' values in clear."""
    told = _told()
    state = state_document(told.household)
    return {
        **state,
        **{
            group: [
                {k: _opened_value(told, v) if k in MEMBER_FIELDS else v for k, v in m.items()}
                for m in state[group]
            ]
            for group in ("members", "former_members")
            if group in state
        },
    }


def _opened_value(told: Told, held: Any) -> Any:
    opening = told.openings.get(held) if isinstance(held, str) else None
    return held if opening is None else opening.value


def served_event_examples(step_type: str = "HouseholdRegistered") -> dict[str, dict[str, Any]]:
    """The story's event of ``step_type`` as each caller is served it (CONTRACT §7.3)."""
    told = _told()
    event = told.events[[s.type for s in STORY].index(step_type)]
    reader = opened(event, told.openings.get)
    first = [f.pointer for f in fields_of(event) if f.member_id == "m1"]
    return {
        "reader": {
            "summary": "读取个人信息的调用方 · a reader of personal data (admin, recorder, "
            "auditor)",
            "description": "Values in clear, each with its salt in `openings`: replace each "
            'opened value by `"c:" + hex(SHA-256(salt ‖ JCS(value)))` and the event '
            "re-hashes to `hash`.",
            "value": reader,
        },
        "evaluator": {
            "summary": "评估员 · an evaluator",
            "description": "Personal values as their commitments, no openings: the event "
            "re-hashes to `hash` as served.",
            "value": committed(event, lambda _: False),
        },
        "erased": {
            "summary": "删除个人信息后 · after an erasure (PIPL Art. 47)",
            "description": "A reader's form after the erasure of member m1: the erased "
            "fields are their commitments, listed in `erased`, with no opening; the "
            "event still re-hashes to `hash`.",
            "value": opened(
                event,
                lambda held: (
                    None
                    if any(
                        get_at(event, f.path) == held
                        for f in fields_of(event)
                        if f.pointer in first
                    )
                    else told.openings.get(held)
                ),
            ),
        },
    }


# Problems (CONTRACT §5): for each code, what it means and a detail as the server words it.
