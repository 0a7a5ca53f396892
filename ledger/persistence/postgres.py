"""Production: the library's PostgreSQL recorder (table lock: insert order = commit order),
writing the idempotency key of an append in the append's own transaction; the stores
beside it; its infrastructure factory (the library's ``PERSISTENCE_MODULE``) and the
PostgreSQL side of migrations."""

from collections.abc import Iterable, Sequence
from inspect import unwrap
from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
import psycopg_pool
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.domain.merkle import Node
from ledger.persistence.access_log import AccessLog
from ledger.persistence.database import EVENTS_TABLE, Database
from ledger.persistence.log_tables import LogTables
from ledger.persistence.migrate import migration_scripts, refuse_v1_events
from ledger.persistence.personal_data import (
    INSERT_PERSONAL,
    Erasure,
    PersonalDataTable,
    PersonalRow,
)
from ledger.persistence.ports import Kind, LedgerRecorder, LedgerStores
from ledger.persistence.stored_rows import StoredRows
from ledger.persistence.tables import INSERT_IDEMPOTENCY, IdempotencyRecord, SideTables
from ledger.persistence.web_sessions import WebSessions

_MIGRATION_LOCK = 7_230_925  # pg_advisory_lock key: one migrator at a time
RECONNECT_TIMEOUT_S = 5.0
PING_AFTER_IDLE_S = 1.0


class _PingWhenIdle:
    """The pool's pre-ping, for connections idle a while only.

    psycopg_pool's check runs before every checkout; an append checks out three times
    (token, stream, insert) and the projection runner four, so a round trip each was 10 %
    of an append and 20 % of the runner (py-spy, docs/performance.md). A connection used
    within the last second was alive then; if the server restarted since, that one use
    fails (503, retried by the client) and the pool replaces the connection.
    """

    def __init__(self) -> None:
        self._checked: WeakKeyDictionary[psycopg.Connection[Any], float] = WeakKeyDictionary()

    def __call__(self, connection: psycopg.Connection[Any]) -> None:
        now = monotonic()
        if now - self._checked.get(connection, -PING_AFTER_IDLE_S) >= PING_AFTER_IDLE_S:
            psycopg_pool.ConnectionPool.check_connection(connection)
        self._checked[connection] = now


class LedgerPostgresRecorder(LedgerRecorder, PostgresApplicationRecorder):
    # One attempt, not the library's ten: while PostgreSQL is down each attempt waits
    # POSTGRES_CONNECT_TIMEOUT for a pool connection, so a list's read-your-writes check
    # hung ~50 s instead of answering 503 (tests/e2e/test_postgres_restart.py).
    max_notification_id = unwrap(PostgresApplicationRecorder.max_notification_id)
    select_events = unwrap(PostgresApplicationRecorder.select_events)
    select_notifications = unwrap(PostgresApplicationRecorder.select_notifications)
    # Above all for writes: a retried insert whose first commit succeeded but whose answer
    # was lost would fail on its versions and be decided again — a second copy of the
    # batch. One attempt; the client gets 503 and retries with its Idempotency-Key. A lock
    # timeout likewise fails after POSTGRES_LOCK_TIMEOUT, not ten times that.
    insert_events = unwrap(PostgresApplicationRecorder.insert_events)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE):
        super().__init__(datastore, events_table_name=events_table_name)
        # psycopg_pool retries a lost connection with exponential backoff (1, 2, 4, … s) for
        # up to 5 minutes: after an outage of a minute and a half, the service still
        # answered 503 half a minute after PostgreSQL was back. Giving up after a few
        # seconds lets the next request that waits for a connection start a fresh attempt.
        datastore.pool.reconnect_timeout = RECONNECT_TIMEOUT_S
        if datastore.pre_ping:
            datastore.pool._check = _PingWhenIdle()  # no public setter once built
        self._tables = SideTables(datastore.transaction, "%s", encode_datetime=lambda d: d)
        self._personal = PersonalDataTable(datastore.transaction, "%s", encode_datetime=lambda d: d)
        self.stores = LedgerStores(
            kind="postgres",
            tables=self._tables,
            merkle=PostgresLogTables(datastore.transaction, "%s"),
            access_log=AccessLog(datastore.transaction, "%s", encode_datetime=lambda d: d),
            web_sessions=WebSessions(datastore.transaction, "%s", encode_datetime=lambda d: d),
            stored_rows=StoredRows(datastore.transaction, "%s", stream_id=lambda u: u),
            personal=self._personal,
        )
        self._insert_idempotency = self._tables.sql(INSERT_IDEMPOTENCY)
        self._insert_personal = self._tables.sql(INSERT_PERSONAL)
        # The library's LOCK TABLE … IN EXCLUSIVE MODE needs UPDATE, DELETE or TRUNCATE on
        # the events, which the service's role must not have (migration 0006): the same
        # lock, in the same transaction, through a function running with the owner's rights.
        set_lock_timeout, _lock_table = self.lock_table_statements
        self.lock_table_statements = [
            set_lock_timeout,
            SQL("SELECT {0}.ledger_lock_events()").format(Identifier(datastore.schema)),
        ]

    def _fetch_ids_after_insert_events(
        self,
        curs: psycopg.Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: Sequence[IdempotencyRecord] = (),
        personal: Sequence[PersonalRow] = (),
        erase: Sequence[Erasure] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        # The appends' transaction, after the events went in under the table lock. The
        # library pipelines statements; a nested pipeline syncs on exit, so a duplicate
        # key raises here as an integrity conflict (not later as "pipeline aborted").
        notification_ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if idempotency or personal or erase:
            with curs.connection.pipeline():
                if idempotency:
                    curs.executemany(
                        self._insert_idempotency,
                        [self._tables.idempotency_params(r) for r in idempotency],
                    )
                if personal:
                    curs.executemany(
                        self._insert_personal,
                        [self._personal.insert_params(r) for r in personal],
                    )
                for erasure in erase:  # in the transaction of its PersonalDataErased event
                    for statement, params in self._personal.erasure_statements(erasure):
                        curs.executemany(statement, params)
        return notification_ids


class LedgerPostgresFactory(PostgresFactory):
    """The library's PostgreSQL infrastructure, building our recorder."""

    application_recorder_class = LedgerPostgresRecorder


class PostgresBackend:
    kind: Kind = "postgres"

    def env(self, database: Database, *, pool_size: int, lock_timeout_s: int) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": f"{__name__}:{LedgerPostgresFactory.__qualname__}",
            "TRANSCODER_TOPIC": "ledger.persistence.transcoding:LedgerTranscoder",
            "POSTGRES_DBNAME": database.name,
            "POSTGRES_HOST": database.host,
            "POSTGRES_PORT": str(database.port),
            "POSTGRES_USER": database.user,
            "POSTGRES_PASSWORD": database.password,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            "POSTGRES_LOCK_TIMEOUT": str(lock_timeout_s),
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "CREATE_TABLE": "n",
        }

    def migrate(self, database: Database) -> list[str]:
        return apply_migrations(database, migration_scripts(self.kind))


POSTGRES = PostgresBackend()


def connect(database: Database, **kwargs: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=database.host,
        port=database.port,
        user=database.user,
        password=database.password,
        dbname=database.name,
        connect_timeout=5,
        **kwargs,
    )


def apply_migrations(database: Database, migrations: Sequence[tuple[str, str]]) -> list[str]:
    """Applies the ``(version, sql)`` pairs not yet applied, each in one transaction,
    holding an advisory lock so concurrent starts apply each one once."""
    applied = []
    with connect(database, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version text PRIMARY KEY, applied_at timestamptz NOT NULL)"
            )
            for version, sql in migrations:
                with connection.transaction():
                    done = connection.execute(
                        "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
                    ).fetchone()
                    if not done:
                        refuse_v1_events(version, _has_events(connection))
                        connection.execute(sql.encode())  # a script: no parameters
                        connection.execute(
                            "INSERT INTO schema_migrations VALUES (%s, now())", (version,)
                        )
                        applied.append(version)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied


class PostgresLogTables(LogTables):
    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        # One statement joining the wanted pairs: 2.5–4× faster than OR-ed pairs for an
        # archive's hundreds of proofs (bench/transparency.py, docs/performance.md).
        pairs = sorted(set(wanted))
        rows = self._rows(
            "SELECT level, idx, hash FROM unnest(?::smallint[], ?::bigint[]) AS w(level, idx) "
            "JOIN merkle_nodes USING (level, idx)",
            ([level for level, _ in pairs], [index for _, index in pairs]),
        )
        return {(int(row["level"]), int(row["idx"])): bytes(row["hash"]) for row in rows}


def _has_events(connection: psycopg.Connection[Any]) -> bool:
    exists = connection.execute("SELECT to_regclass(%s)", (EVENTS_TABLE,)).fetchone()
    if not exists or exists[0] is None:
        return False
    found = connection.execute(f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1")  # noqa: S608  # a constant
    return found.fetchone() is not None
