"""The packaged rules configuration (``rules.toml``): monitoring floors, notice rules,
required materials and departments, campaign deadlines — each value with its source.

Operators point ``LEDGER_RULES_FILE`` at their own copy to override it.
"""

from importlib import resources

from ledger.domain.configuration import RulesConfiguration


def default_text() -> str:
    """The text of the packaged ``ledger/config/rules.toml``."""
    return resources.files(__package__).joinpath("rules.toml").read_text(encoding="utf-8")


def load_default() -> RulesConfiguration:
    return RulesConfiguration.from_toml(default_text())


def load(path: str | None) -> RulesConfiguration:
    """The configuration in ``path``, or the packaged one."""
    if path is None:
        return load_default()
    with open(path, encoding="utf-8") as file:
        return RulesConfiguration.from_toml(file.read())
