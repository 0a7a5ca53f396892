"""``ledger audit`` finds rows changed or removed by SQL behind the service's back."""

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.personal import commitment
from ledger.domain.serialization import event_document
from ledger.persistence.database import Database
from ledger.transparency.audit import audit
from ledger.transparency.log import TransparencyLog
from tests import factories as f
from tests.conftest import _url
from tests.e2e.test_cli import LEDGER

Sql = Callable[[str, tuple[Any, ...]], list[Any]]


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    """Plain SQL on the database, as someone holding its file or its superuser's password
    would run it: first getting past the append-only triggers (migration 0006)."""
    if database.kind == "sqlite":
        connection: Any = sqlite3.connect(database.path, isolation_level=None)
        for (trigger,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%'"
        ).fetchall():
            connection.execute(f'DROP TRIGGER "{trigger}"')
    else:
        connection = psycopg.connect(_url(database), autocommit=True)
        connection.execute("SET session_replication_role = replica")  # superuser: no triggers

    def run(statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if database.kind == "postgres":
            statement = statement.replace("?", "%s")
        cursor = connection.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    yield run
    connection.close()


@pytest.fixture
def logged(ledger: HouseholdLedger, recorder_caller: Caller) -> TransparencyLog:
    """Three households of two events each, all covered by a signed checkpoint."""
    for household_id in ("hh-1", "hh-2", "hh-3"):
        AppendPipeline(ledger).append(
            household_id,
            AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events,
            recorder_caller,
        )
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    log.checkpoint(fresh=True)
    return log


def _uuid(database: Database, household_id: str) -> Any:
    value = originator_id(household_id)
    return value.hex if database.kind == "sqlite" else value  # the library stores hex there


def _state(sql: Sql, database: Database, household_id: str, version: int) -> bytes:
    [(state,)] = sql(
        "SELECT state FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (_uuid(database, household_id), version),
    )
    return bytes(state)


def _set_state(sql: Sql, database: Database, household_id: str, version: int, state: bytes) -> None:
    sql(
        "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (state, _uuid(database, household_id), version),
    )


def test_an_untouched_ledger_passes(ledger: HouseholdLedger, logged: TransparencyLog) -> None:
    report = audit(ledger, logged.tables)
    assert report.holds, report.findings
    assert (report.events, report.households, report.tree_size) == (6, 3, 6)
    assert report.checkpoints == 1


def test_a_row_changed_by_sql_is_found_and_named(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    state = _state(sql, database, "hh-2", 2)
    # The income in the event's data, not a "9000" that a random id or time may hold.
    at = state.index(b"9000", state.index(b'"data"'))
    _set_state(sql, database, "hh-2", 2, state[:at] + b"9900" + state[at + 4 :])
    report = audit(ledger, logged.tables)
    assert not report.holds
    [event] = ledger.stream("hh-2", gt=1)
    assert any(
        str(event.id) in finding
        and "household hh-2, version 2" in finding
        and "does not match its hash" in finding
        for finding in report.findings
    )
    assert any("root recomputed from the log" in finding for finding in report.findings)


def forge_commitment(
    ledger: HouseholdLedger, sql: Sql, database: Database, household_id: str, version: int
) -> str:
    """Replaces the first member's stored name commitment in the event by a commitment to
    another name (what swapping a person in the log would take); returns the event's id."""
    [event] = ledger.stream(household_id, gt=version - 1, lte=version)
    held = event_document(event)["data"]["members"][0]["name"]
    state = _state(sql, database, household_id, version)
    assert state.count(held.encode()) == 1
    forged = commitment(secrets.token_bytes(32), "王五")
    _set_state(sql, database, household_id, version, state.replace(held.encode(), forged.encode()))
    return str(event.id)


def test_a_stored_personal_commitment_changed_by_sql_is_found_and_named(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    """Events are stored and hashed with commitments in their personal fields (CONTRACT
    §7.3): a commitment swapped for another breaks the event's hash like any content."""
    event_id = forge_commitment(ledger, sql, database, "hh-3", 1)
    report = audit(ledger, logged.tables)
    assert not report.holds
    assert any(
        event_id in finding
        and "household hh-3, version 1" in finding
        and "does not match its hash" in finding
        for finding in report.findings
    ), report.findings


def test_a_row_changed_with_its_hash_rewritten_still_fails_the_chain(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    [event] = ledger.stream("hh-1", lte=1)
    state = _state(sql, database, "hh-1", 1)
    forged = state.replace(event.hash.encode(), b"f" * 64)
    assert forged != state
    _set_state(sql, database, "hh-1", 1, forged)
    findings = audit(ledger, logged.tables).findings
    assert any(
        "household hh-1 version 2" in finding and "chain is broken" in finding
        for finding in findings
    ), findings


def test_a_removed_last_event_is_found(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    sql(
        "DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (_uuid(database, "hh-3"), 2),
    )
    findings = audit(ledger, logged.tables).findings
    assert any(
        "in the tree but not in the log" in finding or "was removed" in finding
        for finding in findings
    ), findings


def test_a_removed_middle_event_is_found(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    sql(
        "DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (_uuid(database, "hh-1"), 2),
    )
    findings = audit(ledger, logged.tables).findings
    assert any("an event was removed or inserted" in finding for finding in findings), findings


def test_a_forged_checkpoint_is_found(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql
) -> None:
    sql("UPDATE checkpoints SET root_hash = ?", ("ab" * 32,))
    findings = audit(ledger, logged.tables).findings
    assert any("signature does not hold" in finding for finding in findings), findings


def test_events_not_yet_in_the_tree_are_reported_not_failed(
    ledger: HouseholdLedger, logged: TransparencyLog, recorder_caller: Caller
) -> None:
    AppendPipeline(ledger).append(
        "hh-4", AppendBatch.model_validate({"events": [f.registered()]}).events, recorder_caller
    )
    report = audit(ledger, logged.tables)
    assert report.holds
    assert report.unsequenced == 1


def test_the_cli_exits_non_zero_and_names_the_changed_event(
    ledger: HouseholdLedger, logged: TransparencyLog, sql: Sql, database: Database
) -> None:
    env = {**os.environ, "LEDGER_DATABASE_URL": _url(database)}
    clean = subprocess.run(
        [LEDGER, "audit"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.strip().splitlines()[-1].startswith("OK: 6 events of 3 households")
    _set_state(
        sql, database, "hh-2", 2, _state(sql, database, "hh-2", 2).replace(b"9000", b"9900", 1)
    )
    tampered = subprocess.run(
        [LEDGER, "audit"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert tampered.returncode == 1
    [event] = ledger.stream("hh-2", gt=1)
    assert str(event.id) in tampered.stdout
    assert "FAILED" in tampered.stdout
