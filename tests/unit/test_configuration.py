"""The rules configuration: values by year and division, each with its source."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.config import default_text, load_default
from ledger.domain.configuration import (
    ConfigurationError,
    RulesConfiguration,
)
from ledger.domain.procedure import EpisodeKind, Step

SHUANGJIANG_VILLAGE = "530925101201"
OTHER_YUNNAN_VILLAGE = "530921100200"  # another county of Lincang
KUNMING_VILLAGE = "530102001001"
BEIJING_VILLAGE = "110101001001"

MINIMAL = """
version = "t1"
[defaults]
trigger_followup_days = { value = 30, source = "CONTRACT §3" }
"""


def configured(extra: str) -> RulesConfiguration:
    return RulesConfiguration.from_toml(MINIMAL + extra)


def test_the_packaged_file_parses_and_names_its_version_and_the_override_used() -> None:
    configuration = load_default()
    assert configuration.version == "2021.1"
    assert configuration.for_division(SHUANGJIANG_VILLAGE).version == "2021.1@530925"
    assert configuration.for_division(OTHER_YUNNAN_VILLAGE).version == "2021.1@5309"
    assert configuration.for_division(KUNMING_VILLAGE).version == "2021.1@53"
    assert configuration.for_division(BEIJING_VILLAGE).version == "2021.1@defaults"


def test_yunnans_floors_are_those_given_and_no_other_year_is_guessed() -> None:
    config = load_default().for_division(SHUANGJIANG_VILLAGE)
    assert {year: config.floor(year) for year in range(2019, 2027)} == {
        2019: None,
        2020: Decimal(6000),
        2021: Decimal(6000),
        2022: None,
        2023: Decimal(8050),
        2024: None,
        2025: Decimal(8700),
        2026: None,
    }
    assert "002 §二(二)" in config.floors[2020].source
    assert load_default().for_division(BEIJING_VILLAGE).floor(2021) is None


def test_yunnans_notice_is_five_working_days_on_the_group_board_and_the_platform() -> None:
    config = load_default().for_division(SHUANGJIANG_VILLAGE)
    assert config.notice_length is not None
    assert config.notice_length.value == 5
    assert config.notice_day_basis is not None
    assert config.notice_day_basis.value == "working"
    assert config.notice_channels is not None
    assert config.notice_channels.value == (("group_board",), ("rescue_platform",))
    assert "002 §三(四)" in config.notice_channels.source


def test_the_defaults_hold_the_contracts_materials_departments_and_follow_up_days() -> None:
    config = load_default().for_division(BEIJING_VILLAGE)
    assert config.trigger_followup_days.value == 30
    assert config.notice_length is None
    assert config.required_departments["identification"].value == ()
    survey = config.required_materials("identification", "field_survey")
    assert survey is not None
    assert survey.value == (("survey_form", "system_ref"), ("income_sheet",))
    elimination = config.required_materials("elimination", "field_survey")
    assert elimination is not None
    assert ("elimination_assessment",) in elimination.value
    appraisal = config.required_materials("elimination", "appraisal")
    assert appraisal is not None
    assert appraisal.value == (("minutes",), ("sign_in_sheet",))
    assert config.required_materials("identification", "township_review") is None


def test_campaign_deadlines_come_from_the_longest_matching_prefix_step_by_step() -> None:
    shuangjiang = load_default().for_division(SHUANGJIANG_VILLAGE).campaigns["2021"]
    assert shuangjiang["plan_and_training"].end == date(2021, 10, 20)  # county, not city
    assert shuangjiang["data_entry"].start == date(2021, 11, 15)
    assert shuangjiang["data_entry"].end == date(2021, 11, 30)
    assert shuangjiang["income_period"].start == date(2020, 10, 1)  # from the province
    lincang = load_default().for_division(OTHER_YUNNAN_VILLAGE).campaigns["2021"]
    assert lincang["plan_and_training"].end == date(2021, 10, 18)
    assert "department_comparison" not in lincang


def test_every_value_in_the_packaged_file_names_its_source() -> None:
    config = load_default().for_division(SHUANGJIANG_VILLAGE)
    sourced = [
        *config.floors.values(),
        config.notice_length,
        config.notice_day_basis,
        config.notice_channels,
        config.trigger_followup_days,
        *config.materials.values(),
        *config.required_departments.values(),
        *(p for c in config.campaigns.values() for p in c.values()),
    ]
    assert all(s is not None and s.source.strip() for s in sourced)


def test_the_longest_matching_prefix_wins_then_the_province_then_the_defaults() -> None:
    configuration = configured("""
[divisions."53"]
floors = { 2021 = { value = 6000, source = "002" } }
trigger_followup_days = { value = 20, source = "province" }
[divisions."530925"]
floors = { 2021 = { value = 6500, source = "county" } }
""")
    county = configuration.for_division(SHUANGJIANG_VILLAGE)
    assert county.floor(2021) == Decimal(6500)
    assert county.trigger_followup_days.value == 20
    assert configuration.for_division(OTHER_YUNNAN_VILLAGE).floor(2021) == Decimal(6000)
    assert configuration.for_division(BEIJING_VILLAGE).trigger_followup_days.value == 30


def test_a_city_may_not_set_a_floor_below_the_provinces() -> None:
    with pytest.raises(ConfigurationError, match="below"):
        configured("""
[divisions."53"]
floors = { 2021 = { value = 6000, source = "002" } }
[divisions."5309"]
floors = { 2021 = { value = 5500, source = "city" } }
""")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[divisions."53"]\nnotice_length = 5\n', "source"),
        ('[divisions."53"]\nnotice_length = { value = 5, source = "" }\n', "source"),
        ('[divisions."53"]\nnotice_length = { value = 5, source = "x" }\n', "notice_day_basis"),
        ('[divisions."53"]\nnotice_channels = { value = ["wechat"], source = "x" }\n', "wechat"),
        ('[divisions."53"]\nfloors = { 21 = { value = 6000, source = "x" } }\n', "four digits"),
        ('[divisions."53"]\nfloors = { 2021 = { value = -1, source = "x" } }\n', "yuan"),
        ('[divisions."5"]\n', "prefix"),
        ('[divisions."53"]\nnotice_lenght = { value = 5, source = "x" }\n', "unknown"),
        ('[defaults.materials]\nnotice = { value = ["selfie"], source = "x" }\n', "selfie"),
        ('[defaults.materials]\nvoting = { value = ["minutes"], source = "x" }\n', "step"),
        (
            '[defaults.required_departments]\nexit = { value = ["army"], source = "x" }\n',
            "departments",
        ),
        (
            '[divisions."53".campaigns."2021"]\nx = { start = 2021-12-01, end = 2021-11-01, '
            'source = "x" }\n',
            "end",
        ),
        ("surprise = 1\n", "unknown"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        configured(extra)


def test_a_file_without_a_version_or_follow_up_days_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="version"):
        RulesConfiguration.from_toml("[defaults]\n")
    with pytest.raises(ConfigurationError, match="trigger_followup_days"):
        RulesConfiguration.from_toml('version = "x"\n')
    with pytest.raises(ConfigurationError, match="TOML"):
        RulesConfiguration.from_toml("version = ")


def test_parsing_is_pure_text_in_and_the_same_configuration_out() -> None:
    text = default_text()
    first = RulesConfiguration.from_toml(text).for_division(SHUANGJIANG_VILLAGE)
    second = RulesConfiguration.from_toml(text).for_division(SHUANGJIANG_VILLAGE)
    assert first == second


def test_the_steps_and_episode_kinds_the_file_names_are_read_into_their_enums() -> None:
    config = load_default().for_division(BEIJING_VILLAGE)
    assert all(type(step) is Step for step in config.materials)
    assert all(type(kind) is EpisodeKind for kind in config.materials_by_kind)
    assert all(type(kind) is EpisodeKind for kind in config.required_departments)
    assert config.required_materials(EpisodeKind.IDENTIFICATION, Step.SCREENING) is not None


def test_a_step_no_episode_lists_is_refused_naming_it_and_the_steps_there_are() -> None:
    with pytest.raises(ConfigurationError) as refused:
        configured(
            '[defaults.materials_by_kind.exit]\nvoting = { value = ["minutes"], source = "x" }\n'
        )
    assert "materials_by_kind.exit.voting: not a step of any episode" in str(refused.value)
    assert "field_survey" in str(refused.value)
    with pytest.raises(ConfigurationError, match=r"materials_by_kind\.audit: not an episode kind"):
        configured(
            '[defaults.materials_by_kind.audit]\nnotice = { value = ["minutes"], source = "x" }\n'
        )
