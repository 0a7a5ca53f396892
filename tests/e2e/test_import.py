"""``ledger import FILE`` as an operator runs it: NDJSON lines appended as the API appends
them, safe to re-run and to resume, bad lines reported by number and not stored."""

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

import demo
from bootstrap import open_ledger
from bootstrap.settings import Settings
from cli import main
from ledger.application import HouseholdLedger
from ledger.domain.personal import is_commitment
from ledger.importing import CHUNK_LINES
from ledger.persistence.database import Database
from ledger.personal.key import load_or_create_personal_key
from tests import factories as f
from tests.conftest import _url
from tests.e2e.test_cli import LEDGER

Document = dict[str, Any]
SERVER_SET = {"household_id", "id", "event_id", "recorded_at", "recorded_by", "hash", "prev_hash"}


def county(households: int, start: int = 0) -> list[Document]:
    return [
        {"household_id": household_id, "events": events}
        for household_id, _, events in map(demo.household, range(start, start + households))
    ]


def ndjson(*documents: Document | bytes) -> bytes:
    return b"".join((d if isinstance(d, bytes) else orjson.dumps(d)) + b"\n" for d in documents)


def run_import(database: Database, path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["import", str(path), *args], env={"LEDGER_DATABASE_URL": _url(database)}
    )


@pytest.fixture
def stored(database: Database) -> Iterator[HouseholdLedger]:
    """The database as the ledger reads it, beside the CLI's own process (and with its
    personal-data key, LEDGER_PERSONAL_DATA_KEY)."""
    key = load_or_create_personal_key(Settings().personal_data_key)
    ledger = open_ledger(database, pool_size=2, personal_key=key)
    yield ledger
    ledger.close()


def without_server_fields(value: Any) -> Any:
    """``value`` without what the server sets; of ``openings`` (salts the server draws,
    CONTRACT §7.3) the pointers only."""
    if isinstance(value, dict):
        return {
            k: sorted(v) if k == "openings" else without_server_fields(v)
            for k, v in value.items()
            if k not in SERVER_SET
        }
    if isinstance(value, list):
        return [without_server_fields(v) for v in value]
    return value


def test_an_imported_county_reads_as_appending_it_over_http_does(
    database: Database, client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    documents = county(30)
    path = tmp_path / "county.ndjson"
    path.write_bytes(ndjson(*documents))
    result = run_import(database, path)
    assert result.exit_code == 0, result.stderr
    events = sum(len(d["events"]) for d in documents)
    assert f"lines 30: imported 30, already imported 0, failed 0; {events} events" in result.stdout
    for document in documents:
        imported, over_http = document["household_id"], f"http-{document['household_id']}"
        appended = client.post(
            f"/v1/households/{over_http}/events", headers=auth, json={"events": document["events"]}
        )
        assert appended.status_code == 201, appended.text
        for path_after in ("", "/events?limit=500", "/completeness"):
            mine = client.get(f"/v1/households/{imported}{path_after}", headers=auth).json()
            theirs = client.get(f"/v1/households/{over_http}{path_after}", headers=auth).json()
            assert without_server_fields(mine) == without_server_fields(theirs)


def test_imported_events_name_the_operator_who_entered_them(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    path = tmp_path / "one.ndjson"
    path.write_bytes(ndjson(*county(1)))
    assert run_import(database, path, "--operator", "王五").exit_code == 0
    recorded_by = stored.stream(demo.household_id(0))[0].recorded_by
    assert is_commitment(recorded_by["name"])  # a personal field (CONTRACT §7.3)
    opened = stored.personal.openings([recorded_by["name"]])
    assert opened.value(recorded_by["name"]) == "王五 (ledger import)"
    assert recorded_by["role"] == "admin"


def test_a_second_run_imports_nothing_twice(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    documents = county(20)
    path = tmp_path / "county.ndjson"
    path.write_bytes(ndjson(*documents))
    assert run_import(database, path).exit_code == 0
    events = stored.tables.count_events()
    again = run_import(database, path)
    assert again.exit_code == 0, again.stderr
    assert "lines 20: imported 0, already imported 20, failed 0; 0 events" in again.stdout
    assert stored.tables.count_events() == events == sum(len(d["events"]) for d in documents)


def test_a_file_cut_in_the_middle_of_a_line_is_imported_to_that_line_and_resumes(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    documents = county(12)
    whole = ndjson(*documents)
    last = ndjson(documents[-1])
    path = tmp_path / "county.ndjson"
    path.write_bytes(whole[: len(whole) - len(last) // 2])
    cut = run_import(database, path)
    assert cut.exit_code == 1
    assert "line 12: VALIDATION_FAILED: not JSON" in cut.stderr
    assert "imported 11, already imported 0, failed 1" in cut.stdout
    assert not stored.stream(documents[-1]["household_id"])
    path.write_bytes(whole)
    resumed = run_import(database, path)
    assert resumed.exit_code == 0, resumed.stderr
    assert "imported 1, already imported 11, failed 0" in resumed.stdout
    assert stored.tables.count_events() == sum(len(d["events"]) for d in documents)


def stop_midway(
    database: Database,
    stored: HouseholdLedger,
    fed: bytes,
    pipe: Path,
    how: signal.Signals,
    events: int,
) -> subprocess.CompletedProcess[str]:
    """Runs ``ledger import`` on a named pipe fed with ``fed`` and nothing more, so it
    cannot finish; sends it ``how`` once ``events`` are stored (its chunks of ``fed``)."""
    os.mkfifo(pipe)
    # Opened for reading and writing: the pipe always has a reader, so what is written
    # stays in it, and the import never sees its end.
    feed = os.open(pipe, os.O_RDWR)
    env = {**os.environ, "LEDGER_DATABASE_URL": _url(database)}
    try:
        with subprocess.Popen(
            [LEDGER, "import", str(pipe)],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as process:
            writer = threading.Thread(target=os.write, args=(feed, fed), daemon=True)
            writer.start()  # blocks while the pipe is full, until the import reads on
            deadline = time.monotonic() + 60
            while stored.tables.count_events() < events and time.monotonic() < deadline:
                time.sleep(0.01)
            writer.join(timeout=30)
            process.send_signal(how)
            stdout, stderr = process.communicate(timeout=30)
    finally:
        os.close(feed)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "Ctrl-C"])
def test_an_import_stopped_midway_resumes_without_appending_anything_twice(
    database: Database, stored: HouseholdLedger, tmp_path: Path, how: signal.Signals
) -> None:
    documents = county(5 * CHUNK_LINES)
    total = sum(len(d["events"]) for d in documents)
    fed = documents[: 2 * CHUNK_LINES]  # two whole chunks: the import stores them, then waits
    stored_before = sum(len(d["events"]) for d in fed)
    stopped = stop_midway(
        database, stored, ndjson(*fed), tmp_path / "pipe.ndjson", how, stored_before
    )
    assert stored.tables.count_events() == stored_before
    if how == signal.SIGINT:
        assert stopped.returncode == 130, stopped.stderr
        assert "interrupted: run the same command again to resume" in stopped.stderr
        # Ctrl-C may land after a chunk commits and before the summary counts it: the
        # resumed run below is the account that matters.
        assert re.search(
            r"lines [\d,]+: imported [\d,]+, already imported 0, failed 0", stopped.stdout
        )
    path = tmp_path / "county.ndjson"
    path.write_bytes(ndjson(*documents))
    resumed = run_import(database, path)
    assert resumed.exit_code == 0, resumed.stderr
    assert (
        f"imported {len(documents) - len(fed)}, already imported {len(fed)}, failed 0"
        in resumed.stdout
    )
    assert stored.tables.count_events() == total
    for document in documents[::50]:
        versions = [e.version for e in stored.stream(document["household_id"])]
        assert versions == list(range(1, len(document["events"]) + 1))


def test_bad_lines_are_reported_by_number_and_nothing_of_them_is_stored(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    good, bad_id, refused, later = county(4)
    member = bad_id["events"][0]["data"]["members"][0]
    member["id_number"] = member["id_number"][:-1] + (
        "0" if member["id_number"][-1] != "0" else "1"
    )
    refused["events"].append(f.event("ApplicationSigned", {"member_id": "m99"}))
    stale = {
        "household_id": good["household_id"],
        "expected_version": 1,
        "events": [f.event("LocationRecorded", {"lat": 23.4, "lon": 99.8})],
    }
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(
        ndjson(
            good,
            b'{"household_id": "hh-x", "events": [',
            bad_id,
            refused,
            b"[1, 2]",
            {"household_id": "no spaces", "events": []},
            b"  ",
            stale,
            later,
        )
    )
    result = run_import(database, path)
    assert result.exit_code == 1
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert reported[0].startswith("line 2: VALIDATION_FAILED: not JSON")
    assert reported[1].startswith(
        "line 3: VALIDATION_FAILED: events[0].data.members[0].id_number: id_number is not"
    )
    assert reported[2].startswith("line 4: RULE_VIOLATION: events[")
    assert reported[3].startswith("line 5: VALIDATION_FAILED: a line is an object")
    assert reported[4].startswith("line 6: VALIDATION_FAILED: household_id")
    assert reported[5].startswith("line 8: VERSION_CONFLICT: expected version 1")
    assert "lines 8: imported 2, already imported 0, failed 6" in result.stdout
    for missing in (bad_id, refused):
        assert not stored.stream(missing["household_id"])
    for kept in (good, later):
        assert len(stored.stream(kept["household_id"])) == len(kept["events"])
