"""The embedded default: the library's SQLite recorder, writing the idempotency key of an
append in the append's own transaction; the stores beside it; its infrastructure factory
(the library's ``PERSISTENCE_MODULE``) and the SQLite side of migrations."""

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)

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


class LedgerSQLiteRecorder(LedgerRecorder, SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = EVENTS_TABLE):
        super().__init__(datastore, events_table_name)
        self._tables = SideTables(datastore.transaction)
        # An erasure's replaced pages are checkpointed and the log emptied (``scrub``).
        self._personal = PersonalDataTable(
            datastore.transaction, scrub="PRAGMA wal_checkpoint(TRUNCATE)"
        )
        self.stores = LedgerStores(
            kind="sqlite",
            tables=self._tables,
            merkle=LogTables(datastore.transaction),
            access_log=AccessLog(
                datastore.transaction,
                encode_datetime=lambda d: d.isoformat(timespec="microseconds"),
            ),
            # In UTC with microseconds always written, so SQLite's text compares in time order.
            web_sessions=WebSessions(
                datastore.transaction,
                encode_datetime=lambda d: d.astimezone(UTC).isoformat(timespec="microseconds"),
            ),
            stored_rows=StoredRows(datastore.transaction, stream_id=lambda u: u.hex),
            personal=self._personal,
        )

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        idempotency: Sequence[IdempotencyRecord] = (),
        personal: Sequence[PersonalRow] = (),
        erase: Sequence[Erasure] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        if idempotency:
            c.executemany(INSERT_IDEMPOTENCY, map(self._tables.idempotency_params, idempotency))
        if personal:
            c.executemany(INSERT_PERSONAL, map(self._personal.insert_params, personal))
        if erase:
            # The space a replaced value leaves in its page is zeroed, not left to be read.
            c.execute("PRAGMA secure_delete = ON")
            for erasure in erase:
                for statement, params in self._personal.erasure_statements(erasure):
                    c.executemany(statement, params)
        return notification_ids


class LedgerSQLiteFactory(SQLiteFactory):
    """The library's SQLite infrastructure, building our recorder."""

    application_recorder_class = LedgerSQLiteRecorder


class SQLiteBackend:
    kind: Kind = "sqlite"

    def env(self, database: Database, *, pool_size: int, lock_timeout_s: int) -> dict[str, str]:
        # One file, one writer at a time: no pool to size, SQLite's own busy timeout.
        return {
            "PERSISTENCE_MODULE": f"{__name__}:{LedgerSQLiteFactory.__qualname__}",
            "TRANSCODER_TOPIC": "ledger.persistence.transcoding:LedgerTranscoder",
            "SQLITE_DBNAME": database.path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "CREATE_TABLE": "n",
        }

    def migrate(self, database: Database) -> list[str]:
        return apply_migrations(database.path, migration_scripts(self.kind))


SQLITE = SQLiteBackend()


def apply_migrations(path: str, migrations: Sequence[tuple[str, str]]) -> list[str]:
    """Applies the ``(version, sql)`` pairs not yet applied, each in its own transaction
    under SQLite's write lock, so concurrent starts apply each one once."""
    if Path(path).parent != Path():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    applied = []
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        for version, sql in migrations:
            connection.execute("BEGIN IMMEDIATE")
            try:
                done = connection.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ).fetchone()
                if not done:
                    refuse_v1_events(version, _has_events(connection))
                    for statement in _statements(sql):
                        connection.execute(statement)
                    connection.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?)",
                        (version, datetime.now(UTC).isoformat()),
                    )
                    applied.append(version)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
    finally:
        connection.close()
    return applied


def _statements(script: str) -> list[str]:
    """Splits a script into complete statements (trigger bodies keep their semicolons)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip() and not pending.strip().startswith("--"):
        statements.append(pending.strip())
    return statements


def _has_events(connection: sqlite3.Connection) -> bool:
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (EVENTS_TABLE,)
    ).fetchone()
    if not exists:
        return False
    found = connection.execute(f"SELECT 1 FROM {EVENTS_TABLE} LIMIT 1")  # noqa: S608  # a constant
    return found.fetchone() is not None
