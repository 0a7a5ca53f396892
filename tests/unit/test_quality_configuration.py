"""The quality thresholds (CONTRACT §7.5) in the rules configuration: the contract's values
when a file leaves them out, each by division with its source, bad ones refused by key."""

from decimal import Decimal

import pytest

from ledger.config import load_default
from ledger.domain.configuration import ConfigurationError, RulesConfiguration
from ledger.domain.configuration.quality import DEFAULTS, thresholds

SHUANGJIANG_VILLAGE = "530925101201"
BEIJING_VILLAGE = "110101001001"

MINIMAL = """
version = "t1"
[defaults]
trigger_followup_days = { value = 30, source = "CONTRACT §3" }
"""


def configured(extra: str = "") -> RulesConfiguration:
    return RulesConfiguration.from_toml(MINIMAL + extra)


def test_a_file_without_quality_settings_gets_the_contracts_values_marked_as_defaults() -> None:
    quality = configured().for_division(BEIJING_VILLAGE).quality
    assert quality.income_outlier_z.value == Decimal("3.5")
    assert quality.income_outlier_min_surveys.value == 10
    assert quality.batch_elimination_min.value == 20
    assert quality.identical_text_min_chars.value == 20
    assert quality.identical_text_min_households.value == 5
    assert quality.enrolment_freeze_triggers.value == 3
    assert quality.enrolment_freeze_months.value == 12
    assert quality.measure_not_delivered_days.value == 30
    assert quality.quick_exit_months.value == 1
    assert "survey_form" in quality.household_material_kinds.value
    assert "minutes" not in quality.household_material_kinds.value
    assert quality.batch_elimination_min.source.endswith("(default)")
    assert "CONTRACT §7.5" in quality.batch_elimination_min.source


def test_the_packaged_file_sets_every_threshold_with_its_own_source() -> None:
    quality = load_default().for_division(SHUANGJIANG_VILLAGE).quality
    for name in DEFAULTS:
        setting = getattr(quality, name)
        assert not setting.source.endswith("(default)"), name
        assert setting.source.strip(), name
    assert quality.wage_month_max.value == Decimal(30000)
    assert "5_16_001" in quality.wage_month_max.source


def test_a_division_overrides_one_threshold_and_inherits_the_others() -> None:
    configuration = configured(
        '[divisions."530925".quality]\n'
        'batch_elimination_min = { value = 5, source = "county notice" }\n'
    )
    county = configuration.for_division(SHUANGJIANG_VILLAGE).quality
    assert county.batch_elimination_min.value == 5
    assert county.batch_elimination_min.source == "county notice"
    assert county.identical_text_min_households.value == 5
    assert configuration.for_division(BEIJING_VILLAGE).quality.batch_elimination_min.value == 20


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ('income_outlier_z = { value = 0, source = "x" }', "quality.income_outlier_z"),
        ('income_outlier_z = { value = "high", source = "x" }', "quality.income_outlier_z"),
        ('batch_elimination_min = { value = 0, source = "x" }', "quality.batch_elimination_min"),
        ('batch_elimination_min = { value = 2.5, source = "x" }', "quality.batch_elimination_min"),
        ('quick_exit_months = { value = -1, source = "x" }', "quality.quick_exit_months"),
        ('quick_exit_months = { value = true, source = "x" }', "quality.quick_exit_months"),
        ("enrolment_freeze_months = 12", "quality.enrolment_freeze_months"),
        (
            'household_material_kinds = { value = ["survey_form", "selfie"], source = "x" }',
            "quality.household_material_kinds",
        ),
        (
            'household_material_kinds = { value = "survey_form", source = "x" }',
            "quality.household_material_kinds",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(setting: str, key: str) -> None:
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        configured(f"[defaults.quality]\n{setting}\n")


def test_a_bad_value_in_a_division_is_refused_too() -> None:
    with pytest.raises(ConfigurationError, match="batch_elimination_min"):
        configured(
            '[divisions."530925".quality]\nbatch_elimination_min = { value = -3, source = "x" }\n'
        )


def test_an_unknown_quality_setting_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="batch_eliminations_min"):
        configured('[defaults.quality]\nbatch_eliminations_min = { value = 3, source = "x" }\n')


def test_thresholds_of_nothing_are_all_defaults() -> None:
    assert thresholds(None) == thresholds({})
    assert thresholds(None).enrolment_freeze_triggers.value == 3
