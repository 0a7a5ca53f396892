"""``ledger demo``: a synthetic county loaded into the configured database, described as the
database holds it, loaded once however often it runs; or written as an import file."""

import re
from collections import Counter
from pathlib import Path

import orjson
from click.testing import CliRunner, Result

import demo
from bootstrap import open_ledger
from bootstrap.settings import Settings
from cli import main
from cli.context import cli_caller
from ledger.domain.personal import fields_of, get_at, is_clear_of_personal_values
from ledger.domain.serialization import event_document
from ledger.persistence.database import Database
from ledger.personal.key import load_or_create_personal_key
from ledger.reading import HouseholdReads
from ledger.tokens import authenticate
from tests.conftest import _url

HOUSEHOLDS = 80


def run(database: Database, *args: str) -> Result:
    return CliRunner().invoke(main, ["demo", *args], env={"LEDGER_DATABASE_URL": _url(database)})


def printed_statuses(output: str) -> dict[str, int]:
    return {
        status: int(count.replace(",", ""))
        for status, count in re.findall(
            r"^  (not_monitored|monitored|risk_eliminated) +([\d,]+)", output, re.MULTILINE
        )
    }


def test_demo_loads_a_county_and_prints_what_the_database_holds(database: Database) -> None:
    loaded = run(database, "--households", str(HOUSEHOLDS))
    assert loaded.exit_code == 0, loaded.stderr
    held = re.search(r"the ledger holds ([\d,]+) events", loaded.stdout)
    assert held is not None, loaded.stdout
    ledger = open_ledger(database, pool_size=2)
    try:
        assert ledger.tables.count_events() == int(held[1].replace(",", ""))
        statuses = Counter(
            str(HouseholdReads(ledger).household(demo.household_id(n), cli_caller()).status)
            for n in range(HOUSEHOLDS)
        )
        printed = printed_statuses(loaded.stdout)
        assert printed.keys() == {"not_monitored", "monitored", "risk_eliminated"}
        assert +Counter(printed) == statuses
        assert f"imported {HOUSEHOLDS}, already imported 0, failed 0" in loaded.stdout
        assert "http://127.0.0.1:8000/ui/divisions/530925 " in loaded.stdout
        [token] = re.findall(r"^  (ldg_\S+)$", loaded.stdout, re.MULTILINE)
        caller = authenticate(ledger.tables, token)
        assert (caller.role, caller.division) == ("auditor", "530925")
        shown = re.findall(r"/ui/households/(\S+)", loaded.stdout)
        assert shown
        assert all(HouseholdReads(ledger).household(h, caller).registered for h in shown)

        again = run(database, "--households", str(HOUSEHOLDS))
        assert again.exit_code == 0, again.stderr
        assert f"imported 0, already imported {HOUSEHOLDS}, failed 0" in again.stdout
        assert ledger.tables.count_events() == int(held[1].replace(",", ""))
    finally:
        ledger.close()


def test_the_demos_personal_values_are_sealed_with_the_services_key(database: Database) -> None:
    """The demo appends through the service's pipeline: its events hold commitments and its
    values open under LEDGER_PERSONAL_DATA_KEY, as the served app opens them (§7.3)."""
    loaded = run(database, "--households", "3")
    assert loaded.exit_code == 0, loaded.stderr
    key = load_or_create_personal_key(Settings().personal_data_key, may_create=False)
    ledger = open_ledger(database, pool_size=1, personal_key=key)
    try:
        household_id = demo.household_id(0)
        (registration, *_) = ledger.stream(household_id)
        document = event_document(registration)
        assert is_clear_of_personal_values(document)
        values = ledger.personal.values_of_household(household_id)
        opened = [values[str(get_at(document, f.path))] for f in fields_of(document)]
        assert any(isinstance(v, str) and len(v) == 18 for v in opened)  # an ID number
    finally:
        ledger.close()


def test_demo_writes_the_county_as_an_import_file_when_asked(
    database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "county.ndjson"
    written = run(database, "--households", "25", "--ndjson", str(path))
    assert written.exit_code == 0, written.stderr
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {"household_id": household_id, "events": events}
        for household_id, _, events in map(demo.household, range(25))
    ]
    imported = CliRunner().invoke(
        main, ["import", str(path)], env={"LEDGER_DATABASE_URL": _url(database)}
    )
    assert imported.exit_code == 0, imported.stderr
    loaded = run(database, "--households", "30")
    assert "imported 5, already imported 25, failed 0" in loaded.stdout
