"""The parsed rules file: defaults and per-division overrides, merged for a division."""

import tomllib
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ledger.domain.calendar import OFFICIAL_CALENDAR, OfficialCalendar
from ledger.domain.configuration import values as v
from ledger.domain.configuration.rules_config import RulesConfig, build
from ledger.domain.configuration.values import ConfigurationError

_DIVISION_LENGTHS = frozenset({2, 4, 6, 9, 12})  # province, city, county, township, village


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
        defaults = v.table(document.get("defaults", {}), "defaults")
        divisions = v.table(document.get("divisions", {}), "divisions")
        for prefix, layer in divisions.items():
            if not prefix.isdigit() or len(prefix) not in _DIVISION_LENGTHS:
                raise ConfigurationError(
                    f"divisions.{prefix}: not a division code prefix (2, 4, 6, 9 or 12 digits)"
                )
            v.table(layer, f"divisions.{prefix}")
        calendar = OfficialCalendar(
            {
                v.year(year, "calendar"): v.arrangement(year, arrangement)
                for year, arrangement in v.table(document.get("calendar", {}), "calendar").items()
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
        return build(merged, f"{self.version}@{used}", code, self.calendar)

    def _check_floors_not_lowered(self, prefix: str) -> None:
        # 002 §二(二): 各州（市）…合理确定监测范围，但不得低于全省监测底线.
        own = self._divisions[prefix].get("floors", {})
        broader = self.for_division(prefix[:-1])
        for year, setting in own.items():
            inherited = broader.floor(v.year(year, f"divisions.{prefix}.floors"))
            value = v.decimal(
                v.leaf(setting, f"divisions.{prefix}.floors.{year}")["value"],
                f"divisions.{prefix}.floors.{year}",
            )
            if inherited is not None and value < inherited:
                raise ConfigurationError(
                    f"divisions.{prefix}.floors.{year}: {value} is below the {inherited} of "
                    "the broader division (a city may set a higher floor, never a lower one)"
                )


# Merging: tables without a ``source`` are namespaces and merge key by key; a table with a
# ``source`` is one configured value and replaces the broader one whole.


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key == "name" and where.count(".") == 1:
            continue  # a division's human-readable name, not a setting
        if (
            isinstance(value, dict)
            and not v.is_leaf(value)
            and isinstance(merged.get(key), dict)
            and not v.is_leaf(merged[key])
        ):
            merged[key] = _merge(merged[key], value, f"{where}.{key}")
        else:
            merged[key] = value
    return merged
