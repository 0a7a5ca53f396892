"""History cannot be changed by SQL (issue 5, migration 0006): the stored events, the
transparency log, idempotency keys and material uploads refuse UPDATE, DELETE and (on
PostgreSQL) TRUNCATE from plain connections of their own — the PostgreSQL superuser's
included — while the service, running as a member of ``ledger_service``, still does all
its work and could not change history even if the triggers were gone."""

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.postgres import PostgresApplicationRecorder
from fastapi.testclient import TestClient
from psycopg import sql as pgsql

from api.app import create_app
from bootstrap import migrate, open_ledger
from bootstrap.settings import Settings
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.idempotency import Idempotency
from ledger.persistence.database import Database
from ledger.persistence.tables import MaterialRecord
from ledger.tokens import create_token
from ledger.transparency.log import TransparencyLog
from tests import factories as f
from tests.conftest import POSTGRES_URL, _url, fresh_postgres, services_of

Sql = Callable[..., list[Any]]

# Each append-only table, and a change someone rewriting history might make to it.
CHANGES: dict[str, tuple[str, object]] = {
    "ledger_events": ("state", b"forged"),
    "merkle_leaves": ("household_id", "hh-forged"),
    "merkle_nodes": ("hash", b"\x00" * 32),
    "checkpoints": ("root_hash", "ab" * 32),
    "idempotency_keys": ("response", "{}"),
    # A material's file name is the one column erasure may blank (migration 0011, CONTRACT
    # §7.3): a name that carries an erased person's name goes with it.
    "materials": ("media_type", "image/png"),
    "material_uploads": ("division", ""),  # migration 0009: widening who may read a file
}
APPEND_ONLY = list(CHANGES)
REFUSED = (sqlite3.Error, psycopg.Error)
SQLSTATE = "AP001"  # migrations/postgres/0006_append_only.sql


def _fill(ledger: HouseholdLedger, caller: Caller) -> None:
    """Rows in every append-only table: events (appended with idempotency keys), their
    leaves and subtree hashes, a signed checkpoint, a material upload."""
    for household_id in ("hh-1", "hh-2"):
        AppendPipeline(ledger).append(
            household_id,
            AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events,
            caller,
            idempotency=Idempotency(key=f"key-{household_id}", request_digest="d" * 64),
        )
    TransparencyLog(ledger, Ed25519PrivateKey.generate()).checkpoint(fresh=True)
    ledger.tables.add_material(
        MaterialRecord(
            sha256="a" * 64,
            size=3,
            media_type="image/jpeg",
            file_name="采集表.jpg",
            uploaded_at=datetime.now(UTC),
            uploaded_by=caller.token_id,
            uploader_division="53",
        )
    )


@pytest.fixture
def filled(ledger: HouseholdLedger, recorder_caller: Caller) -> HouseholdLedger:
    _fill(ledger, recorder_caller)
    return ledger


@pytest.fixture
def sql(database: Database) -> Iterator[Sql]:
    """Plain SQL on a connection of its own: the SQLite file opened directly, or the
    PostgreSQL superuser the tests connect as."""
    connection: Any
    if database.kind == "sqlite":
        connection = sqlite3.connect(database.path, isolation_level=None)
    else:
        connection = psycopg.connect(_url(database), autocommit=True)

    def run(statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if database.kind == "postgres":
            statement = statement.replace("?", "%s")
        cursor = connection.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    yield run
    connection.close()


def _rows(sql: Sql, table: str) -> list[tuple[Any, ...]]:
    return [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        for row in sql(f"SELECT * FROM {table} ORDER BY 1, 2")
    ]


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_an_update_by_sql_is_refused_with_a_clear_message_and_changes_nothing(
    filled: HouseholdLedger, sql: Sql, table: str
) -> None:
    before = _rows(sql, table)
    assert before, f"{table} has rows to change"
    column, forged = CHANGES[table]
    with pytest.raises(REFUSED, match=f"{table} is append-only: UPDATE refused") as error:
        sql(f"UPDATE {table} SET {column} = ?", (forged,))
    if isinstance(error.value, psycopg.Error):
        assert error.value.sqlstate == SQLSTATE
    assert _rows(sql, table) == before


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_a_delete_by_sql_is_refused_with_a_clear_message_and_removes_nothing(
    filled: HouseholdLedger, sql: Sql, table: str
) -> None:
    before = _rows(sql, table)
    assert before, f"{table} has rows to remove"
    with pytest.raises(REFUSED, match=f"{table} is append-only: DELETE refused") as error:
        sql(f"DELETE FROM {table}")
    if isinstance(error.value, psycopg.Error):
        assert error.value.sqlstate == SQLSTATE
    assert _rows(sql, table) == before


@pytest.mark.parametrize("table", ["materials", "material_uploads"])
def test_a_material_file_name_may_be_blanked_for_an_erasure_and_nothing_else_of_it_changes(
    filled: HouseholdLedger, sql: Sql, database: Database, table: str
) -> None:
    """CONTRACT §7.3: an erasure blanks a file name that carries the erased person's name
    (migration 0011); every other column of the row stays as it was stored."""
    before = _rows(sql, table)
    sql(f"UPDATE {table} SET file_name = ?", ("",))
    after = _rows(sql, table)
    named = _columns(sql, database, table).index("file_name")

    def others(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [row[:named] + row[named + 1 :] for row in rows]

    assert {row[named] for row in before} == {"采集表.jpg"}
    assert {row[named] for row in after} == {""}
    assert others(after) == others(before)
    with pytest.raises(REFUSED, match=f"{table} is append-only: UPDATE refused"):
        sql(f"UPDATE {table} SET file_name = ?, uploaded_at = uploaded_at", ("x.jpg",))
    assert _rows(sql, table) == after


def _columns(sql: Sql, database: Database, table: str) -> list[str]:
    """The table's column names in the order ``SELECT *`` gives them."""
    statement = (
        "SELECT name FROM pragma_table_info(?) ORDER BY cid"
        if database.kind == "sqlite"
        else "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position"
    )
    return [str(name) for (name,) in sql(statement, (table,))]


def test_rewriting_or_removing_one_stored_event_is_refused(
    filled: HouseholdLedger, sql: Sql
) -> None:
    [(key, state)] = sql(
        "SELECT originator_id, state FROM ledger_events WHERE "
        "originator_version = 2 ORDER BY originator_id LIMIT 1"
    )
    forged = bytes(state).replace(b"9000", b"9900", 1)
    assert forged != bytes(state)
    with pytest.raises(REFUSED, match="ledger_events is append-only: UPDATE refused"):
        sql(
            "UPDATE ledger_events SET state = ? WHERE originator_id = ? AND originator_version = 2",
            (forged, key),
        )
    with pytest.raises(REFUSED, match="ledger_events is append-only: DELETE refused"):
        sql("DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = 2", (key,))
    assert [
        bytes(s)
        for (s,) in sql(
            "SELECT state FROM ledger_events WHERE originator_id = ? AND originator_version = 2",
            (key,),
        )
    ] == [bytes(state)]


def test_tokens_are_not_history_and_can_still_be_revoked(filled: HouseholdLedger) -> None:
    token_id = create_token(filled.tables, role="recorder", division="53").split("_")[1]
    assert filled.tables.revoke_token(token_id, datetime.now(UTC))
    revoked = filled.tables.find_token(token_id)
    assert revoked is not None
    assert revoked.revoked_at is not None


# PostgreSQL: the trigger against the superuser, and the privileges of ledger_service.


@pytest.fixture
def postgres(postgres_server: Database) -> Iterator[Database]:
    """A migrated PostgreSQL database, connected to as the tests' superuser."""
    for database in fresh_postgres(postgres_server):
        migrate(database)
        yield database


@pytest.fixture
def superuser(postgres: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(_url(postgres), autocommit=True) as connection:
        [(is_superuser,)] = connection.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchall()
        assert is_superuser
        yield connection


@pytest.fixture
def service_database(postgres: Database) -> Iterator[Database]:
    """The database as a fresh LOGIN role with no privilege of its own, a member of
    ``ledger_service``: how a deployment runs the service."""
    name = f"ledger_test_service_{uuid.uuid4().hex[:12]}"
    role = pgsql.Identifier(name)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(pgsql.SQL("CREATE ROLE {} LOGIN").format(role))
        admin.execute(pgsql.SQL("GRANT ledger_service TO {}").format(role))
    try:
        yield replace(postgres, user=name, password="")
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(role))


@pytest.fixture
def filled_postgres(postgres: Database, recorder_caller: Caller) -> Database:
    ledger = open_ledger(postgres, pool_size=2)
    try:
        _fill(ledger, recorder_caller)
    finally:
        ledger.close()
    return postgres


def _counts(connection: psycopg.Connection[Any]) -> dict[str, int]:
    return {
        table: connection.execute(
            pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(table))
        ).fetchall()[0][0]
        for table in APPEND_ONLY
    }


def test_on_postgresql_truncate_is_refused_even_for_the_superuser(
    filled_postgres: Database, superuser: psycopg.Connection[Any]
) -> None:
    before = _counts(superuser)
    assert all(before.values()), before
    for table in APPEND_ONLY:
        with pytest.raises(
            psycopg.Error, match=f"{table} is append-only: TRUNCATE refused"
        ) as error:
            superuser.execute(pgsql.SQL("TRUNCATE {}").format(pgsql.Identifier(table)))
        assert error.value.sqlstate == SQLSTATE
    assert _counts(superuser) == before


def test_the_service_works_as_a_member_of_ledger_service(service_database: Database) -> None:
    settings = Settings(database_url=_url(service_database), auto_migrate=False)
    with TestClient(create_app(settings)) as client:
        ledger: HouseholdLedger = services_of(client).ledger
        recorder = ledger.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT current_user AS name")
            assert cursor.fetchall()[0]["name"] == service_database.user
        token = create_token(ledger.tables, role="admin", division="53")
        auth = {"Authorization": f"Bearer {token}"}

        body = {"events": [f.registered(), f.survey()]}
        appended = client.post(
            "/v1/households/hh-1/events", json=body, headers={**auth, "Idempotency-Key": "first"}
        )
        assert appended.status_code == 201, appended.text
        replayed = client.post(
            "/v1/households/hh-1/events", json=body, headers={**auth, "Idempotency-Key": "first"}
        )
        assert replayed.headers.get("Idempotent-Replayed") == "true", replayed.text
        assert client.get("/v1/households/hh-1", headers=auth).status_code == 200

        # The projection runner writes the read models and its position; a rebuild
        # deletes them first.
        summary = client.get("/v1/reports/summary", params={"division": "53"}, headers=auth)
        assert summary.status_code == 200, summary.text
        assert summary.json()["households"] == 1
        services_of(client).projections.rebuild()
        summary = client.get("/v1/reports/summary", params={"division": "53"}, headers=auth)
        assert summary.json()["households"] == 1

        checkpoint = client.get("/v1/checkpoints/latest", params={"fresh": "true"}, headers=auth)
        assert checkpoint.status_code == 200, checkpoint.text
        assert checkpoint.json()["tree_size"] == 2

        uploaded = client.post(
            "/v1/materials", headers=auth, files={"file": ("采集表.jpg", b"scan", "image/jpeg")}
        )
        assert uploaded.status_code == 201, uploaded.text

        assert ledger.tables.revoke_token(token.split("_")[1], datetime.now(UTC))
        assert client.get("/v1/households/hh-1", headers=auth).status_code == 401


def test_ledger_service_may_not_change_history_even_with_the_triggers_disabled(
    filled_postgres: Database, service_database: Database, superuser: psycopg.Connection[Any]
) -> None:
    before = _counts(superuser)
    for table in APPEND_ONLY:  # what an owner gone rogue could do; the service cannot
        superuser.execute(
            pgsql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(pgsql.Identifier(table))
        )
    try:
        with psycopg.connect(_url(service_database), autocommit=True) as service:
            for table in APPEND_ONLY:
                column, forged = CHANGES[table]
                name = pgsql.Identifier(table)
                for statement, params in (
                    (
                        pgsql.SQL("UPDATE {} SET {} = %s").format(name, pgsql.Identifier(column)),
                        (forged,),
                    ),
                    (pgsql.SQL("DELETE FROM {}").format(name), ()),
                    (pgsql.SQL("TRUNCATE {}").format(name), ()),
                ):
                    with pytest.raises(
                        psycopg.errors.InsufficientPrivilege,
                        match=f"permission denied for table {table}",
                    ):
                        service.execute(statement, params)
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                service.execute("ALTER TABLE ledger_events ENABLE TRIGGER USER")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                service.execute("SET session_replication_role = replica")
    finally:
        for table in APPEND_ONLY:
            superuser.execute(
                pgsql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(pgsql.Identifier(table))
            )
    assert _counts(superuser) == before
    with pytest.raises(psycopg.Error, match="ledger_events is append-only: DELETE refused"):
        superuser.execute("DELETE FROM ledger_events")  # the trigger is back


EXPECTED_PRIVILEGES = {
    **{table: {"SELECT", "INSERT"} for table in APPEND_ONLY},
    **{
        table: {"SELECT", "INSERT", "UPDATE", "DELETE"}
        for table in (
            "household_view",
            "episode_view",
            "gap_view",
            "lookback_view",
            "material_view",
            "projection_tracking",
        )
    },
    # The twin read models a rebuild fills, and parked households (migration 0008).
    **{
        table: {"SELECT", "INSERT", "UPDATE", "DELETE"}
        for table in (
            "household_view_green",
            "episode_view_green",
            "gap_view_green",
            "lookback_view_green",
            "material_view_green",
            "parked_households",
        )
    },
    "read_models": {"SELECT", "UPDATE"},
    # Migration 0011: sealed personal values, emptied by an erasure but never deleted,
    # and the evaluators' read counts.
    "personal_data": {"SELECT", "INSERT", "UPDATE"},
    "evaluator_reads": {"SELECT", "INSERT", "UPDATE"},
    "api_tokens": {"SELECT", "INSERT", "UPDATE"},
    "web_sessions": {"SELECT", "INSERT", "UPDATE", "DELETE"},
    "schema_migrations": set(),
}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def test_ledger_service_has_exactly_the_privileges_the_service_needs(
    superuser: psycopg.Connection[Any],
) -> None:
    granted = {
        table: {
            privilege
            for privilege in TABLE_PRIVILEGES
            if superuser.execute(
                "SELECT has_table_privilege('ledger_service', %s, %s)",
                (f"public.{table}", privilege),
            ).fetchall()[0][0]
        }
        for table in EXPECTED_PRIVILEGES
    }
    assert granted == EXPECTED_PRIVILEGES
    [(sequence, lock, refuse, create, on_database)] = superuser.execute(
        "SELECT has_sequence_privilege('ledger_service', "
        "       'ledger_events_notification_id_seq', 'USAGE'), "
        "has_function_privilege('ledger_service', 'ledger_lock_events()', 'EXECUTE'), "
        "has_function_privilege('ledger_service', 'ledger_refuse_change()', 'EXECUTE'), "
        "has_schema_privilege('ledger_service', 'public', 'CREATE'), "
        "(SELECT count(*) FROM pg_database, aclexplode(datacl) AS acl "
        " WHERE datname = current_database() "
        "   AND acl.grantee = 'ledger_service'::regrole)"
    ).fetchall()
    assert (sequence, lock, refuse, create, on_database) == (True, True, False, False, 0)
    # Of the material tables' rows, an erasure may blank the file name alone.
    columns = {
        (table, column): superuser.execute(
            "SELECT has_column_privilege('ledger_service', %s, %s, 'UPDATE')",
            (f"public.{table}", column),
        ).fetchall()[0][0]
        for table in ("materials", "material_uploads")
        for column in ("file_name", "sha256", "media_type")
    }
    assert {column for column, may in columns.items() if may} == {
        ("materials", "file_name"),
        ("material_uploads", "file_name"),
    }
