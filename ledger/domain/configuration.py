"""The rules' configuration (规则配置): monitoring floors (监测底线) by year, the public
notice (公示) length and channels, trace materials (痕迹资料) per step, required
departments, the look-back's follow-up days and campaign deadlines — by division.

Nothing here is a constant in code: every value comes from the TOML file
(``ledger/config/rules.toml``), each with the ``source`` it was taken from. Operators override any
value per division code prefix (``[divisions."530925"]``); for one household the longest
matching prefix that sets a value wins, then shorter ones (the city, the province), then
``[defaults]``. ``[calendar."<year>"]`` supplies a year's official holiday arrangement
(national, so not per division) that the ``chinesecalendar`` package does not know yet
(``calendar.py``). ``RulesConfiguration.from_toml`` is pure; only ``load_default`` (through
``default_text``) reads a file.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ledger.domain.calendar import (
    OFFICIAL_CALENDAR,
    Arrangement,
    OfficialCalendar,
    WorkingDayCalendar,
)
from ledger.domain.episodes import ALL_STEPS, EPISODE_KINDS
from ledger.domain.vocabulary import Department, MaterialKind, NoticeChannel

T = TypeVar("T")
Alternatives = tuple[str, ...]
"""One requirement, met by any of these (written ``"survey_form|system_ref"``)."""

_DIVISION_LENGTHS = frozenset({2, 4, 6, 9, 12})  # province, city, county, township, village
_SETTINGS = frozenset(
    {
        "trigger_followup_days",
        "notice_length",
        "notice_day_basis",
        "notice_channels",
        "floors",
        "materials",
        "materials_by_kind",
        "required_departments",
        "campaigns",
    }
)
_MATERIALS = frozenset(k.value for k in MaterialKind) | {"system_ref"}
_CHANNELS = frozenset(c.value for c in NoticeChannel)
_DEPARTMENTS = frozenset(d.value for d in Department)


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


@dataclass(frozen=True)
class RulesConfig:
    """The configuration in force for one division."""

    version: str  # the file's version and the division override used, e.g. "2021.1@530925"
    division: str
    floors: Mapping[int, Sourced[Decimal]]
    notice_length: Sourced[int] | None
    notice_day_basis: Sourced[str] | None  # "working" or "calendar"
    notice_channels: Sourced[tuple[Alternatives, ...]] | None
    materials: Mapping[str, Sourced[tuple[Alternatives, ...]]]  # step -> requirements
    materials_by_kind: Mapping[str, Mapping[str, Sourced[tuple[Alternatives, ...]]]]
    required_departments: Mapping[str, Sourced[tuple[str, ...]]]  # episode kind -> depts
    trigger_followup_days: Sourced[int]
    campaigns: Mapping[str, Mapping[str, Period]]
    # The State Council's working days: the package's years and those the file supplies.
    calendar: WorkingDayCalendar = OFFICIAL_CALENDAR

    def floor(self, year: int) -> Decimal | None:
        """The monitoring floor (per-capita net income, yuan) of ``year``, never guessed."""
        setting = self.floors.get(year)
        return setting.value if setting else None

    def required_materials(self, kind: str, step: str) -> Sourced[tuple[Alternatives, ...]] | None:
        """The trace materials a step of an episode of ``kind`` must carry."""
        return self.materials_by_kind.get(kind, {}).get(step) or self.materials.get(step)


class RulesConfiguration:
    """The parsed rules file: defaults and per-division overrides."""

    def __init__(
        self,
        version: str,
        defaults: dict[str, Any],
        divisions: dict[str, dict[str, Any]],
        calendar: OfficialCalendar = OFFICIAL_CALENDAR,
    ) -> None:
        self.version = version
        self.calendar = calendar
        self._defaults = defaults
        self._divisions = divisions
        # Resolving is a merge and a parse of every value (~180 µs), and the projections
        # ask once per household. Both caches are filled on first use and never change:
        # one configuration per chain of matching overrides, then one copy of it per
        # division code asked for (a village each, sharing the chain's values).
        self._by_prefixes: dict[tuple[str, ...], RulesConfig] = {}
        self._by_code: dict[str, RulesConfig] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as parsed (for a rebuild's worker processes), without the caches.
        return (RulesConfiguration, (self.version, self._defaults, self._divisions, self.calendar))

    @classmethod
    def from_toml(cls, text: str) -> "RulesConfiguration":
        """Parses and checks the whole file: every division's configuration is built once,
        so a mistake anywhere fails here rather than on some household later."""
        try:
            document = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"not valid TOML: {error}") from error
        version = document.get("version")
        if not isinstance(version, str) or not version:
            raise ConfigurationError('the file needs a top-level version = "…"')
        unknown = set(document) - {"version", "defaults", "divisions", "calendar"}
        if unknown:
            raise ConfigurationError(f"unknown top-level keys: {sorted(unknown)}")
        defaults = _table(document.get("defaults", {}), "defaults")
        divisions = _table(document.get("divisions", {}), "divisions")
        for prefix, layer in divisions.items():
            if not prefix.isdigit() or len(prefix) not in _DIVISION_LENGTHS:
                raise ConfigurationError(
                    f"divisions.{prefix}: not a division code prefix (2, 4, 6, 9 or 12 digits)"
                )
            _table(layer, f"divisions.{prefix}")
        calendar = OfficialCalendar(
            {
                _year(year, "calendar"): _arrangement(year, arrangement)
                for year, arrangement in _table(document.get("calendar", {}), "calendar").items()
            }
        )
        configuration = cls(version, defaults, {p: dict(d) for p, d in divisions.items()}, calendar)
        configuration.for_division("")
        for prefix in divisions:
            configuration.for_division(prefix)
            configuration._check_floors_not_lowered(prefix)
        return configuration

    def prefixes(self, division: str) -> list[str]:
        """The division overrides that apply to ``division``, shortest first."""
        return sorted((p for p in self._divisions if division.startswith(p)), key=len)

    def for_division(self, division: str | None) -> RulesConfig:
        """The configuration in force for a village (or any division) code."""
        code = division or ""
        config = self._by_code.get(code)
        if config is None:
            prefixes = tuple(self.prefixes(code))
            chain = self._by_prefixes.get(prefixes)
            if chain is None:
                chain = self._by_prefixes[prefixes] = self._resolve(prefixes, code)
            config = self._by_code[code] = replace(chain, division=code)
        return config

    def _resolve(self, prefixes: tuple[str, ...], code: str) -> RulesConfig:
        merged = self._defaults
        for prefix in prefixes:
            merged = _merge(merged, self._divisions[prefix], f"divisions.{prefix}")
        used = prefixes[-1] if prefixes else "defaults"
        return _build(merged, f"{self.version}@{used}", code, self.calendar)

    def _check_floors_not_lowered(self, prefix: str) -> None:
        # 002 §二(二): 各州（市）…合理确定监测范围，但不得低于全省监测底线.
        own = self._divisions[prefix].get("floors", {})
        broader = self.for_division(prefix[:-1])
        for year, setting in own.items():
            inherited = broader.floor(_year(year, f"divisions.{prefix}.floors"))
            value = _decimal(
                _leaf(setting, f"divisions.{prefix}.floors.{year}")["value"],
                f"divisions.{prefix}.floors.{year}",
            )
            if inherited is not None and value < inherited:
                raise ConfigurationError(
                    f"divisions.{prefix}.floors.{year}: {value} is below the {inherited} of "
                    "the broader division (a city may set a higher floor, never a lower one)"
                )


# Merging: tables without a ``source`` are namespaces and merge key by key; a table with a
# ``source`` is one configured value and replaces the broader one whole.


def _is_leaf(value: Any) -> bool:
    return isinstance(value, dict) and "source" in value


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key == "name" and where.count(".") == 1:
            continue  # a division's human-readable name, not a setting
        if (
            isinstance(value, dict)
            and not _is_leaf(value)
            and isinstance(merged.get(key), dict)
            and not _is_leaf(merged[key])
        ):
            merged[key] = _merge(merged[key], value, f"{where}.{key}")
        else:
            merged[key] = value
    return merged


def _build(
    tree: dict[str, Any], version: str, division: str, calendar: WorkingDayCalendar
) -> RulesConfig:
    unknown = set(tree) - _SETTINGS
    if unknown:
        raise ConfigurationError(f"unknown settings {sorted(unknown)} (in {version})")
    days = tree.get("trigger_followup_days")
    if days is None:
        raise ConfigurationError("defaults.trigger_followup_days is required")
    config = RulesConfig(
        version=version,
        division=division,
        floors=MappingProxyType(
            {
                _year(year, "floors"): _sourced(leaf, f"floors.{year}", _decimal)
                for year, leaf in _table(tree.get("floors", {}), "floors").items()
            }
        ),
        notice_length=_optional(tree, "notice_length", _positive_int),
        notice_day_basis=_optional(tree, "notice_day_basis", _basis),
        notice_channels=_optional(tree, "notice_channels", _requirements(_CHANNELS)),
        materials=_steps(tree.get("materials", {}), "materials"),
        materials_by_kind=MappingProxyType(
            {
                _kind(kind, "materials_by_kind"): _steps(table, f"materials_by_kind.{kind}")
                for kind, table in _table(
                    tree.get("materials_by_kind", {}), "materials_by_kind"
                ).items()
            }
        ),
        required_departments=MappingProxyType(
            {
                _kind(kind, "required_departments"): _sourced(
                    leaf, f"required_departments.{kind}", _departments
                )
                for kind, leaf in _table(
                    tree.get("required_departments", {}), "required_departments"
                ).items()
            }
        ),
        trigger_followup_days=_sourced(days, "trigger_followup_days", _positive_int),
        campaigns=MappingProxyType(
            {
                str(name): _campaign(steps, f"campaigns.{name}")
                for name, steps in _table(tree.get("campaigns", {}), "campaigns").items()
            }
        ),
        calendar=calendar,
    )
    if config.notice_length is not None and config.notice_day_basis is None:
        raise ConfigurationError(f"notice_length needs notice_day_basis (in {version})")
    return config


# Checking one value at a time, each error naming its key.


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or _is_leaf(value):
        raise ConfigurationError(f"{where}: expected a table of settings")
    return value


def _leaf(value: Any, where: str) -> dict[str, Any]:
    if not _is_leaf(value):
        raise ConfigurationError(
            f'{where}: every value needs its source, e.g. {{ value = …, source = "002 §三(四)" }}'
        )
    if not isinstance(value["source"], str) or not value["source"].strip():
        raise ConfigurationError(f"{where}.source: must name the document and section")
    return dict(value)


def _sourced(value: Any, where: str, parse: Any) -> Sourced[Any]:
    leaf = _leaf(value, where)
    extra = set(leaf) - {"value", "source"}
    if "value" not in leaf or extra:
        raise ConfigurationError(f"{where}: expected exactly value and source")
    return Sourced(parse(leaf["value"], f"{where}.value"), leaf["source"])


def _optional(tree: dict[str, Any], key: str, parse: Any) -> Sourced[Any] | None:
    return None if key not in tree else _sourced(tree[key], key, parse)


def _year(key: str, where: str) -> int:
    if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
        raise ConfigurationError(f"{where}.{key}: a year is four digits")
    return int(key)


def _kind(key: str, where: str) -> str:
    if key not in EPISODE_KINDS:
        raise ConfigurationError(f"{where}.{key}: not an episode kind {EPISODE_KINDS}")
    return key


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise ConfigurationError(f"{where}: expected a number of yuan ≥ 0")
    return Decimal(value)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{where}: expected a whole number ≥ 1")
    return value


def _basis(value: Any, where: str) -> str:
    if value not in ("working", "calendar"):
        raise ConfigurationError(f'{where}: expected "working" or "calendar"')
    return str(value)


def _requirements(allowed: frozenset[str]) -> Any:
    def parse(value: Any, where: str) -> tuple[Alternatives, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{where}: expected a list of strings")
        parsed = tuple(tuple(v.split("|")) for v in value)
        wrong = sorted({a for alternatives in parsed for a in alternatives} - allowed)
        if wrong:
            raise ConfigurationError(f"{where}: unknown {wrong}; allowed: {sorted(allowed)}")
        return parsed

    return parse


def _steps(value: Any, where: str) -> Mapping[str, Sourced[tuple[Alternatives, ...]]]:
    steps = {}
    for step, leaf in _table(value, where).items():
        if step not in ALL_STEPS:
            raise ConfigurationError(f"{where}.{step}: not a step of any episode")
        steps[step] = _sourced(leaf, f"{where}.{step}", _requirements(_MATERIALS))
    return MappingProxyType(steps)


def _departments(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not set(value) <= _DEPARTMENTS:
        raise ConfigurationError(f"{where}: expected a list of departments of CONTRACT §1")
    return tuple(str(v) for v in value)


def _campaign(value: Any, where: str) -> Mapping[str, Period]:
    periods = {}
    for step, raw in _table(value, where).items():
        leaf = _leaf(raw, f"{where}.{step}")
        start, end = leaf.get("start"), leaf.get("end")
        if (
            set(leaf) - {"start", "end", "source"}
            or not isinstance(end, date)
            or not (start is None or _is_date(start))
            or not _is_date(end)
            or (start is not None and start > end)
        ):
            raise ConfigurationError(
                f"{where}.{step}: expected end = YYYY-MM-DD (and "
                "optionally an earlier start) with its source"
            )
        periods[step] = Period(start, end, leaf["source"])
    return MappingProxyType(periods)


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not hasattr(value, "hour")


def _arrangement(year: str, value: Any) -> Arrangement:
    """``[calendar."2027"]``: ``source``, ``holidays`` and ``working_days`` (make-up days),
    each a list of dates or of ``[first, last]`` periods (both days included)."""
    where = f"calendar.{year}"
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: expected a table of source, holidays and working_days")
    table = dict(value)
    unknown = set(table) - {"source", "holidays", "working_days"}
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown keys {sorted(unknown)}; expected source, holidays and working_days"
        )
    source = table.get("source")
    if not isinstance(source, str):
        raise ConfigurationError(
            f"{where}.source: name the State Council notice (e.g. 国办发明电〔…〕N号)"
        )
    arrangement = Arrangement(
        int(year),
        _days(table.get("holidays", []), f"{where}.holidays"),
        _days(table.get("working_days", []), f"{where}.working_days"),
        source,
    )
    problems = arrangement.problems()
    if problems:
        raise ConfigurationError(f"{where}: {'; '.join(problems)}")
    return arrangement


def _days(value: Any, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise ConfigurationError(f"{where}: expected a list of dates or [first, last] periods")
    days: set[date] = set()
    for item in value:
        first, last = (item, item) if not isinstance(item, list) or len(item) != 2 else item
        if not (_is_date(first) and _is_date(last)) or first > last:
            raise ConfigurationError(
                f"{where}: {item!r} is not a date (YYYY-MM-DD) or a [first, last] period"
            )
        days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(days)
