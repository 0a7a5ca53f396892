"""What a group of facts shows across households (CONTRACT §7.5): the ``AF_*`` signals and
the two findings judged across households (``DQ_DUPLICATE_PERSON``, ``DQ_INCOME_OUTLIER``).

Pure: a group is every fact of one kind and key (all the incomes of a village's year, all
the citations of one file, …), judged with the configuration of the division its
households share; the read models call it for each group whose facts changed.

The calling contract (what the read models must do when the facts of kind K, key k change):

- call ``derive(owner(K), k, facts, configuration)`` with ``facts`` every fact of key k of
  every kind in ``group_kinds(owner(K))``, in any order;
- that call's result replaces whatever the group ``(owner(K), k)`` gave before: its
  findings, and its signals — those of code ``SIGNAL_OF[owner(K)]`` whose key is k or
  starts with "k/" (``is_signal_of``).

Every kind owns its own group but one pair: a village's triggers and enrolments
(``FactKind.TRIGGER`` and ``FactKind.ENROLMENT``, both keyed by the village code) are one
group owned by TRIGGER, since ``AF_ENROLMENT_FROZEN`` needs both: a change of either kind
re-derives ``(TRIGGER, village)`` with the facts of both kinds, so a village has one set
of signals. ``derive(ENROLMENT, …)`` gives nothing.
"""

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from ledger.domain.configuration import RulesConfiguration
from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.quality.codes import SignalCode
from ledger.domain.quality.duplicates import duplicate_person
from ledger.domain.quality.formalism import batch_elimination, identical_text, material_reused
from ledger.domain.quality.frozen import enrolment_frozen
from ledger.domain.quality.groups import ordered, thresholds_for
from ledger.domain.quality.model import Derived, Fact, FactKind
from ledger.domain.quality.outliers import income_outliers

GROUPED_WITH: Mapping[FactKind, FactKind] = MappingProxyType({FactKind.ENROLMENT: FactKind.TRIGGER})
"""A kind whose facts are judged in another kind's group (same key): that group's owner."""

SIGNAL_OF: Mapping[FactKind, SignalCode] = MappingProxyType(
    {
        FactKind.MATERIAL: SignalCode.AF_MATERIAL_REUSED,
        FactKind.ELIMINATION: SignalCode.AF_BATCH_ELIMINATION,
        FactKind.TEXT: SignalCode.AF_IDENTICAL_TEXT,
        FactKind.TRIGGER: SignalCode.AF_ENROLMENT_FROZEN,
    }
)
"""The signal each owning kind's groups may give (PERSON and INCOME give findings only)."""


def owner(kind: FactKind) -> FactKind:
    """The kind whose group a change of ``kind``'s facts re-derives."""
    return GROUPED_WITH.get(kind, kind)


def group_kinds(kind: FactKind) -> tuple[FactKind, ...]:
    """The kinds whose facts (of the same key) ``derive(kind, …)`` is given: the owner's
    own and every kind grouped with it; nothing for a kind grouped into another."""
    if kind in GROUPED_WITH:
        return ()
    return (kind, *sorted(k for k, into in GROUPED_WITH.items() if into is kind))


def is_signal_of(kind: FactKind, key: str, code: str, signal_key: str) -> bool:
    """Whether a stored signal was given by the group ``(kind, key)`` (replaced with it)."""
    return SIGNAL_OF.get(kind) == code and (signal_key == key or signal_key.startswith(f"{key}/"))


_Judge = Callable[[str, Sequence[Fact], QualityThresholds], Derived]
_JUDGES: Mapping[FactKind, _Judge] = MappingProxyType(
    {
        FactKind.PERSON: lambda _key, facts, _t: Derived(findings=duplicate_person(facts)),
        FactKind.INCOME: lambda key, facts, t: Derived(findings=income_outliers(key, facts, t)),
        FactKind.MATERIAL: lambda key, facts, t: Derived(material_reused(key, facts, t)),
        FactKind.ELIMINATION: lambda key, facts, t: Derived(batch_elimination(key, facts, t)),
        FactKind.TEXT: lambda key, facts, t: Derived(identical_text(key, facts, t)),
        FactKind.TRIGGER: lambda key, facts, t: Derived(enrolment_frozen(key, facts, t)),
    }
)


def derive(
    kind: FactKind, key: str, facts: Sequence[Fact], configuration: RulesConfiguration
) -> Derived:
    """The signals and cross-household findings of the group ``(kind, key)``, from every
    fact of it (see the module's calling contract; facts of other kinds or keys are left
    out, duplicates counted once, their order irrelevant). The thresholds are those of
    ``configuration.for_division(D)``, D the longest division prefix the villages of the
    group's facts share (``common_division``): a village's incomes or triggers use that
    village's settings, a group spanning counties their city's, and so on up."""
    judge = _JUDGES.get(kind)
    if judge is None:
        return Derived()
    kinds = group_kinds(kind)
    group = ordered(fact for fact in facts if fact.kind in kinds and fact.key == key)
    if not group:
        return Derived()
    derived = judge(key, group, thresholds_for(group, configuration))
    return Derived(
        signals=sorted(derived.signals, key=lambda s: (s.code, s.key)),
        findings=sorted(derived.findings, key=lambda f: (f[0], f[1].code, f[1].events)),
    )
