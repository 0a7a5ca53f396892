"""A synthetic county for the benchmarks: household histories in roughly the seeds'
proportions (DOMAIN.md: Shuangjiang, 940 monitored households since 2019 among its
poverty-alleviated and general households), built from ``tests/factories.py``.

``household(n)`` is deterministic in ``n`` alone (its own seeded ``random.Random``), so a
county of N households is the first N of one fixed sequence whatever N is. Households are
spread over 8 townships × 10 villages of county 530925 (village codes 530925TTTVVV,
townships 101…108, villages 201…210); ids are ``hh-000000`` …, unrelated to the village,
so ordering by id interleaves villages (as real ids from upstream apps would).

Archetypes and their shares (``ARCHETYPES``):

* ``registered`` — registered and surveyed for the 2021 round, income above the floor,
  never monitored (no episode, no gap);
* ``should_enroll`` — never monitored, latest survey below the floor (LB_SHOULD_ENROLL);
* ``unanswered_warning`` — a department warning never screened nor surveyed within the
  follow-up window (LB_TRIGGER_UNVERIFIED);
* ``monitored_complete`` — a complete 2020 identification (no violation), monitored;
* ``monitored_incomplete`` — the same with one to three required steps or materials left
  out (MISSING_NOTICE, MISSING_APPLICATION, MISSING_DEPARTMENT_CHECK, MISSING_MATERIAL …);
* ``eliminated_complete`` — complete identification, assistance, then a complete 2021
  risk elimination above the floor;
* ``eliminated_below_floor`` — eliminated although the elimination survey is below the
  floor (INCOME_BELOW_FLOOR, LB_REMARK_INCOME_BELOW_FLOOR), some without informed consent;
* ``exclusion_found`` — identified although a department found an exclusion situation
  (EXCLUSION_FOUND, LB_WITHDRAW_EXCLUSION / LB_ROLLBACK_MARK_EXCLUSION).

About 12 % of households end monitored or risk-eliminated.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from tests import factories as f

COUNTY = "530925"
TOWNSHIPS = tuple(f"{COUNTY}{t}" for t in range(101, 109))
VILLAGES = tuple(f"{township}{v}" for township in TOWNSHIPS for v in range(201, 211))

ARCHETYPES: tuple[tuple[str, float], ...] = (
    ("registered", 0.860),
    ("should_enroll", 0.010),
    ("unanswered_warning", 0.010),
    ("monitored_complete", 0.040),
    ("monitored_incomplete", 0.040),
    ("eliminated_complete", 0.025),
    ("eliminated_below_floor", 0.010),
    ("exclusion_found", 0.005),
)
MONITORED = frozenset(a for a, _ in ARCHETYPES
                      if a.startswith(("monitored", "eliminated", "exclusion")))
_NAMES = [a for a, _ in ARCHETYPES]
_WEIGHTS = [w for _, w in ARCHETYPES]
# Steps an incomplete identification may lack: (step name in this module, weight).
_DROPPABLE = (("notice", 3), ("application", 2), ("authorization", 1), ("department_check", 2),
              ("township_review", 1), ("screening", 1), ("appraisal_materials", 2),
              ("notice_materials", 1))


def household_id(n: int) -> str:
    return f"hh-{n:06d}"


def _material(kind: str, n: int) -> dict[str, Any]:
    return {"sha256": f"{n:064x}"[-64:], "kind": kind, "name": f"{kind}.jpg",
            "media_type": "image/jpeg", "size": 100_000 + n % 90_000}


def _at(day: str, hour: int = 10) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


class _Builder:
    """One household's events, with its village as the actor's organisation."""

    def __init__(self, n: int, rng: random.Random, village: str) -> None:
        self.n, self.rng, self.village = n, rng, village
        self.actor = {**f.ACTOR, "org": village}
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, data: dict[str, Any], day: str, *materials: str,
            hour: int = 10) -> None:
        event = f.event(type_, data, occurred_at=_at(day, hour))
        event["actor"] = self.actor
        if materials:
            event["materials"] = [_material(kind, self.n * 16 + i)
                                  for i, kind in enumerate(materials)]
        self.events.append(event)

    def register(self, day: str, *, filed_card: bool) -> None:
        size = self.rng.choice((1, 2, 2, 3, 3, 4, 5))
        relations = ("head", "spouse", "child", "parent", "child")
        members = [f.member(f"m{i + 1}", relations[i],
                            id_number=f.id_number(self.n * 7 + i, "19800101"),
                            sex="M" if i % 2 == 0 else "F")
                   for i in range(size)]
        registered = f.registered(
            village_code=self.village, group=f"{self.village[-3:]}组",
            category="poverty_alleviated" if filed_card else "general",
            filed_card=filed_card, members=members)
        registered["occurred_at"] = _at(day, 9)
        registered["actor"] = self.actor
        self.events.append(registered)

    def survey(self, day: str, *, purpose: str, year: int, income: int,
               materials: tuple[str, ...] = ("survey_form", "income_sheet")) -> None:
        data = f.survey()["data"]
        data.update(purpose=purpose,
                    period={"start": f"{year - 1}-10-01", "end": f"{year}-09-30"},
                    income={"wage": income * 2, "operating": 0, "property": 0, "transfer": 0,
                            "operating_cost": 0},
                    household_size=2, per_capita_net_income=income)
        self.add("FieldSurveyConducted", data, day, *materials)


def _income_above(rng: random.Random) -> int:
    return rng.randrange(6500, 30_000, 10)


def _income_below(rng: random.Random) -> int:
    return rng.randrange(2500, 5900, 10)


def _identification(b: _Builder, monitoring_type: str, *, drop: frozenset[str] = frozenset(),
                    finding: bool = False) -> None:
    """A 2020 identification (six steps), enrolled on 2020-11-20, then assistance."""
    income = _income_above(b.rng) if monitoring_type == "sudden_hardship" else \
        _income_below(b.rng)
    b.add("WarningReceived", {"department": "medical_insurance", "code": "medical_self_pay_high",
                              "summary": "自付超过1万元", "amount": 15000}, "2020-10-19")
    if "screening" not in drop:
        b.add("ScreeningAnalyzed", {"decision": "key_check", "basis": "医保预警"}, "2020-10-20",
              "minutes")
    b.survey("2020-10-21", purpose="identification", year=2020, income=income)
    if "application" not in drop:
        b.add("ApplicationSigned", {"member_id": "m1"}, "2020-10-21", "application_form")
    if "authorization" not in drop:
        b.add("AuthorizationSigned", {"member_id": "m1"}, "2020-10-21", "authorization_letter")
    b.add("DemocraticAppraisalHeld",
          {"purpose": "identification",
           "attendees": {"party_members": 5, "household_heads": 30, "total": 35},
           "votes": {"for": 33, "against": 1, "abstain": 1}, "result": "approved"},
          "2020-10-22", *(() if "appraisal_materials" in drop else ("minutes", "sign_in_sheet")))
    b.add("VillageCommitteeDecided", {"purpose": "identification", "decision": "propose",
                                      "measures": ["health", "employment"]}, "2020-10-23")
    if "notice" not in drop:
        b.add("PublicNoticePosted", {"purpose": "identification",
                                     "channels": ["group_board", "rescue_platform"],
                                     "start_date": "2020-10-26", "end_date": "2020-10-30"},
              "2020-10-26", *(() if "notice_materials" in drop
                              else ("notice_text", "notice_photo")))
    if "township_review" not in drop:
        b.add("TownshipReviewed", {"purpose": "identification", "decision": "approved",
                                   "spot_checked": True}, "2020-11-02", "review_record")
    if "department_check" not in drop:
        findings = [{"exclusion": "consumer_car"}] if finding else []
        b.add("DepartmentVerified",
              {"purpose": "identification", "department": "public_security",
               "consistent": not finding, "findings": findings, "items_checked": ["vehicle"],
               "summary": "有车辆" if finding else "无车辆"}, "2020-11-04", "department_reply")
    b.add("CountyConfirmed", {"purpose": "identification", "decision": "confirmed",
                              "monitoring_type": monitoring_type, "risk_types": ["illness"],
                              "responsible_department": "health"}, "2020-11-06")
    marking = f.marked("enrolled", monitoring_type)
    marking["occurred_at"], marking["actor"] = _at("2020-11-20"), b.actor
    b.events.append(marking)
    b.add("AssistancePlanned", {"measure_id": "ms1", "category": "health",
                                "summary": "大病救助", "start_date": "2020-12-01"}, "2020-12-01")
    b.add("AssistanceDelivered", {"measure_id": "ms1", "delivered_on": "2020-12-15",
                                  "amount": 3000, "summary": "救助金"}, "2020-12-15")


def _elimination(b: _Builder, *, income: int, consent: bool = True) -> None:
    """A 2021 risk elimination, marked on 2021-11-20."""
    b.add("AssistanceEnded", {"measure_id": "ms1", "reason": "已康复"}, "2021-09-30")
    b.add("EffectivenessAppraised", {"result": "stable", "summary": "收入稳定"}, "2021-10-20")
    b.survey("2021-10-21", purpose="elimination", year=2021, income=income,
             materials=("survey_form", "income_sheet", "elimination_assessment"))
    if consent:
        b.add("InformedConsentGiven", {"purpose": "elimination", "member_id": "m1"},
              "2021-10-21", "consent_form")
    b.add("DemocraticAppraisalHeld",
          {"purpose": "elimination",
           "attendees": {"party_members": 5, "household_heads": 30, "total": 35},
           "votes": {"for": 34, "against": 0, "abstain": 1}, "result": "approved"},
          "2021-10-22", "minutes", "sign_in_sheet")
    b.add("PublicNoticePosted", {"purpose": "elimination",
                                 "channels": ["group_board", "rescue_platform"],
                                 "start_date": "2021-10-25", "end_date": "2021-10-29"},
          "2021-10-25", "notice_text", "notice_photo")
    b.add("TownshipReviewed", {"purpose": "elimination", "decision": "approved",
                               "spot_checked": True}, "2021-11-01", "review_record")
    b.add("CountyConfirmed", {"purpose": "elimination", "decision": "confirmed"}, "2021-11-05")
    marking = f.marked("risk_eliminated")
    marking["occurred_at"], marking["actor"] = _at("2021-11-20"), b.actor
    b.events.append(marking)


def _monitoring_type(rng: random.Random) -> str:
    # 456 unstable, 445 marginal, 7 sudden hardship (DOMAIN.md), sudden rounded up.
    return rng.choices(("unstable_alleviated", "marginal", "sudden_hardship"),
                       weights=(49, 48, 3))[0]


def archetype(n: int) -> str:
    return random.Random(n).choices(_NAMES, weights=_WEIGHTS)[0]


def household(n: int) -> tuple[str, str, list[dict[str, Any]]]:
    """(household id, archetype, events) of household ``n``."""
    rng = random.Random(n)
    kind = rng.choices(_NAMES, weights=_WEIGHTS)[0]
    b = _Builder(n, rng, rng.choice(VILLAGES))
    if kind in MONITORED:
        monitoring_type = _monitoring_type(rng)
        b.register("2020-10-10", filed_card=monitoring_type == "unstable_alleviated")
        if kind == "monitored_incomplete":
            steps, weights = zip(*_DROPPABLE, strict=True)
            drop = frozenset(rng.choices(steps, weights=weights, k=rng.randint(1, 3)))
            _identification(b, monitoring_type, drop=drop)
        else:
            _identification(b, monitoring_type, finding=kind == "exclusion_found")
        if kind == "eliminated_complete":
            _elimination(b, income=_income_above(rng))
        elif kind == "eliminated_below_floor":
            _elimination(b, income=_income_below(rng), consent=rng.random() < 0.5)
        elif kind in ("monitored_complete", "monitored_incomplete"):
            b.survey("2021-10-22", purpose="annual", year=2021,
                     income=_income_below(rng))
        return household_id(n), kind, b.events
    b.register("2021-10-12", filed_card=rng.random() < 0.15)
    if kind == "unanswered_warning":
        b.add("WarningReceived", {"department": "health", "code": "serious_illness",
                                  "summary": "大病"}, "2021-06-01")
    income = _income_below(rng) if kind == "should_enroll" else _income_above(rng)
    b.survey("2021-10-22", purpose="annual", year=2021, income=income)
    return household_id(n), kind, b.events


def census(households: int) -> Counter[str]:
    """How many households of each archetype the first ``households`` hold."""
    return Counter(archetype(n) for n in range(households))
