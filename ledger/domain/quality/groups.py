"""What every cross-household check needs of a group of facts: a fixed order, its
households and events as a signal lists them, the thresholds in force, dates in words.

The facts come in whatever order the read models fetched them; every check starts from
``ordered`` so a group gives the same result live and after a rebuild.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from ledger.domain.configuration import RulesConfiguration
from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.quality.model import Fact, common_division


def _sort_key(fact: Fact) -> tuple[str, ...]:
    day = fact.day.isoformat() if fact.day is not None else ""
    return (
        fact.household_id,
        fact.event_id,
        fact.kind,
        fact.key,
        fact.value,
        fact.village_code,
        day,
    )


def ordered(facts: Iterable[Fact]) -> list[Fact]:
    """The distinct facts in one fixed order (household, event, then every other field)."""
    return sorted(set(facts), key=_sort_key)


def households_of(facts: Iterable[Fact]) -> tuple[tuple[str, str], ...]:
    """``(household id, village code)`` by id, once each. A household's facts are written
    together from its current state, so they name one village; should they not, the
    greatest code is kept, to stay independent of order."""
    villages: dict[str, str] = {}
    for fact in facts:
        villages[fact.household_id] = max(villages.get(fact.household_id, ""), fact.village_code)
    return tuple(sorted(villages.items()))


def events_of(facts: Iterable[Fact]) -> tuple[str, ...]:
    return tuple(sorted({fact.event_id for fact in facts}))


def division_of(facts: Iterable[Fact]) -> str:
    """The longest division prefix the facts' villages share (CONTRACT §7.5)."""
    return common_division([village for _, village in households_of(facts)])


def thresholds_for(facts: Sequence[Fact], configuration: RulesConfiguration) -> QualityThresholds:
    """The thresholds of the division the group's households share: an override for a
    county applies to a group lying wholly inside it; a group spanning counties is judged
    with their city's (or province's, or the defaults') values."""
    return configuration.for_division(division_of(facts)).quality


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def listed(values: Iterable[str]) -> str:
    return ", ".join(values)


def listed_zh(values: Iterable[str]) -> str:
    return "、".join(values)
