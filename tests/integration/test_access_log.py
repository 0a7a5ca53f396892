"""The access log (migration 0007) on both databases: rows written and queried through
``AccessLog``, and no UPDATE, DELETE or TRUNCATE by SQL — nor for the service's role."""

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from psycopg import sql as pgsql

from bootstrap import migrate, open_ledger
from ledger.application import HouseholdLedger
from ledger.persistence.access_log import Access
from ledger.persistence.database import Database
from ledger.persistence.ports import AccessLogStore
from tests.conftest import POSTGRES_URL, _url, fresh_postgres

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SQLSTATE = "AP001"  # migrations/postgres/0006_append_only.sql


def _access(
    household_id: str, reader: str = "t1", *, at: datetime = T0, village_code: str = "530925101201"
) -> Access:
    return Access(
        at, reader, "auditor", household_id, village_code, "GET /v1/households/{household_id}"
    )


@pytest.fixture
def log(ledger: HouseholdLedger) -> AccessLogStore:
    access_log = ledger.stores.access_log
    access_log.record(
        [
            _access("hh-1"),
            _access("hh-2", "t2", at=T0 + timedelta(seconds=1)),
            _access("hh-3", at=T0 + timedelta(microseconds=1), village_code="530926101201"),
        ]
    )
    return access_log


def test_rows_come_back_in_order_with_their_times(log: AccessLogStore) -> None:
    rows = log.entries(division="53")
    assert [r.access.household_id for r in rows] == ["hh-1", "hh-2", "hh-3"]
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert rows[0].access == _access("hh-1")


def test_rows_are_selected_by_division_household_token_time_and_position(
    log: AccessLogStore,
) -> None:
    def households(**selection: Any) -> list[str]:
        return [r.access.household_id for r in log.entries(**selection)]

    assert households(division="530926") == ["hh-3"]
    assert households(division="530925") == ["hh-1", "hh-2"]
    assert households(division="", household_id="hh-2") == ["hh-2"]
    assert households(division="53", token_id="t1") == ["hh-1", "hh-3"]
    # Times compare as times (microseconds, other offsets), not as text.
    beijing = timezone(timedelta(hours=8))
    assert households(
        division="53", since=(T0 + timedelta(microseconds=1)).astimezone(beijing)
    ) == ["hh-2", "hh-3"]
    assert households(division="53", since=(T0 + timedelta(seconds=2)).astimezone(beijing)) == []
    first = log.entries(division="53", limit=1)
    assert households(division="53", after_id=first[0].id, limit=1) == ["hh-2"]


@pytest.fixture
def sql(database: Database) -> Iterator[Any]:
    if database.kind == "sqlite":
        connection: Any = sqlite3.connect(database.path, isolation_level=None)
    else:
        connection = psycopg.connect(_url(database), autocommit=True)
    yield connection
    connection.close()


def _all(sql: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sql.execute("SELECT * FROM access_log ORDER BY id")]


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE access_log SET token_id = 'someone-else'", "UPDATE"),
        ("DELETE FROM access_log WHERE household_id = 'hh-1'", "DELETE"),
    ],
)
def test_the_log_cannot_be_changed_or_removed_by_sql(
    log: AccessLogStore, sql: Any, statement: str, operation: str
) -> None:
    before = _all(sql)
    assert len(before) == 3
    with pytest.raises(
        (sqlite3.Error, psycopg.Error), match=f"access_log is append-only: {operation} refused"
    ) as error:
        sql.execute(statement)
    if isinstance(error.value, psycopg.Error):
        assert error.value.sqlstate == SQLSTATE
    assert _all(sql) == before


# PostgreSQL: TRUNCATE, and what the service's role may do.


@pytest.fixture
def postgres(postgres_server: Database) -> Iterator[Database]:
    for database in fresh_postgres(postgres_server):
        migrate(database)
        yield database


def test_on_postgresql_truncate_is_refused_even_for_the_superuser(postgres: Database) -> None:
    with (
        psycopg.connect(_url(postgres), autocommit=True) as superuser,
        pytest.raises(psycopg.Error, match="access_log is append-only: TRUNCATE refused"),
    ):
        superuser.execute("TRUNCATE access_log")


def test_ledger_service_may_append_and_read_the_log_and_nothing_more(postgres: Database) -> None:
    role = f"ledger_test_service_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(pgsql.SQL("CREATE ROLE {} LOGIN").format(pgsql.Identifier(role)))
        admin.execute(pgsql.SQL("GRANT ledger_service TO {}").format(pgsql.Identifier(role)))
    try:
        service = replace(postgres, user=role, password="")
        ledger = open_ledger(service, pool_size=1)
        try:
            log = ledger.stores.access_log
            log.record([_access("hh-1")])
            assert [r.access.household_id for r in log.entries(division="53")] == ["hh-1"]
        finally:
            ledger.close()
        with psycopg.connect(_url(postgres), autocommit=True) as superuser:
            superuser.execute("ALTER TABLE access_log DISABLE TRIGGER USER")
            try:
                with psycopg.connect(_url(service), autocommit=True) as connection:
                    for statement in (
                        "UPDATE access_log SET role = 'admin'",
                        "DELETE FROM access_log",
                        "TRUNCATE access_log",
                    ):
                        with pytest.raises(
                            psycopg.errors.InsufficientPrivilege,
                            match="permission denied for table access_log",
                        ):
                            connection.execute(statement)
            finally:
                superuser.execute("ALTER TABLE access_log ENABLE TRIGGER USER")
            granted = {
                p
                for p in (
                    "SELECT",
                    "INSERT",
                    "UPDATE",
                    "DELETE",
                    "TRUNCATE",
                    "REFERENCES",
                    "TRIGGER",
                )
                if superuser.execute(
                    "SELECT has_table_privilege('ledger_service', 'public.access_log', %s)", (p,)
                ).fetchall()[0][0]
            }
            assert granted == {"SELECT", "INSERT"}
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(role)))
