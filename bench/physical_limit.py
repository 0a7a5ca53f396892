"""The physical limit: how fast the database itself takes rows shaped like the ledger's
stored events, with no library and no service in the way.

The rows are real: the first households of the synthetic county (``demo``) are
appended through ``HouseholdLedger`` into a temp SQLite file and their stored events
(topic and state bytes) read back, then replayed under fresh originator ids, so sizes and
the mix of types match what the ledger stores. The table has the shape of the ledger's (and the
library's) events table: primary key ``(originator_id, originator_version)`` and a
notification id (PostgreSQL: ``bigserial`` with a unique index; SQLite: the rowid).

PostgreSQL: binary ``COPY``, batched ``INSERT`` (``executemany`` of 500 rows, one
transaction each) and single-row commits on 1 and on 8 connections. SQLite (WAL, as the
library opens it): batched ``INSERT`` (``executemany`` of every row in one transaction)
and single-row commits on one connection; it has no ``COPY``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path

import psycopg

from bench.common import Step, Timed, repeat_for
from bench.completeness_queries import BackendRun, generate
from bootstrap import migrate, open_ledger
from ledger.persistence.database import EVENTS_TABLE, Database

SAMPLE_HOUSEHOLDS = 200
BATCH_ROWS = 500
Row = tuple[uuid.UUID, int, str, bytes]
History = list[tuple[str, bytes]]
"""One household's stored events in order: (topic, state)."""


@dataclass(frozen=True)
class Sample:
    """Real stored events of the first households of the synthetic county."""

    histories: list[History]

    @property
    def states(self) -> list[bytes]:
        return [state for history in self.histories for _, state in history]

    @property
    def mean_state_bytes(self) -> float:
        return statistics.fmean(len(s) for s in self.states)

    def describe(self) -> str:
        sizes = [len(s) for s in self.states]
        return (
            f"{len(sizes):,} stored events of the first {len(self.histories)} households "
            f"of the synthetic county (state {min(sizes):,}–{max(sizes):,} bytes, mean "
            f"{self.mean_state_bytes:,.0f}, median {statistics.median(sizes):,.0f})"
        )

    def rows(self) -> Iterator[Row]:
        """Endless rows: the sample's histories over and over, each time under a new
        originator id, versions 1…n as stored."""
        for history in cycle(self.histories):
            originator = uuid.uuid4()
            for version, (topic, state) in enumerate(history, start=1):
                yield originator, version, topic, state

    def take(self, count: int) -> list[Row]:
        return list(islice(self.rows(), count))


def stored_sample(households: int = SAMPLE_HOUSEHOLDS) -> Sample:
    """Appends the first ``households`` county households through ``HouseholdLedger`` into
    a temp SQLite file and reads their stored events back."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Database.from_url(f"sqlite:///{tmp}/sample.db")
        migrate(database)
        ledger = open_ledger(database)
        try:
            generate(ledger, BackendRun("sqlite", "sample"), households)
        finally:
            ledger.close()
        histories: dict[str, History] = {}
        with contextlib.closing(sqlite3.connect(database.path)) as connection:
            for originator, topic, state in connection.execute(
                f"SELECT originator_id, topic, state FROM {EVENTS_TABLE} "  # noqa: S608 (a constant table name)
                "ORDER BY originator_id, originator_version"
            ):
                histories.setdefault(originator, []).append((topic, bytes(state)))
    return Sample(list(histories.values()))


@dataclass(frozen=True)
class Bulk:
    """Rows written in bulk and how long it took."""

    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# PostgreSQL ------------------------------------------------------------------------------

POSTGRES_TABLE = (
    "CREATE TABLE raw_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
    "topic text, state bytea, notification_id bigserial, "
    "PRIMARY KEY (originator_id, originator_version))"
)
POSTGRES_INDEX = "CREATE UNIQUE INDEX raw_events_notification_id ON raw_events (notification_id)"
POSTGRES_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s)"
)


def _fresh_postgres_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS raw_events")
        connection.execute(POSTGRES_TABLE)
        connection.execute(POSTGRES_INDEX)


def postgres_copy(url: str, rows: list[Row]) -> Bulk:
    """Every row in one binary ``COPY``, one transaction."""
    _fresh_postgres_table(url)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        before = time.perf_counter()
        with cursor.copy(
            "COPY raw_events (originator_id, originator_version, topic, state) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
        connection.commit()
        return Bulk(len(rows), time.perf_counter() - before)


def postgres_batched_insert(url: str, rows: list[Row]) -> Bulk:
    """``executemany`` of ``BATCH_ROWS`` rows, one transaction each."""
    _fresh_postgres_table(url)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        before = time.perf_counter()
        for start in range(0, len(rows), BATCH_ROWS):
            cursor.executemany(POSTGRES_INSERT, rows[start : start + BATCH_ROWS])
            connection.commit()
        return Bulk(len(rows), time.perf_counter() - before)


def postgres_single_rows(
    url: str, sample: Sample, connections: int, seconds: float, warmup_s: float
) -> Timed:
    """Each of ``connections`` threads commits one row per transaction (autocommit)."""
    _fresh_postgres_table(url)

    @contextlib.contextmanager
    def inserter(_: int) -> Iterator[Step]:
        rows = sample.rows()
        with psycopg.connect(url, autocommit=True) as connection:

            def insert() -> str | None:
                connection.execute(POSTGRES_INSERT, next(rows))
                return None

            yield insert

    return repeat_for(connections, seconds, warmup_s, inserter)


# SQLite ----------------------------------------------------------------------------------

SQLITE_TABLE = (
    "CREATE TABLE raw_events (originator_id TEXT, originator_version INTEGER, "
    "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
)
SQLITE_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)"
)


@contextlib.contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection as the library opens one: WAL, statements commit unless in BEGIN."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        yield connection
    finally:
        connection.close()


def _fresh_sqlite_table(path: Path) -> None:
    with _sqlite(path) as connection:
        connection.execute("DROP TABLE IF EXISTS raw_events")
        connection.execute(SQLITE_TABLE)


def _sqlite_row(row: Row) -> tuple[str, int, str, bytes]:
    originator, version, topic, state = row
    return str(originator), version, topic, state


def sqlite_batched_insert(path: Path, rows: list[Row]) -> Bulk:
    """``executemany`` of every row in one transaction."""
    _fresh_sqlite_table(path)
    params = [_sqlite_row(r) for r in rows]
    with _sqlite(path) as connection:
        before = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(SQLITE_INSERT, params)
        connection.execute("COMMIT")
        return Bulk(len(rows), time.perf_counter() - before)


def sqlite_single_rows(path: Path, sample: Sample, seconds: float, warmup_s: float) -> Timed:
    """One connection commits one row per transaction."""
    _fresh_sqlite_table(path)

    @contextlib.contextmanager
    def inserter(_: int) -> Iterator[Step]:
        rows = map(_sqlite_row, sample.rows())
        with _sqlite(path) as connection:

            def insert() -> str | None:
                connection.execute(SQLITE_INSERT, next(rows))
                return None

            yield insert

    return repeat_for(1, seconds, warmup_s, inserter)
