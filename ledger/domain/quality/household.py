"""The findings judged on one household (CONTRACT §7.5 ``DQ_*``, all but the two judged
across households), and the facts of it that the cross-household checks group by.

Pure: from the household's events, its state, the configuration in force for its village
and its opened personal values (``Openings``: ID numbers and birth dates are commitments
in the events). The rules are in ``members``, ``labour``, ``risks``, ``measures``,
``delivery`` and ``incomes``, what they read in ``context``, the facts in ``facts``. A
finding that depends on the reference date (an age counted at it, a deadline) carries
the window of dates at which it holds, so the read models store it once.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ledger.domain.configuration import RulesConfig
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.domain.quality import delivery, incomes, labour, measures, members, risks
from ledger.domain.quality.context import Context
from ledger.domain.quality.facts import facts
from ledger.domain.quality.model import Fact, Finding, Openings

Rule = Callable[[Context], Iterable[Finding]]

RULES: tuple[Rule, ...] = (
    members.id_mismatches,  # DQ_ID_BIRTH_MISMATCH, DQ_ID_SEX_MISMATCH
    members.head_count,
    members.head_spouse_same_sex,
    labour.age_labor,
    labour.working_age_no_labor,
    risks.disability_without_disabled,
    measures.illness_without_health_measure,
    measures.education_without_education_measure,
    risks.guarantee_risk_mismatch,
    measures.labor_without_developmental_measure,
    measures.token_measures_only,
    measures.measure_without_worker,
    delivery.employment_without_wage,
    risks.lack_of_labor_claim,
    delivery.not_delivered,
    risks.quick_exit,
    incomes.wage_implausible,
    incomes.income_jump,
)
"""The rules in the order of CONTRACT §7.5's table."""


@dataclass(frozen=True)
class HouseholdQuality:
    findings: list[Finding] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


def assess_quality(
    household_id: str,
    events: Sequence[HouseholdEvent],
    state: Household,
    config: RulesConfig,
    openings: Openings,
) -> HouseholdQuality:
    """The household's own findings (each with its window) and its facts."""
    ctx = Context.of(household_id, events, state, config, openings)
    return HouseholdQuality([f for rule in RULES for f in rule(ctx)], facts(ctx))
