"""The configuration in force for one division, built from the merged settings that apply
to it."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ledger.domain.calendar import OFFICIAL_CALENDAR, WorkingDayCalendar
from ledger.domain.configuration import values as v
from ledger.domain.configuration.quality import QualityThresholds, thresholds
from ledger.domain.configuration.values import Alternatives, ConfigurationError, Period, Sourced
from ledger.domain.vocabulary import Department, MaterialKind, NoticeChannel

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
        "quality",
    }
)
_MATERIALS = frozenset(k.value for k in MaterialKind) | {"system_ref"}
_CHANNELS = frozenset(c.value for c in NoticeChannel)
_DEPARTMENTS = frozenset(d.value for d in Department)

Requirements = Sourced[tuple[Alternatives, ...]]


@dataclass(frozen=True)
class RulesConfig:
    """The configuration in force for one division. Steps and episode kinds are keys of
    their enums (``Step``, ``EpisodeKind``), typed by ``str`` so that plain names look them
    up as well."""

    version: str  # the file's version and the division override used, e.g. "2021.1@530925"
    division: str
    floors: Mapping[int, Sourced[Decimal]]
    notice_length: Sourced[int] | None
    notice_day_basis: Sourced[str] | None  # "working" or "calendar"
    notice_channels: Requirements | None
    materials: Mapping[str, Requirements]  # step -> requirements
    materials_by_kind: Mapping[str, Mapping[str, Requirements]]  # episode kind -> step -> …
    required_departments: Mapping[str, Sourced[tuple[str, ...]]]  # episode kind -> depts
    trigger_followup_days: Sourced[int]
    campaigns: Mapping[str, Mapping[str, Period]]
    quality: QualityThresholds  # CONTRACT §7.5's thresholds
    # The State Council's working days: the package's years and those the file supplies.
    calendar: WorkingDayCalendar = OFFICIAL_CALENDAR

    def floor(self, year: int) -> Decimal | None:
        """The monitoring floor (per-capita net income, yuan) of ``year``, never guessed."""
        setting = self.floors.get(year)
        return setting.value if setting else None

    def required_materials(self, kind: str, step: str) -> Requirements | None:
        """The trace materials a step of an episode of ``kind`` must carry."""
        return self.materials_by_kind.get(kind, {}).get(step) or self.materials.get(step)


def build(
    tree: dict[str, Any], version: str, division: str, calendar: WorkingDayCalendar
) -> RulesConfig:
    """The configuration of merged settings ``tree``, every value checked."""
    unknown = set(tree) - _SETTINGS
    if unknown:
        raise ConfigurationError(f"unknown settings {sorted(unknown)} (in {version})")
    days = tree.get("trigger_followup_days")
    if days is None:
        raise ConfigurationError("defaults.trigger_followup_days is required")
    materials = v.requirements(_MATERIALS)
    config = RulesConfig(
        version=version,
        division=division,
        floors=MappingProxyType(
            {
                v.year(year, "floors"): v.sourced(leaf, f"floors.{year}", v.decimal)
                for year, leaf in v.table(tree.get("floors", {}), "floors").items()
            }
        ),
        notice_length=v.optional(tree, "notice_length", v.positive_int),
        notice_day_basis=v.optional(tree, "notice_day_basis", v.day_basis),
        notice_channels=v.optional(tree, "notice_channels", v.requirements(_CHANNELS)),
        materials=v.steps(tree.get("materials", {}), "materials", materials),
        materials_by_kind=MappingProxyType(
            {
                v.episode_kind(kind, "materials_by_kind"): v.steps(
                    table, f"materials_by_kind.{kind}", materials
                )
                for kind, table in v.table(
                    tree.get("materials_by_kind", {}), "materials_by_kind"
                ).items()
            }
        ),
        required_departments=MappingProxyType(
            {
                v.episode_kind(kind, "required_departments"): v.sourced(
                    leaf, f"required_departments.{kind}", _departments
                )
                for kind, leaf in v.table(
                    tree.get("required_departments", {}), "required_departments"
                ).items()
            }
        ),
        trigger_followup_days=v.sourced(days, "trigger_followup_days", v.positive_int),
        campaigns=MappingProxyType(
            {
                str(name): v.campaign(steps, f"campaigns.{name}")
                for name, steps in v.table(tree.get("campaigns", {}), "campaigns").items()
            }
        ),
        quality=thresholds(tree.get("quality")),
        calendar=calendar,
    )
    if config.notice_length is not None and config.notice_day_basis is None:
        raise ConfigurationError(f"notice_length needs notice_day_basis (in {version})")
    return config


def _departments(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not set(value) <= _DEPARTMENTS:
        raise ConfigurationError(f"{where}: expected a list of departments of CONTRACT §1")
    return tuple(str(v) for v in value)
