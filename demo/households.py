"""Each archetype's history: which procedures a household went through, and what is
missing or wrong in them (the archetypes are documented in ``demo``)."""

from datetime import date, timedelta
from random import Random

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
from demo.risks import income_above, income_below


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


def _monitored(h: History, p: Profile) -> None:
    kind, rng, monitoring_type = p.archetype, h.rng, p.monitoring_type or "marginal"
    year = 2020 if kind.startswith("eliminated") or rng.random() < 0.5 else 2021
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
    )
    if kind == "eliminated_complete":
        elimination(h, income_above(rng))
    elif kind == "eliminated_incomplete":
        elimination(h, income_above(rng), drop=drops(rng, ELIMINATION_GAPS, 2))
    elif kind == "eliminated_below_floor":
        elimination(
            h,
            income_below(rng),
            drop=frozenset() if rng.random() < 0.5 else frozenset({"informed_consent"}),
        )
    elif kind == "eliminated_without_labor":
        elimination(h, income_above(rng), stable_work=False)
    elif kind == "eliminated_still_assisted":
        elimination(h, income_above(rng), still_assisted=True)
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
