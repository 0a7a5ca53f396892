"""Each archetype's history: which procedures a household went through, and what is
missing or wrong in them (the archetypes are documented in ``ledger.demo``)."""

from datetime import date, timedelta
from random import Random

from ledger.demo.divisions import (
    SHUANGJIANG,
    County,
    county_official,
    department_official,
    villages,
)
from ledger.demo.people import AGES_AT, household_size, members, newborn
from ledger.demo.procedures import NOTICE_MONDAYS, Event, History, income_above, income_below
from ledger.demo.proportions import Profile, profile

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
_EXCLUSIONS = (
    ("consumer_car", "vehicle", "public_security", "名下有小汽车"),
    ("urban_property", "real_estate", "natural_resources", "城镇有商品房"),
    ("operating_business", "business_registration", "market_regulation", "登记经营公司"),
)


def household_id(n: int) -> str:
    return f"hh-{n:06d}"


def _drops(rng: Random, gaps: dict[str, int], most: int) -> frozenset[str]:
    return frozenset(rng.choices(list(gaps), weights=list(gaps.values()), k=rng.randint(1, most)))


def _identification(
    h: History,
    year: int,
    monitoring_type: str,
    per_capita: int,
    *,
    drop: frozenset[str] = frozenset(),
    excluded: bool = False,
) -> None:
    """Identification (002 §三), the marking, and the first measure under way."""
    rng, monday = h.rng, h.rng.choice(NOTICE_MONDAYS[year])

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
        {"purpose": "identification", "decision": "propose", "measures": [h.risk.measure]},
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
        exclusion, item, department, found = rng.choice(_EXCLUSIONS)
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
            "category": h.risk.measure,
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
            "delivered_on": day(45).isoformat(),
            "amount": rng.randrange(1000, 8000, 100),
            "summary": h.risk.measure_summary,
        },
        day(45),
        h.cadre,
    )


def _elimination(
    h: History,
    per_capita: int,
    *,
    drop: frozenset[str] = frozenset(),
    still_assisted: bool = False,
    stable_work: bool = True,
) -> None:
    """Risk elimination in the 2021 round (002 §五: 怎么进、怎么出)."""
    monday = h.rng.choice(NOTICE_MONDAYS[2021])

    def day(offset: int) -> date:
        return monday + timedelta(days=offset)

    if not still_assisted:
        h.add(
            "AssistanceEnded", {"measure_id": "ms1", "reason": "风险已稳定消除"}, day(-21), h.cadre
        )
    if "effectiveness_appraisal" not in drop:
        h.add(
            "EffectivenessAppraised",
            {"result": "stable", "summary": "帮扶见效，收入稳定"},
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
    h.marked(day(25), "risk_eliminated")
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


def _still_monitored(h: History, year: int) -> None:
    """A 2020 entrant's 2021 round: still below the floor, appraised not yet stable."""
    if year == 2020:
        h.survey(date(2021, 10, 20), purpose="annual", year=2021, per_capita=income_below(h.rng))
        h.add(
            "EffectivenessAppraised",
            {"result": "unstable", "summary": "收入尚不稳定"},
            date(2021, 10, 22),
            h.cadre,
            "minutes",
        )


def _monitored(h: History, p: Profile) -> None:
    kind, rng, monitoring_type = p.archetype, h.rng, p.monitoring_type or "marginal"
    year = 2020 if kind.startswith("eliminated") or rng.random() < 0.5 else 2021
    h.register(date(2020, 9, 28) if year == 2020 else _spring(rng), filed_card=p.filed_card)
    sudden = monitoring_type == "sudden_hardship"
    fits = income_above(rng) if sudden else income_below(rng)
    wrong = income_below(rng) if sudden else income_above(rng)
    _identification(
        h,
        year,
        monitoring_type,
        wrong if kind == "wrong_type" else fits,
        drop=_drops(rng, IDENTIFICATION_GAPS, 3) if kind == "monitored_incomplete" else frozenset(),
        excluded=kind == "exclusion_found",
    )
    if kind == "eliminated_complete":
        _elimination(h, income_above(rng))
    elif kind == "eliminated_incomplete":
        _elimination(h, income_above(rng), drop=_drops(rng, ELIMINATION_GAPS, 2))
    elif kind == "eliminated_below_floor":
        _elimination(
            h,
            income_below(rng),
            drop=frozenset() if rng.random() < 0.5 else frozenset({"informed_consent"}),
        )
    elif kind == "eliminated_without_labor":
        _elimination(h, income_above(rng), stable_work=False)
    elif kind == "eliminated_still_assisted":
        _elimination(h, income_above(rng), still_assisted=True)
    else:
        _still_monitored(h, year)
    h.locate(date(2021, 11, 30))


def _spring(rng: Random) -> date:
    """When a household not yet monitored was registered in the ledger (spring 2021)."""
    return date(2021, 3, 1) + timedelta(days=rng.randrange(60))


def _population_change(h: History) -> None:
    """人口自然变更 (001 §二(一)7): now and then a birth or a death before the survey."""
    roll = h.rng.random()
    if roll < 0.02:
        head = h.members[0]
        head_age = (AGES_AT - date.fromisoformat(head["birth_date"])).days // 365
        member_id = f"m{len(h.members) + 1}"
        h.add(
            "MemberAdded",
            {
                "member": newborn(
                    h.rng,
                    h.county.code,
                    member_id,
                    date(2021, 6, 1) + timedelta(h.rng.randrange(90)),
                    head["name"][0],
                    "child" if head_age < 45 else "grandchild",
                    {m["id_number"] for m in h.members},
                ),
                "reason": "birth",
            },
            date(2021, 9, 15),
            h.village.cadres[2],
            "population_change_form",
        )
        h.present += 1
    elif roll < 0.04:
        elders = [m for m in h.members[1:] if m["birth_date"] < "1950-01-01"]
        if elders:
            h.add(
                "MemberRemoved",
                {"member_id": elders[0]["member_id"], "reason": "death"},
                date(2021, 9, 15),
                h.village.cadres[2],
                "population_change_form",
            )
            h.present -= 1


def _not_monitored(h: History, p: Profile) -> None:
    h.register(_spring(h.rng), filed_card=p.filed_card)
    if p.archetype == "unanswered_warning":
        h.warned(date(2021, 6, 1) + timedelta(days=h.rng.randrange(30)))
    _population_change(h)
    per_capita = income_below(h.rng) if p.archetype == "should_enroll" else income_above(h.rng)
    h.survey(
        date(2021, 10, 20) + timedelta(days=h.rng.randrange(20)),
        purpose="annual",
        year=2021,
        per_capita=per_capita,
    )


def household(
    n: int,
    seed: int = 0,
    county: County = SHUANGJIANG,
) -> tuple[str, str, list[Event]]:
    """(household id, archetype, events) of household ``n``, from ``(seed, n)`` alone."""
    p = profile(n, seed)
    rng = Random(f"ledger.demo household {seed}:{n}")
    village = rng.choice(villages(county))
    monitored = p.monitoring_type is not None
    if p.archetype == "eliminated_without_labor":  # an old couple or a widow(er)
        people = members(rng, county.code, rng.choice((1, 2)), (64, 82))
        for member in people:
            member["labor"] = "partial" if member["labor"] == "full" else member["labor"]
    else:
        people = members(rng, county.code, household_size(rng), (30, 58) if monitored else (25, 75))
        if monitored:  # a monitored household needs someone able to work its way out
            people[0]["labor"] = "full"
    history = History(household_id(n), rng, county, village, people)
    (_monitored if monitored else _not_monitored)(history, p)
    return household_id(n), p.archetype, history.events
