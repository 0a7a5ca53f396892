"""A monitored household's two procedures, identification (识别) and risk elimination
(风险消除), each complete or with the steps an archetype leaves out (002 §三, §五)."""

from datetime import date, timedelta
from random import Random
from typing import Any

from demo.divisions import county_official, department_official, township_official
from demo.procedures import NOTICE_MONDAYS, History
from demo.quality import BATCH_DAY, IDENTICAL_NARRATIVE

# Steps an incomplete procedure may lack, with how often each is the one missing.
IDENTIFICATION_GAPS = {
    "notice": 3,
    "application": 2,
    "authorization": 1,
    "department_check": 2,
    "township_review": 1,
    "screening": 1,
    "appraisal_materials": 2,
    "notice_materials": 1,
}
ELIMINATION_GAPS = {
    "appraisal": 3,
    "notice": 3,
    "informed_consent": 2,
    "effectiveness_appraisal": 1,
    "township_review": 1,
    "notice_materials": 1,
}
# (exclusion situation, item checked, department that finds it, what it found)
EXCLUSIONS = (
    ("consumer_car", "vehicle", "public_security", "名下有小汽车"),
    ("urban_property", "real_estate", "natural_resources", "城镇有商品房"),
    ("operating_business", "business_registration", "market_regulation", "登记经营公司"),
)


def batch_worker(h: History) -> dict[str, Any]:
    """Who marks a batch of eliminations in one afternoon (AF_BATCH_ELIMINATION)."""
    return {
        "id": f"c-{h.county.code}-data",
        "name": f"{h.county.name}乡村振兴局数据录入员",
        "role": "county_official",
        "org": h.county.division,
    }


def drops(rng: Random, gaps: dict[str, int], most: int) -> frozenset[str]:
    return frozenset(rng.choices(list(gaps), weights=list(gaps.values()), k=rng.randint(1, most)))


def identification(
    h: History,
    year: int,
    monitoring_type: str,
    per_capita: int,
    *,
    drop: frozenset[str] = frozenset(),
    excluded: bool = False,
    monday: date | None = None,
    delivered_after: int = 45,
) -> None:
    """Identification (002 §三), the marking, and the first measure under way (its
    first delivery ``delivered_after`` days after the notice's Monday)."""
    rng = h.rng
    monday = monday or rng.choice(NOTICE_MONDAYS[year])

    def day(offset: int) -> date:
        return monday + timedelta(days=offset)

    if rng.random() < 0.3:  # self-declared (自主申报) rather than warned by a department
        h.add(
            "AssistanceApplied",
            {
                "channel": rng.choice(("rescue_platform", "national_app", "village")),
                "summary": h.risk.summary,
            },
            day(-8),
            h.household,
        )
    else:
        h.warned(day(-7))
    if "screening" not in drop:
        h.add(
            "ScreeningAnalyzed",
            {"decision": "key_check", "basis": h.risk.summary},
            day(-6),
            h.cadre,
            "minutes",
        )
    h.survey(day(-5), purpose="identification", year=year, per_capita=per_capita, risky=True)
    if "application" not in drop:
        h.add("ApplicationSigned", {"member_id": "m1"}, day(-5), h.household, "application_form")
    if "authorization" not in drop:
        h.add(
            "AuthorizationSigned", {"member_id": "m1"}, day(-5), h.household, "authorization_letter"
        )
    h.appraisal(
        day(-4),
        "identification",
        *(() if "appraisal_materials" in drop else ("minutes", "sign_in_sheet")),
    )
    h.add(
        "VillageCommitteeDecided",
        {"purpose": "identification", "decision": "propose", "measures": [h.measure]},
        day(-3),
        h.cadre,
    )
    if "notice" not in drop:
        h.notice(
            monday,
            "identification",
            *(() if "notice_materials" in drop else ("notice_text", "notice_photo")),
        )
    if "township_review" not in drop:
        h.reviewed(day(7), "identification")
    if "department_check" not in drop:
        exclusion, item, department, found = rng.choice(EXCLUSIONS)
        h.add(
            "DepartmentVerified",
            {
                "purpose": "identification",
                "department": department,
                "consistent": not excluded,
                "findings": [{"exclusion": exclusion}] if excluded else [],
                "items_checked": [item],
                "summary": found if excluded else "比对无异常",
            },
            day(9),
            department_official(h.county, department),
            "department_reply",
        )
    h.add(
        "CountyConfirmed",
        {
            "purpose": "identification",
            "decision": "confirmed",
            "monitoring_type": monitoring_type,
            "risk_types": [h.risk.risk_type],
            "responsible_department": h.risk.department,
        },
        day(11),
        county_official(h.county),
    )
    h.marked(day(25), "enrolled", monitoring_type)
    h.add(
        "AssistancePlanned",
        {
            "measure_id": "ms1",
            "category": h.measure,
            "summary": h.risk.measure_summary,
            "start_date": day(28).isoformat(),
        },
        day(28),
        h.cadre,
    )
    h.add(
        "AssistanceDelivered",
        {
            "measure_id": "ms1",
            "delivered_on": day(delivered_after).isoformat(),
            "amount": rng.randrange(1000, 8000, 100),
            "summary": h.risk.measure_summary,
        },
        day(delivered_after),
        h.cadre,
    )


def elimination(
    h: History,
    per_capita: int,
    *,
    drop: frozenset[str] = frozenset(),
    still_assisted: bool = False,
    stable_work: bool = True,
    monday: date | None = None,
    marked_after: int | None = None,
    wage: int | None = None,
) -> None:
    """Risk elimination in the 2021 round (002 §五: 怎么进、怎么出), marked by the
    township's official in the weeks after the county's confirmation (``marked_after``
    days after the notice's Monday: 12 to 28, unless planted)."""
    monday = monday or h.rng.choice(NOTICE_MONDAYS[2021])

    def day(offset: int) -> date:
        return monday + timedelta(days=offset)

    if not still_assisted:
        h.add(
            "AssistanceEnded", {"measure_id": "ms1", "reason": "风险已稳定消除"}, day(-21), h.cadre
        )
    if "effectiveness_appraisal" not in drop:
        h.add(
            "EffectivenessAppraised",
            {
                "result": "stable",
                "summary": IDENTICAL_NARRATIVE
                if h.quirk == "identical_text"
                else "帮扶见效，收入稳定",
            },
            day(-7),
            h.cadre,
            "minutes",
        )
    h.survey(
        day(-6),
        purpose="elimination",
        year=2021,
        per_capita=per_capita,
        stable_work=stable_work,
        materials=("survey_form", "income_sheet", "elimination_assessment"),
        wage=wage,
    )
    if "informed_consent" not in drop:
        h.add(
            "InformedConsentGiven",
            {"purpose": "elimination", "member_id": "m1"},
            day(-6),
            h.household,
            "consent_form",
        )
    if "appraisal" not in drop:
        h.appraisal(day(-5), "elimination", "minutes", "sign_in_sheet")
    if "notice" not in drop:
        h.notice(
            monday,
            "elimination",
            *(() if "notice_materials" in drop else ("notice_text", "notice_photo")),
        )
    if "township_review" not in drop:
        h.reviewed(day(7), "elimination")
    h.add(
        "CountyConfirmed",
        {"purpose": "elimination", "decision": "confirmed"},
        day(11),
        county_official(h.county),
    )
    if h.quirk == "batch_elimination":  # 数字消: one worker marks a batch one afternoon
        h.marked(BATCH_DAY, "risk_eliminated", actor=batch_worker(h), hour=h.quirks.randint(14, 17))
    else:
        after = marked_after if marked_after is not None else h.quirks.randint(12, 28)
        h.marked(day(after), "risk_eliminated", actor=township_official(h.village))
    if still_assisted:  # the measure goes on after the elimination (消除不稳定)
        h.add(
            "AssistanceDelivered",
            {
                "measure_id": "ms1",
                "delivered_on": day(40).isoformat(),
                "amount": h.rng.randrange(1000, 8000, 100),
                "summary": h.risk.measure_summary,
            },
            day(40),
            h.cadre,
        )
