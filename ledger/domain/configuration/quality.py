"""The thresholds of the data-quality findings and formalism signals (CONTRACT §7.5), by
division like every other setting, each with its source.

The shipped file (``ledger/config/rules.toml``, ``[defaults.quality]``) sets every one with
the national rule it comes from; a file that leaves one out gets the contract's value,
its source saying so, so an older rules file still loads.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.domain.configuration import values as v
from ledger.domain.configuration.values import ConfigurationError, Parse, Sourced
from ledger.domain.vocabulary import MaterialKind


@dataclass(frozen=True)
class QualityThresholds:
    measure_not_delivered_days: Sourced[int]  # DQ_MEASURE_NOT_DELIVERED
    wage_month_max: Sourced[Decimal]  # DQ_WAGE_IMPLAUSIBLE, per working member per month
    wage_month_min: Sourced[Decimal]  # DQ_WAGE_IMPLAUSIBLE (when positive)
    income_outlier_z: Sourced[Decimal]  # DQ_INCOME_OUTLIER: modified z-score above
    income_outlier_min_surveys: Sourced[int]  # DQ_INCOME_OUTLIER: surveys in the group
    income_jump_ratio: Sourced[Decimal]  # DQ_INCOME_JUMP: more than this × the previous
    income_jump_months: Sourced[int]  # DQ_INCOME_JUMP: within this many months
    lack_of_labor_min_members: Sourced[int]  # DQ_LACK_OF_LABOR_CLAIM
    elderly_age: Sourced[int]  # DQ_AGE_LABOR: aged this or more with full labour
    working_age: Sourced[int]  # DQ_AGE_LABOR (under it), DQ_WORKING_AGE_NO_LABOR (from it)
    quick_exit_months: Sourced[int]  # DQ_QUICK_EXIT: the enrolment's month and this many
    batch_elimination_min: Sourced[int]  # AF_BATCH_ELIMINATION
    identical_text_min_chars: Sourced[int]  # AF_IDENTICAL_TEXT
    identical_text_min_households: Sourced[int]  # AF_IDENTICAL_TEXT
    enrolment_freeze_triggers: Sourced[int]  # AF_ENROLMENT_FROZEN
    enrolment_freeze_months: Sourced[int]  # AF_ENROLMENT_FROZEN
    household_material_kinds: Sourced[tuple[str, ...]]  # AF_MATERIAL_REUSED


def _non_negative_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{where}: expected a whole number, 0 or more")
    return value


def _positive_decimal(value: Any, where: str) -> Decimal:
    number = v.decimal(value, where)
    if number <= 0:
        raise ConfigurationError(f"{where}: expected a number above 0")
    return number


def _material_kinds(value: Any, where: str) -> tuple[str, ...]:
    kinds = {k.value for k in MaterialKind}
    if not isinstance(value, list) or not all(isinstance(k, str) and k in kinds for k in value):
        raise ConfigurationError(f"{where}: expected a list of material kinds of CONTRACT §1")
    return tuple(value)


_C = "CONTRACT §7.5"
# Each threshold: its parser and the contract's value with its source.
DEFAULTS: dict[str, tuple[Parse, Any, str]] = {
    "measure_not_delivered_days": (v.positive_int, 30, f"{_C} DQ_MEASURE_NOT_DELIVERED; 5_11_030"),
    "wage_month_max": (_positive_decimal, Decimal(30000), f"{_C} DQ_WAGE_IMPLAUSIBLE; 5_16_001"),
    "wage_month_min": (_positive_decimal, Decimal(100), f"{_C} DQ_WAGE_IMPLAUSIBLE; 5_16_002"),
    "income_outlier_z": (_positive_decimal, Decimal("3.5"), f"{_C} DQ_INCOME_OUTLIER"),
    "income_outlier_min_surveys": (v.positive_int, 10, f"{_C} DQ_INCOME_OUTLIER"),
    "income_jump_ratio": (_positive_decimal, Decimal(3), f"{_C} DQ_INCOME_JUMP"),
    "income_jump_months": (v.positive_int, 12, f"{_C} DQ_INCOME_JUMP"),
    "lack_of_labor_min_members": (v.positive_int, 4, f"{_C} DQ_LACK_OF_LABOR_CLAIM; 5_11_029"),
    "elderly_age": (v.positive_int, 60, f"{_C} DQ_AGE_LABOR; 2_12_005"),
    "working_age": (v.positive_int, 16, f"{_C} DQ_AGE_LABOR, DQ_WORKING_AGE_NO_LABOR; 2_12_014"),
    "quick_exit_months": (_non_negative_int, 1, f"{_C} DQ_QUICK_EXIT (Guizhou rule)"),
    "batch_elimination_min": (v.positive_int, 20, f"{_C} AF_BATCH_ELIMINATION"),
    "identical_text_min_chars": (v.positive_int, 20, f"{_C} AF_IDENTICAL_TEXT"),
    "identical_text_min_households": (v.positive_int, 5, f"{_C} AF_IDENTICAL_TEXT"),
    "enrolment_freeze_triggers": (v.positive_int, 3, f"{_C} AF_ENROLMENT_FROZEN"),
    "enrolment_freeze_months": (v.positive_int, 12, f"{_C} AF_ENROLMENT_FROZEN"),
    "household_material_kinds": (
        _material_kinds,
        [
            "survey_form",
            "income_sheet",
            "application_form",
            "authorization_letter",
            "consent_form",
            "elimination_assessment",
        ],
        f"{_C} AF_MATERIAL_REUSED",
    ),
}


def thresholds(tree: Any) -> QualityThresholds:
    """The ``quality`` settings merged for a division, each missing one at its default."""
    table = v.table(tree if tree is not None else {}, "quality")
    unknown = set(table) - set(DEFAULTS)
    if unknown:
        raise ConfigurationError(f"quality: unknown settings {sorted(unknown)}")
    values = {
        name: v.sourced(table[name], f"quality.{name}", parse)
        if name in table
        else Sourced(parse(default, f"quality.{name}"), f"{source} (default)")
        for name, (parse, default, source) in DEFAULTS.items()
    }
    return QualityThresholds(**values)
