"""The rules' configuration (规则配置): monitoring floors (监测底线) by year, the public
notice (公示) length and channels, trace materials (痕迹资料) per step, required
departments, the look-back's follow-up days and campaign deadlines — by division.

Nothing here is a constant in code: every value comes from the TOML file
(``ledger/config/rules.toml``), each with the ``source`` it was taken from. Operators override any
value per division code prefix (``[divisions."530925"]``); for one household the longest
matching prefix that sets a value wins, then shorter ones (the city, the province), then
``[defaults]``. ``[calendar."<year>"]`` supplies a year's official holiday arrangement
(national, so not per division) that the ``chinesecalendar`` package does not know yet
(``calendar.py``). Steps and episode kinds named in the file are checked into their enums
(``ledger.domain.procedure``). ``RulesConfiguration.from_toml`` is pure; only
``ledger.config.load_default`` (through ``default_text``) reads a file.
"""

from ledger.domain.configuration.rules_config import RulesConfig
from ledger.domain.configuration.rules_file import RulesConfiguration
from ledger.domain.configuration.values import Alternatives, ConfigurationError, Period, Sourced

__all__ = [
    "Alternatives",
    "ConfigurationError",
    "Period",
    "RulesConfig",
    "RulesConfiguration",
    "Sourced",
]
