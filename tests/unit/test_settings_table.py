"""The README's configuration table is the settings' own documentation, generated."""

from pathlib import Path

import pytest

from bootstrap.settings import BEGIN, END, Settings, settings_table, with_settings_table

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_configuration_table_is_generated_from_the_settings() -> None:
    readme = README.read_text(encoding="utf-8")
    assert readme == with_settings_table(readme), (
        "README.md and bootstrap/settings.py disagree: "
        "run `.venv/bin/python -m bootstrap.settings README.md`"
    )


def test_every_setting_has_a_docstring_and_a_row() -> None:
    table = settings_table()
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} has no docstring"
        assert f"| `LEDGER_{name.upper()}` |" in table


def test_the_table_shows_types_defaults_and_choices() -> None:
    rows = {row.split(" | ")[0].strip("| `"): row for row in settings_table().splitlines()}
    assert "| integer | `10` |" in rows["LEDGER_POOL_SIZE"]
    assert "| boolean | `true` |" in rows["LEDGER_AUTO_MIGRATE"]
    assert "| text | unset |" in rows["LEDGER_READ_DATABASE_URL"]
    assert "| number ≥ 0 | `50.0` |" in rows["LEDGER_RATE_LIMIT_PER_S"]
    assert "| `auto`, `json` or `console` | `auto` |" in rows["LEDGER_LOG_FORMAT"]


def test_a_document_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="settings:begin"):
        with_settings_table("# no table here\n")
    assert with_settings_table(f"a\n{BEGIN}\nold\n{END}\nb").endswith(f"{END}\nb")


def test_log_settings_accept_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_LOG_FORMAT", "JSON")
    monkeypatch.setenv("LEDGER_LOG_LEVEL", "Warning")
    settings = Settings()
    assert (settings.log_format, settings.log_level) == ("json", "warning")
