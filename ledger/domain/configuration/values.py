"""Checking the rules file's values one at a time, each error naming its key."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ledger.domain.calendar import Arrangement
from ledger.domain.procedure import ALL_STEPS, EpisodeKind, Step

T = TypeVar("T")
Alternatives = tuple[str, ...]
"""One requirement, met by any of these (written ``"survey_form|system_ref"``)."""
Parse = Callable[[Any, str], Any]
"""Checks one value found at a key (named in errors) and gives it parsed."""


class ConfigurationError(ValueError):
    """The rules file is malformed; the message names the key."""


@dataclass(frozen=True)
class Sourced(Generic[T]):
    """A configured value and the document it was taken from."""

    value: T
    source: str


@dataclass(frozen=True)
class Period:
    """A campaign step: from ``start`` (if given) to ``end``, both included."""

    start: date | None
    end: date
    source: str


def is_leaf(value: Any) -> bool:
    """A table with a ``source`` is one configured value; other tables are namespaces."""
    return isinstance(value, dict) and "source" in value


def table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or is_leaf(value):
        raise ConfigurationError(f"{where}: expected a table of settings")
    return value


def leaf(value: Any, where: str) -> dict[str, Any]:
    if not is_leaf(value):
        raise ConfigurationError(
            f'{where}: every value needs its source, e.g. {{ value = …, source = "002 §三(四)" }}'
        )
    if not isinstance(value["source"], str) or not value["source"].strip():
        raise ConfigurationError(f"{where}.source: must name the document and section")
    return dict(value)


def sourced(value: Any, where: str, parse: Parse) -> Sourced[Any]:
    checked = leaf(value, where)
    extra = set(checked) - {"value", "source"}
    if "value" not in checked or extra:
        raise ConfigurationError(f"{where}: expected exactly value and source")
    return Sourced(parse(checked["value"], f"{where}.value"), checked["source"])


def optional(tree: dict[str, Any], key: str, parse: Parse) -> Sourced[Any] | None:
    return None if key not in tree else sourced(tree[key], key, parse)


def year(key: str, where: str) -> int:
    if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
        raise ConfigurationError(f"{where}.{key}: a year is four digits")
    return int(key)


_KINDS = tuple(k.value for k in EpisodeKind)


def episode_kind(key: str, where: str) -> EpisodeKind:
    if key not in _KINDS:
        raise ConfigurationError(f"{where}.{key}: not an episode kind {_KINDS}")
    return EpisodeKind(key)


def decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise ConfigurationError(f"{where}: expected a number of yuan ≥ 0")
    return Decimal(value)


def positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{where}: expected a whole number ≥ 1")
    return value


def day_basis(value: Any, where: str) -> str:
    if value not in ("working", "calendar"):
        raise ConfigurationError(f'{where}: expected "working" or "calendar"')
    return str(value)


def requirements(allowed: frozenset[str]) -> Parse:
    """Lists of requirements, each of alternatives written ``"a|b"``, drawn from ``allowed``."""

    def parse(value: Any, where: str) -> tuple[Alternatives, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{where}: expected a list of strings")
        parsed = tuple(tuple(v.split("|")) for v in value)
        wrong = sorted({a for alternatives in parsed for a in alternatives} - allowed)
        if wrong:
            raise ConfigurationError(f"{where}: unknown {wrong}; allowed: {sorted(allowed)}")
        return parsed

    return parse


_STEPS = sorted(step.value for step in ALL_STEPS)


def steps(value: Any, where: str, parse: Parse) -> Mapping[str, Sourced[Any]]:
    """A table by step of the procedure: each key checked into a ``Step``."""
    found: dict[str, Sourced[Any]] = {}
    for name, setting in table(value, where).items():
        if name not in _STEPS:
            raise ConfigurationError(
                f"{where}.{name}: not a step of any episode; the steps: {', '.join(_STEPS)}"
            )
        found[Step(name)] = sourced(setting, f"{where}.{name}", parse)
    return MappingProxyType(found)


def campaign(value: Any, where: str) -> Mapping[str, Period]:
    periods = {}
    for step, raw in table(value, where).items():
        checked = leaf(raw, f"{where}.{step}")
        start, end = checked.get("start"), checked.get("end")
        if (
            set(checked) - {"start", "end", "source"}
            or not isinstance(end, date)
            or not (start is None or is_date(start))
            or not is_date(end)
            or (start is not None and start > end)
        ):
            raise ConfigurationError(
                f"{where}.{step}: expected end = YYYY-MM-DD (and "
                "optionally an earlier start) with its source"
            )
        periods[step] = Period(start, end, checked["source"])
    return MappingProxyType(periods)


def is_date(value: Any) -> bool:
    return isinstance(value, date) and not hasattr(value, "hour")


def arrangement(year: str, value: Any) -> Arrangement:
    """``[calendar."2027"]``: ``source``, ``holidays`` and ``working_days`` (make-up days),
    each a list of dates or of ``[first, last]`` periods (both days included)."""
    where = f"calendar.{year}"
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: expected a table of source, holidays and working_days")
    given = dict(value)
    unknown = set(given) - {"source", "holidays", "working_days"}
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {sorted(unknown)}; expected source, holidays and working_days"
        )
    source = given.get("source")
    if not isinstance(source, str):
        raise ConfigurationError(
            f"{where}.source: name the State Council notice (e.g. 国办发明电〔…〕N号)"
        )
    found = Arrangement(
        int(year),
        _days(given.get("holidays", []), f"{where}.holidays"),
        _days(given.get("working_days", []), f"{where}.working_days"),
        source,
    )
    problems = found.problems()
    if problems:
        raise ConfigurationError(f"{where}: {'; '.join(problems)}")
    return found


def _days(value: Any, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise ConfigurationError(f"{where}: expected a list of dates or [first, last] periods")
    days: set[date] = set()
    for item in value:
        first, last = (item, item) if not isinstance(item, list) or len(item) != 2 else item
        if not (is_date(first) and is_date(last)) or first > last:
            raise ConfigurationError(
                f"{where}: {item!r} is not a date (YYYY-MM-DD) or a [first, last] period"
            )
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(days)
