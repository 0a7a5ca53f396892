"""A database holding events hashed by contract v1 is refused (CONTRACT §7.3), on both
databases: ``ledger migrate`` and a service or command that migrates at start
(``LEDGER_AUTO_MIGRATE``) stop with a message that says why and what to do, and change
nothing; a database at the same schema holding no event migrates to v2."""

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence import postgres, sqlite
from ledger.persistence.database import EVENTS_TABLE, Database
from ledger.persistence.migrate import V2_MIGRATION, MigrationRefused, migration_scripts
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import _url, services_of

LEDGER = str(Path(sys.executable).with_name("ledger"))
V1_SCHEMA = "0010_web_sessions"
WHY = "holds events hashed by contract v1"
WHAT_TO_DO = "start a v2 ledger on an empty database"


@pytest.fixture
def v1_database(empty_database: Database) -> Database:
    """A database brought up to the last migration of contract v1, holding no event yet."""
    scripts = [(v, s) for v, s in migration_scripts(empty_database.kind) if v <= V1_SCHEMA]
    assert scripts[-1][0] == V1_SCHEMA
    if empty_database.kind == "sqlite":
        sqlite.apply_migrations(empty_database.path, scripts)
    else:
        postgres.apply_migrations(empty_database, scripts)
    return empty_database


Sql = Callable[[str, tuple[Any, ...]], list[Any]]


@pytest.fixture
def sql(v1_database: Database) -> Iterator[Sql]:
    """Plain SQL on the database (its triggers left as they are)."""
    if v1_database.kind == "sqlite":
        connection: Any = sqlite3.connect(v1_database.path, isolation_level=None)
    else:
        connection = psycopg.connect(_url(v1_database), autocommit=True)
    placeholder = "?" if v1_database.kind == "sqlite" else "%s"

    def run_sql(statement: str, params: tuple[Any, ...]) -> list[Any]:
        cursor = connection.execute(statement.replace("?", placeholder), params)
        return list(cursor.fetchall()) if cursor.description else []

    try:
        yield run_sql
    finally:
        connection.close()


@pytest.fixture
def v1_events(v1_database: Database, sql: Sql) -> Database:
    """The v1 database holding a household's registration as v1 stored it."""
    sql(
        f"INSERT INTO {EVENTS_TABLE} "  # a constant
        "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (
            str(uuid.uuid5(uuid.NAMESPACE_URL, "hh-1")),
            1,
            "ledger.domain.events:HouseholdRegistered",
            b'{"data": {"members": [{"name": "\\u5f20\\u4e09"}]}}',
        ),
    )
    return v1_database


def run(database: Database, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER, *args],
        env={**os.environ, "LEDGER_DATABASE_URL": _url(database), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def applied(sql: Sql) -> list[str]:
    return sorted(str(row[0]) for row in sql("SELECT version FROM schema_migrations", ()))


def test_ledger_migrate_refuses_a_v1_database_holding_events_and_says_why(
    v1_events: Database, sql: Sql
) -> None:
    before = applied(sql)
    for _ in range(2):  # refused again, not half-migrated
        result = run(v1_events, "migrate")
        assert result.returncode == 1, result
        assert WHY in result.stderr
        assert WHAT_TO_DO in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert applied(sql) == before
    assert V2_MIGRATION not in before


def test_a_service_migrating_at_start_refuses_a_v1_database_with_that_message(
    v1_events: Database, sql: Sql, tmp_path: Path
) -> None:
    settings = Settings(database_url=_url(v1_events), auto_migrate=True)
    with pytest.raises(MigrationRefused, match=WHY), TestClient(create_app(settings)):
        pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    served = run(v1_events, "serve", "--port", str(port), LEDGER_AUTO_MIGRATE="true")
    assert served.returncode != 0
    assert WHY in served.stderr
    command = run(v1_events, "token", "list", LEDGER_AUTO_MIGRATE="true")
    assert command.returncode == 1, command
    assert WHY in command.stderr
    assert "Traceback" not in command.stderr + command.stdout
    assert V2_MIGRATION not in applied(sql)


def test_a_v1_schema_holding_no_event_migrates_to_v2_and_serves(
    v1_database: Database, sql: Sql
) -> None:
    result = run(v1_database, "migrate")
    assert result.returncode == 0, result
    assert result.stdout.strip().startswith(f"applied: {V2_MIGRATION}")  # and later ones
    assert V2_MIGRATION in applied(sql)
    settings = Settings(database_url=_url(v1_database), auto_migrate=False)
    with TestClient(create_app(settings)) as client:
        token = create_token(services_of(client).ledger.tables, role="recorder", division="53")
        response = client.post(
            "/v1/households/hh-1/events",
            json={"events": [f.registered()]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
