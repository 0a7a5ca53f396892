"""How many households of each kind a synthetic county holds, from the seeds' counts.

The county is dealt in blocks of ``BLOCK`` households. Each block holds exactly the
counts below, shuffled by ``(seed, block)``: a county of ``BLOCK`` households is
Shuangjiang's counts to the household, and any first N households are close to them.
"""

from dataclasses import dataclass
from functools import lru_cache
from random import Random

BLOCK = 40_000
"""Households per block. The seeds give no total for Shuangjiang: this is an assumption
(940 monitored households hold 2,833 people, about 3 a household; 40,000 households is
about 120,000 rural residents), so that one block holds the seeds' counts."""
POVERTY_ALLEVIATED = 7_502  # 000 §二(七): 全县 7502 户脱贫户
MONITORED_BY_TYPE = {"unstable_alleviated": 472, "marginal": 461, "sudden_hardship": 7}
"""000 §二(六)(八): 940 monitored households since 2019, typed 456 : 445 : 7 (908 typed;
the types are scaled to the 940)."""

# Still monitored : risk eliminated as the province's 82.3 : 78 (10,000 people) in 000
# §一 (the notice calls that share higher than the reality, which is what the look-back
# is for): 47 : 893 of the 940. How these split further is not in the seeds: chosen so
# that every completeness and look-back rule has households to find.
ARCHETYPE_COUNTS: tuple[tuple[str, int], ...] = (
    ("registered", 38_980),
    ("should_enroll", 40),
    ("unanswered_warning", 40),
    ("monitored_complete", 18),
    ("monitored_incomplete", 18),
    ("exclusion_found", 6),
    ("wrong_type", 5),
    ("eliminated_complete", 650),
    ("eliminated_incomplete", 110),
    ("eliminated_below_floor", 55),
    ("eliminated_without_labor", 45),
    ("eliminated_still_assisted", 33),
)
NOT_MONITORED = frozenset({"registered", "should_enroll", "unanswered_warning"})
MONITORED = frozenset(name for name, _ in ARCHETYPE_COUNTS) - NOT_MONITORED
STATUS = {
    name: "not_monitored"
    if name in NOT_MONITORED
    else "risk_eliminated"
    if name.startswith("eliminated")
    else "monitored"
    for name, _ in ARCHETYPE_COUNTS
}
"""The status each archetype ends in."""
ARCHETYPES: tuple[tuple[str, float], ...] = tuple(
    (name, count / BLOCK) for name, count in ARCHETYPE_COUNTS
)
"""Each archetype and its share of the county."""


@dataclass(frozen=True)
class Profile:
    """What a household is before its history is written."""

    archetype: str
    monitoring_type: str | None  # for the monitored archetypes
    filed_card: bool  # 建档立卡: a poverty-alleviated household


@lru_cache(maxsize=1)
def _profiles() -> tuple[Profile, ...]:
    """One block's profiles, in no particular order."""
    # Fixed shuffles pair archetypes with types and cards; the block's shuffle orders them.
    pairing = Random("ledger.demo profiles")
    types = [t for t, count in MONITORED_BY_TYPE.items() for _ in range(count)]
    pairing.shuffle(types)
    monitored = [
        name for name, count in ARCHETYPE_COUNTS if name in MONITORED for _ in range(count)
    ]
    if len(monitored) != len(types):
        raise AssertionError("the monitored archetypes must add up to the typed households")
    filed_monitored = MONITORED_BY_TYPE["unstable_alleviated"]
    others = [
        name for name, count in ARCHETYPE_COUNTS if name in NOT_MONITORED for _ in range(count)
    ]
    cards = [True] * (POVERTY_ALLEVIATED - filed_monitored)
    cards += [False] * (len(others) - len(cards))
    pairing.shuffle(cards)
    return (
        *(
            Profile(name, kind, kind == "unstable_alleviated")
            for name, kind in zip(monitored, types, strict=True)
        ),
        *(Profile(name, None, card) for name, card in zip(others, cards, strict=True)),
    )


@lru_cache(maxsize=4)
def _block(seed: int, block: int) -> tuple[Profile, ...]:
    profiles = list(_profiles())
    Random(f"ledger.demo block {seed}:{block}").shuffle(profiles)
    return tuple(profiles)


def profile(n: int, seed: int = 0) -> Profile:
    """The profile of household ``n`` (0, 1, 2 …) of the county dealt with ``seed``."""
    if n < 0:
        raise ValueError("households are numbered from 0")
    return _block(seed, n // BLOCK)[n % BLOCK]


def block_profiles(seed: int, block: int) -> tuple[Profile, ...]:
    """Block ``block``'s profiles in household order (its first is household
    ``block * BLOCK``)."""
    return _block(seed, block)


# Data-quality findings and formalism signals (CONTRACT §7.5), planted on top of the
# archetypes. Each group of households deals its quirks in a cycle: the k-th household
# of the group (by number) takes slot k mod the cycle's length, the cycle k // length
# keeps a pair or cluster together (two households citing one photo, 22 eliminations of
# one afternoon). Slots not named are clean. How often each happens is not in the seeds:
# chosen so that a county of 5,000 households (`ledger demo`) shows every code, each
# finding on well under 1 % of households (the national rules exist because such slips
# are common, not because most records hold them), each signal a few times.
QUIRK_CYCLES: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {
    # 38,980 a block: each slot of 1,000 is 0.1 % of the county
    "registered": (
        1000,
        (
            ("id_birth_mismatch", 6),
            ("id_sex_mismatch", 6),
            ("head_count", 4),
            ("head_spouse_same_sex", 4),
            ("child_labor", 4),
            ("working_age_no_labor", 8),  # planted on the filed-card ones only
            ("wage_implausible", 6),
            ("income_jump", 4),
            ("income_outlier", 2),
            ("duplicate_person", 2),  # a pair: one person in two households
            ("material_reused", 2),  # a pair: one survey form cited by both
            ("enrolment_frozen", 4),  # one village: warnings and applications, never enrolled
        ),
    ),
    # the still-monitored (47 a block): where the measure rules bite
    "monitored": (
        8,
        (
            ("illness_no_health_measure", 1),
            ("education_no_education_measure", 1),
            ("labor_no_developmental_measure", 1),
            ("guarantee_risk_mismatch", 1),
            ("measure_not_delivered", 1),
        ),
    ),
    # the eliminated but those without labour (848 a block)
    "eliminated": (
        100,
        (
            ("batch_elimination", 22),  # one worker, one afternoon
            ("identical_text", 7),  # one narrative pasted into each appraisal
            ("token_measures_only", 3),
            ("employment_no_wage", 3),
            ("disability_no_disabled", 3),
            ("lack_of_labor_claim", 3),
            ("quick_exit", 2),
        ),
    ),
    "eliminated_without_labor": (5, (("measure_no_worker", 1),)),
}
QUIRK_GROUP = {
    "registered": "registered",
    **{name: "monitored" for name in ("monitored_complete", "monitored_incomplete")},
    "exclusion_found": "monitored",
    "wrong_type": "monitored",
    **{
        name: "eliminated"
        for name in (
            "eliminated_complete",
            "eliminated_incomplete",
            "eliminated_below_floor",
            "eliminated_still_assisted",
        )
    },
    "eliminated_without_labor": "eliminated_without_labor",
}
"""The quirk group of each archetype (the others plant none)."""
