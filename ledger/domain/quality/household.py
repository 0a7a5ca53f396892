"""The findings judged on one household (CONTRACT §7.5 ``DQ_*``, all but the two judged
across households), and the facts of it that the cross-household checks group by.

Pure: from the household's events, its state, the configuration in force for its village
and its opened personal values (``Openings``: ID numbers and birth dates are commitments
in the events).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.domain.configuration import RulesConfig
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.domain.quality.model import Fact, Finding, Openings


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
    return HouseholdQuality()
