"""What a group of facts shows across households (CONTRACT §7.5): the ``AF_*`` signals and
the two findings judged across households (``DQ_DUPLICATE_PERSON``, ``DQ_INCOME_OUTLIER``).

Pure: a group is every fact of one kind and key (all the incomes of a village's year, all
the citations of one file, …), judged with the configuration of the division its
households share; the read models call it for each group whose facts changed.
"""

from collections.abc import Sequence

from ledger.domain.configuration import RulesConfiguration
from ledger.domain.quality.model import Derived, Fact, FactKind


def group_kinds(kind: FactKind) -> tuple[FactKind, ...]:
    """The kinds of facts judged together with ``kind`` under one key, the first naming
    the group: a village's triggers and enrolments (AF_ENROLMENT_FROZEN)."""
    if kind in (FactKind.TRIGGER, FactKind.ENROLMENT):
        return (FactKind.TRIGGER, FactKind.ENROLMENT)
    return (kind,)


def derive(
    kind: FactKind, key: str, facts: Sequence[Fact], configuration: RulesConfiguration
) -> Derived:
    """The signals and cross-household findings of the group ``(kind, key)``."""
    return Derived()
