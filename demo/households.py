"""Each archetype's history: which procedures a household went through, and what is
missing or wrong in them (the archetypes are documented in ``demo``)."""

from datetime import date, timedelta
from random import Random
from typing import Any

from demo.divisions import SHUANGJIANG, County, villages
from demo.monitoring import (
    ELIMINATION_GAPS,
    IDENTIFICATION_GAPS,
    drops,
    elimination,
    identification,
)
from demo.people import AGES_AT, household_size, members, newborn
from demo.procedures import Event, History
from demo.proportions import Profile, profile
from demo.quality import DEVELOPMENTAL, before_survey, finish, prepare, quirk_of, rng_of
from demo.risks import FLOOR, income_above, income_below


def household_id(n: int) -> str:
    return f"hh-{n:06d}"


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


QUICK_ENROLMENT, QUICK_ELIMINATION = date(2021, 10, 18), date(2021, 12, 13)
"""The notices' Mondays of a planted quick exit: enrolled on 11-12, eliminated on 12-25."""


def _monitored(h: History, p: Profile) -> None:
    kind, rng, monitoring_type = p.archetype, h.rng, p.monitoring_type or "marginal"
    year = 2020 if kind.startswith("eliminated") or rng.random() < 0.5 else 2021
    quick = h.quirk == "quick_exit"  # 即时进即时退
    year = 2021 if quick else year
    h.register(date(2020, 9, 28) if year == 2020 else _spring(rng), filed_card=p.filed_card)
    sudden = monitoring_type == "sudden_hardship"
    fits = income_above(rng) if sudden else income_below(rng)
    wrong = income_below(rng) if sudden else income_above(rng)
    identification(
        h,
        year,
        monitoring_type,
        wrong if kind == "wrong_type" else fits,
        drop=drops(rng, IDENTIFICATION_GAPS, 3) if kind == "monitored_incomplete" else frozenset(),
        excluded=kind == "exclusion_found",
        monday=QUICK_ENROLMENT if quick else None,
        delivered_after=30 if quick else 45,
    )

    def eliminate(per_capita: int, **options: Any) -> None:
        elimination(
            h,
            per_capita,
            monday=QUICK_ELIMINATION if quick else None,
            marked_after=12 if quick else None,
            wage=0 if h.quirk == "employment_no_wage" else None,
            **options,
        )

    if kind == "eliminated_complete":
        eliminate(_modest(income_above(rng), fits))
    elif kind == "eliminated_incomplete":
        eliminate(_modest(income_above(rng), fits), drop=drops(rng, ELIMINATION_GAPS, 2))
    elif kind == "eliminated_below_floor":
        eliminate(
            income_below(rng),
            drop=frozenset() if rng.random() < 0.5 else frozenset({"informed_consent"}),
        )
    elif kind == "eliminated_without_labor":
        eliminate(_modest(income_above(rng), fits), stable_work=False)
    elif kind == "eliminated_still_assisted":
        eliminate(_modest(income_above(rng), fits), still_assisted=True)
    else:
        _developmental_measure(h)
        _still_monitored(h, year)
    h.locate(date(2021, 11, 30))


def _modest(above: int, identified: int) -> int:
    """An eliminated household's income: above the floor, at most 2.9 times the one it was
    identified with (more within a year is DQ_INCOME_JUMP, planted apart)."""
    low, high = FLOOR + 500, max(FLOOR + 510, int(identified * 2.9))
    return low + (above - low) % (high - low) // 10 * 10


def _developmental_measure(h: History) -> None:
    """A monitored household able to work gets an industry or employment measure beside the
    one answering its risk (5_12_007), delivered; unless a quirk leaves it without one, or
    plants one never delivered."""
    if h.quirk == "labor_no_developmental_measure" or h.measure in DEVELOPMENTAL:
        return
    day = date.fromisoformat(h.events[-1]["occurred_at"][:10]) + timedelta(days=3)
    category = h.quirks.choice(("industry", "employment"))
    summary = "产业奖补" if category == "industry" else "就业帮扶"
    h.add(
        "AssistancePlanned",
        {"measure_id": "ms2", "category": category, "summary": summary, "start_date": str(day)},
        day,
        h.cadre,
    )
    if h.quirk != "measure_not_delivered":
        delivered = day + timedelta(days=20)
        h.add(
            "AssistanceDelivered",
            {
                "measure_id": "ms2",
                "delivered_on": str(delivered),
                "amount": h.quirks.randrange(1000, 5000, 100),
                "summary": summary,
            },
            delivered,
            h.cadre,
        )


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


def _not_monitored(h: History, p: Profile, seed: int, partners: tuple[int, ...]) -> None:
    h.register(_spring(h.rng), filed_card=p.filed_card)
    if p.archetype == "unanswered_warning":
        h.warned(date(2021, 6, 1) + timedelta(days=h.rng.randrange(30)))
    _population_change(h)
    before_survey(h, h.quirk, seed, partners)
    per_capita = income_below(h.rng) if p.archetype == "should_enroll" else income_above(h.rng)
    if h.quirk == "income_jump":  # a spring survey, then more than three times it
        per_capita = max(per_capita, 21_000 + h.quirks.randrange(0, 6000, 10))
        registered = date.fromisoformat(h.events[0]["occurred_at"][:10])
        h.survey(
            registered + timedelta(days=10),
            purpose="assistance",
            year=2021,
            per_capita=round(per_capita / h.quirks.uniform(3.3, 4.5) / 10) * 10,
        )
    h.survey(
        date(2021, 10, 20) + timedelta(days=h.rng.randrange(20)),
        purpose="annual",
        year=2021,
        per_capita=per_capita,
        wage=h.quirks.randrange(240, 900, 10) if h.quirk == "wage_implausible" else None,
    )


def household(
    n: int,
    seed: int = 0,
    county: County = SHUANGJIANG,
) -> tuple[str, str, list[Event]]:
    """(household id, archetype, events) of household ``n``, from ``(seed, n)`` alone."""
    p = profile(n, seed)
    quirk = quirk_of(n, p.archetype, seed)
    name, partners = (quirk.name, quirk.partners) if quirk else (None, ())
    rng = Random(f"ledger.demo household {seed}:{n}")
    village = rng.choice(villages(county))
    if quirk and name == "enrolment_frozen":  # the cycle's four households share a village
        village = villages(county)[(quirk.cycle * 31 + 7) % len(villages(county))]
    monitored = p.monitoring_type is not None
    if p.archetype == "eliminated_without_labor":  # an old couple or a widow(er)
        people = members(rng, county.code, rng.choice((1, 2)), (64, 82))
        for member in people:
            member["labor"] = "partial" if member["labor"] == "full" else member["labor"]
    else:
        size = household_size(rng)
        size = max(size, 5) if name == "lack_of_labor_claim" else size
        people = members(rng, county.code, size, (30, 58) if monitored else (25, 75))
        if monitored:  # a monitored household needs someone able to work its way out
            people[0]["labor"] = "full"
    if quirk and name == "duplicate_person" and n != partners[0]:
        people.append(_registered_elsewhere(partners[0], seed, county, len(people) + 1))
    history = History(household_id(n), rng, county, village, people)
    history.quirks = rng_of(n, seed)
    prepare(history, name, monitored)
    if monitored:
        _monitored(history, p)
    else:
        _not_monitored(history, p, seed, partners)
    finish(history, quirk, seed)
    return household_id(n), p.archetype, history.events


def _registered_elsewhere(n: int, seed: int, county: County, number: int) -> dict[str, Any]:
    """A member of household ``n`` registered here too (DQ_DUPLICATE_PERSON)."""
    _, _, events = household(n, seed, county)
    member = dict(events[0]["data"]["members"][-1])
    return {**member, "member_id": f"m{number}", "relation": "other"}
