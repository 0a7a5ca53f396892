"""Data-quality findings (``DQ_*``) and formalism signals (``AF_*``), CONTRACT §7.5: prompts
to check, never verdicts. ``codes.py`` names them, ``household.py`` judges one household,
``signals.py`` a group of households' facts; thresholds are in the rules configuration
(``ledger.domain.configuration.quality``)."""

from ledger.domain.quality.codes import CROSS_HOUSEHOLD_FINDINGS, FindingCode, SignalCode
from ledger.domain.quality.household import HouseholdQuality, assess_quality
from ledger.domain.quality.model import (
    NO_OPENINGS,
    Derived,
    Fact,
    FactKind,
    Finding,
    Openings,
    Signal,
    common_division,
)
from ledger.domain.quality.signals import derive

__all__ = [
    "CROSS_HOUSEHOLD_FINDINGS",
    "NO_OPENINGS",
    "Derived",
    "Fact",
    "FactKind",
    "Finding",
    "FindingCode",
    "HouseholdQuality",
    "Openings",
    "Signal",
    "SignalCode",
    "assess_quality",
    "common_division",
    "derive",
]
