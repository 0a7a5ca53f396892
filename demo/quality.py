"""The data-quality findings (``DQ_*``) and formalism signals (``AF_*``) of CONTRACT §7.5
planted in the synthetic county, on top of the archetypes (whose gaps and look-back
candidates they leave as they are).

Which household carries which quirk is dealt by ``QUIRK_CYCLES`` (``proportions``): a
household's quirk depends on ``(seed, n)`` alone, as everything else does, and a pair or
cluster (one survey form cited by two households, 22 eliminations by one worker on one
afternoon, one narrative pasted into seven appraisals, four unanswered triggers in one
village) is the households of one cycle's slots of that quirk.

What each quirk does to a household's history, by the code it shows:

* ``DQ_ID_BIRTH_MISMATCH`` — a member's birth date typed a few days off the ID number;
* ``DQ_ID_SEX_MISMATCH`` — a member's sex recorded against the ID number's sex digit;
* ``DQ_HEAD_COUNT`` — a spouse married in, recorded as a second head;
* ``DQ_HEAD_SPOUSE_SAME_SEX`` — a spouse of the head's sex (ID number issued to match);
* ``DQ_AGE_LABOR`` — a child of 12–15 recorded with partial labour;
* ``DQ_WORKING_AGE_NO_LABOR`` — a healthy member of working age, not in school, recorded
  without labour, in a filed-card household;
* ``DQ_WAGE_IMPLAUSIBLE`` — a survey's wage income of a few hundred yuan a year (the rest
  recorded as transfers);
* ``DQ_INCOME_JUMP`` — a spring survey, then the annual one at more than three times it;
* ``DQ_INCOME_OUTLIER`` — one household's income ten times its village's (business income);
* ``DQ_DUPLICATE_PERSON`` — a person registered in a second household (relation other);
* ``DQ_ILLNESS_RISK_NO_HEALTH_MEASURE``, ``DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE`` — a
  monitored household at risk of illness (of schooling) assisted by industry only;
* ``DQ_LABOR_NO_DEVELOPMENTAL_MEASURE`` — a monitored household with labour and relief only
  (the other monitored households with labour get an industry or employment measure too);
* ``DQ_GUARANTEE_RISK_MISMATCH`` — drinking water at risk in the latest survey, the risk
  types silent about it;
* ``DQ_MEASURE_NOT_DELIVERED`` — a second measure planned and never delivered;
* ``DQ_TOKEN_MEASURES_ONLY`` — skills training as the only measure;
* ``DQ_EMPLOYMENT_NO_WAGE`` — an employment measure delivered, no wage in the survey after;
* ``DQ_DISABILITY_RISK_NO_DISABLED`` — at risk of disability with no member disabled (the
  other households at that risk have one);
* ``DQ_LACK_OF_LABOR_CLAIM`` — "lack of labour" claimed by a household of five, most working;
* ``DQ_QUICK_EXIT`` — enrolled in November, risk eliminated in December (即时进即时退);
* ``DQ_MEASURE_NO_WORKER`` — an old household without labour given a public-welfare post;
* ``AF_MATERIAL_REUSED`` — two households' surveys cite one scanned form;
* ``AF_BATCH_ELIMINATION`` — 22 eliminations marked by one township worker one afternoon
  (the other markings spread over the weeks after each county confirmation, by the
  township's own officials);
* ``AF_IDENTICAL_TEXT`` — one narrative pasted into seven effectiveness appraisals;
* ``AF_ENROLMENT_FROZEN`` — four households of one village warned or applying in spring
  2021, none followed up, the village enrolling no one.
"""

import hashlib
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from random import Random
from typing import Any

from demo.people import AGES_AT, _id_number, person_name
from demo.procedures import History
from demo.proportions import BLOCK, QUIRK_CYCLES, QUIRK_GROUP, block_profiles
from demo.risks import RISKS

IDENTICAL_NARRATIVE = (
    "经入户走访核实，该户家庭收入稳定，“两不愁三保障”及饮水安全均有保障，风险已稳定消除。"
)
"""What seven appraisals say word for word (AF_IDENTICAL_TEXT needs 20+ characters)."""
BATCH_DAY = date(2021, 11, 26)  # a Friday after every 2021 county confirmation


@dataclass(frozen=True)
class Quirk:
    """A household's planted quirk: its name, the cycle of its group it falls in (pairs
    and clusters are one cycle's households), and those households' numbers."""

    name: str
    cycle: int
    partners: tuple[int, ...]  # every household of this quirk in this cycle, by number

    @property
    def key(self) -> str:
        return f"{self.name}:{self.cycle}"


def _layout(length: int, quirks: tuple[tuple[str, int], ...]) -> tuple[str | None, ...]:
    """A cycle's slots: each quirk's slots spread evenly over the cycle, the rest clean."""
    instances = sorted(
        ((j + 0.5) / slots, order, name)
        for order, (name, slots) in enumerate(quirks)
        for j in range(slots)
    )
    cycle: list[str | None] = [None] * length
    for i, (_, _, name) in enumerate(instances):
        cycle[i * length // len(instances)] = name
    return tuple(cycle)


LAYOUTS = {group: _layout(length, quirks) for group, (length, quirks) in QUIRK_CYCLES.items()}


@lru_cache(maxsize=8)
def _members_of_groups(seed: int, block: int) -> dict[str, tuple[int, ...]]:
    """Each quirk group's households in one block, by number within the block."""
    found: dict[str, list[int]] = {}
    for i, p in enumerate(block_profiles(seed, block)):
        group = QUIRK_GROUP.get(p.archetype)
        if group:
            found.setdefault(group, []).append(i)
    return {group: tuple(numbers) for group, numbers in found.items()}


def _number(seed: int, group: str, rank: int) -> int:
    """The household that is the ``rank``-th of ``group`` (every block holds as many)."""
    per_block = len(_members_of_groups(seed, 0)[group])
    block, index = divmod(rank, per_block)
    return block * BLOCK + _members_of_groups(seed, block)[group][index]


def quirk_of(n: int, archetype: str, seed: int = 0) -> Quirk | None:
    group = QUIRK_GROUP.get(archetype)
    if group is None:
        return None
    block, index = divmod(n, BLOCK)
    members = _members_of_groups(seed, block)[group]
    rank = len(members) * block + bisect_left(members, index)
    layout = LAYOUTS[group]
    cycle, slot = divmod(rank, len(layout))
    name = layout[slot]
    if name is None:
        return None
    partners = tuple(
        _number(seed, group, cycle * len(layout) + s)
        for s, other in enumerate(layout)
        if other == name
    )
    return Quirk(name, cycle, partners)


def rng_of(n: int, seed: int) -> Random:
    """The quirks' own random numbers: the rest of a household's stay as they were."""
    return Random(f"ledger.demo quality {seed}:{n}")


def shared_sha256(seed: int, quirk: Quirk) -> str:
    return hashlib.sha256(f"ledger.demo reused {seed}:{quirk.key}".encode()).hexdigest()


def adult(
    rng: Random, county: str, member_id: str, sex: str, age: int, taken: set[str]
) -> dict[str, Any]:
    """A working adult with a valid ID number (for a member added by a quirk)."""
    born = AGES_AT - timedelta(days=age * 365 + rng.randrange(365))
    return {
        "member_id": member_id,
        "name": person_name(rng, sex),
        "id_number": _id_number(rng, county, born, sex, taken),
        "relation": "other",
        "sex": sex,
        "birth_date": born.isoformat(),
        "labor": "full",
        "health": "healthy",
    }


def age_of(member: dict[str, Any], on: date) -> int:
    born = date.fromisoformat(member["birth_date"])
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def reissue_id(rng: Random, county: str, member: dict[str, Any], taken: set[str]) -> None:
    """A new ID number that agrees with the member's birth date and sex."""
    taken.discard(member["id_number"])
    born = date.fromisoformat(member["birth_date"])
    member["id_number"] = _id_number(rng, county, born, member["sex"], taken)


RISK_FOR = {
    "illness_no_health_measure": "illness",
    "education_no_education_measure": "education",
    "labor_no_developmental_measure": "accident",
    "token_measures_only": "unstable_employment",
    "employment_no_wage": "unstable_employment",
    "disability_no_disabled": "disability",
    "measure_no_worker": "unstable_employment",
}
"""The risk a quirk needs the household to be monitored for."""
MEASURE_FOR = {
    "illness_no_health_measure": "industry",
    "education_no_education_measure": "industry",
    "token_measures_only": "skills_training",
    "measure_no_worker": "public_welfare_post",
}
"""The first measure a quirk plants instead of the one answering the risk."""
DEVELOPMENTAL = frozenset({"industry", "employment", "public_welfare_post", "microcredit"})
SURVEY_DAY = date(2021, 10, 20)  # about when the annual round's surveys are
END_OF_ROUND = date(2021, 12, 31)  # after every synthetic survey


def prepare(h: History, quirk: str | None, monitored: bool) -> None:
    """Before the history is written: the risk, the first measure and the members a
    quirk needs. Whatever the quirk, the old are recorded with partial labour at most (but
    a monitored household's head, who works its way out); a monitored household at risk of
    disability has a disabled member unless the quirk is that it has none."""
    h.quirk = quirk
    if quirk in RISK_FOR:
        h.risk = next(r for r in RISKS if r.risk_type == RISK_FOR[quirk])
    h.measure_category = MEASURE_FOR.get(quirk or "")
    members, rng = h.members, h.quirks
    for member in members[1 if monitored else 0 :]:  # 2_12_005: 60+ is not ordinary labour
        if member["labor"] == "full" and age_of(member, END_OF_ROUND) >= 60:
            member["labor"] = "partial"
    if (
        monitored
        and h.risk.risk_type == "disability"
        and quirk != "disability_no_disabled"
        and not any(m["health"] == "disabled" for m in members)
    ):
        member = members[-1]
        member["health"], member["disability_grade"] = "disabled", rng.randint(1, 2)
    taken = {m["id_number"] for m in members}
    if quirk == "id_birth_mismatch":  # the birth date typed a few days off
        member = members[-1]
        born = date.fromisoformat(member["birth_date"]) + timedelta(days=rng.randint(3, 40))
        member["birth_date"] = min(born, AGES_AT).isoformat()
    elif quirk == "id_sex_mismatch":
        others = [m for m in members if m["relation"] not in ("head", "spouse")]
        member = (others or members)[-1]
        member["sex"] = "F" if member["sex"] == "M" else "M"
    elif quirk == "head_spouse_same_sex":
        spouse = next((m for m in members if m["relation"] == "spouse"), None)
        if spouse is not None:
            spouse["sex"] = members[0]["sex"]
            reissue_id(rng, h.county.code, spouse, taken)
    elif quirk == "working_age_no_labor":
        for member in members:
            if 16 <= age_of(member, SURVEY_DAY) <= 59:
                member.update(labor="none", health="healthy", in_school=False)
                member.pop("disability_grade", None)
                break
    elif quirk == "measure_no_worker":
        for member in members:
            member["labor"] = "none" if member["labor"] == "partial" else member["labor"]
    elif quirk == "lack_of_labor_claim":  # a household of five, most able to work
        for member in members:
            if 16 <= age_of(member, SURVEY_DAY) < 65 and member["labor"] not in ("full", "partial"):
                member["labor"] = "partial"


def before_survey(h: History, quirk: str | None, seed: int, partners: tuple[int, ...]) -> None:
    """A not-monitored household's changes before its annual survey (a member added, a
    trigger nobody followed up)."""
    rng, members = h.quirks, h.members
    taken = {m["id_number"] for m in members}
    head = members[0]
    added: dict[str, Any] | None = None
    on = date(2021, 9, 15)
    if quirk == "head_count":  # married in, recorded as a second head
        added = adult(
            rng,
            h.county.code,
            _next_member_id(h),
            "F" if head["sex"] == "M" else "M",
            30,
            taken,
        )
        added["relation"] = "head"
    elif quirk == "head_spouse_same_sex" and not any(m["relation"] == "spouse" for m in members):
        added = adult(rng, h.county.code, _next_member_id(h), head["sex"], 35, taken)
        added["relation"] = "spouse"
    elif quirk == "child_labor":
        child = next((m for m in members if age_of(m, SURVEY_DAY) < 16), None)
        if child is not None:
            h.add(
                "MemberUpdated",
                {"member_id": child["member_id"], "labor": "partial"},
                on,
                h.village.cadres[2],
            )
        else:
            added = adult(rng, h.county.code, _next_member_id(h), rng.choice("MF"), 14, taken)
            added.update(relation="grandchild", labor="partial", in_school=True)
    elif quirk == "enrolment_frozen":  # warned or applying, and nobody followed up
        day = date.fromisoformat(h.events[0]["occurred_at"][:10]) + timedelta(days=20)
        if partners.index(int(h.household_id[3:])) % 2:
            h.add(
                "AssistanceApplied",
                {"channel": "village", "summary": h.risk.summary},
                day,
                h.household,
            )
        else:
            h.warned(day)
    if added is not None:
        reason = "return" if added["relation"] == "grandchild" else "marriage_in"
        h.add("MemberAdded", {"member": added, "reason": reason}, on, h.village.cadres[2])
        h.members.append(added)
        h.present += 1


def finish(h: History, quirk: Quirk | None, seed: int) -> None:
    """After the history is written: what a quirk changes in its recorded events."""
    name = quirk.name if quirk else None
    surveys = [e for e in h.events if e["type"] == "FieldSurveyConducted"]
    if name == "income_outlier" and surveys:  # a business ten times the village's income
        _raise_income(surveys[-1], h.quirks.randrange(150_000, 220_000, 100))
    elif quirk and name == "material_reused" and surveys:
        for material in surveys[-1].get("materials", []):
            if material["kind"] == "survey_form":
                material["sha256"] = shared_sha256(seed, quirk)
    elif name == "guarantee_risk_mismatch" and surveys:
        surveys[-1]["data"]["guarantees"]["drinking_water"] = "at_risk"
    elif name == "lack_of_labor_claim":
        for event in h.events:
            data = event["data"]
            if data.get("purpose") == "identification" and "risk_types" in data:
                data["risk_types"] = [*data["risk_types"], "lack_of_labor"]


def _raise_income(survey: dict[str, Any], per_capita: int) -> None:
    """A survey's per-capita income raised to ``per_capita`` by its operating income."""
    data = survey["data"]
    data["income"]["operating"] += (per_capita - data["per_capita_net_income"]) * data[
        "household_size"
    ]
    data["per_capita_net_income"] = per_capita


def _next_member_id(h: History) -> str:
    """A member id no event of the household has used (a birth may have added one that
    ``h.members`` does not list)."""
    used = {m["member_id"] for m in h.members} | {
        e["data"]["member"]["member_id"] for e in h.events if e["type"] == "MemberAdded"
    }
    return f"m{max(int(m[1:]) for m in used) + 1}"
