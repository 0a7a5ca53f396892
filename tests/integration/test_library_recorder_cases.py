"""The ``eventsourcing`` library's own recorder test cases, run against our recorders.

Our recorders subclass the library's to write idempotency keys in the append's
transaction; these cases check that nothing the library promises was lost doing so.
"""

import os
import tempfile
import threading
import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests import persistence as library_cases

from bootstrap import migrate
from ledger.persistence.database import Database
from ledger.persistence.postgres import LedgerPostgresRecorder
from ledger.persistence.sqlite import LedgerSQLiteRecorder
from tests.conftest import POSTGRES_URL, _postgres_unreachable


def join_threads_started_since(before: set[threading.Thread]) -> None:
    """The library's concurrency case stops its reader threads without joining them;
    closing the datastore under a reader still inside SQLite crashes the interpreter."""
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon:  # connection pools keep daemon workers until they close
            thread.join(timeout=30)


class SQLiteCase:
    def setUp(self) -> None:
        self.threads_before = set(threading.enumerate())
        self.folder = tempfile.TemporaryDirectory()
        path = os.path.join(self.folder.name, "ledger.db")
        migrate(Database.from_url(f"sqlite:///{path}"))
        self.datastore = SQLiteDatastore(path)

    def tearDown(self) -> None:
        join_threads_started_since(self.threads_before)
        self.datastore.close()
        self.folder.cleanup()

    def create_recorder(self) -> LedgerSQLiteRecorder:
        return LedgerSQLiteRecorder(self.datastore)


class PostgresCase:
    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = False  # a refused insert burns sequence values

    def setUp(self) -> None:
        self.threads_before = set(threading.enumerate())
        reason = _postgres_unreachable()
        if reason:
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(f"SKIPPING POSTGRESQL TESTS — {reason}")
        self.name = f"ledger_lib_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        server = Database.from_url(POSTGRES_URL)
        migrate(server.with_name(self.name))
        self.datastore = PostgresDatastore(
            self.name,
            server.host,
            server.port,
            server.user,
            server.password,
            pool_size=4,
            max_overflow=4,
        )

    def tearDown(self) -> None:
        join_threads_started_since(self.threads_before)
        self.datastore.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def create_recorder(self) -> LedgerPostgresRecorder:
        return LedgerPostgresRecorder(self.datastore)


def _skip_timing(case: Any) -> Any:
    # Speed belongs in bench/, not in the suite.
    case.test_performance = None
    case.test_concurrent_throughput = None
    return case


@_skip_timing
class TestSQLiteApplicationRecorder(SQLiteCase, library_cases.ApplicationRecorderTestCase):
    pass


@_skip_timing
class TestPostgresApplicationRecorder(PostgresCase, library_cases.ApplicationRecorderTestCase):
    pass


class TestSQLiteNonInterleaving(SQLiteCase, library_cases.NonInterleavingNotificationIDsBaseCase):
    pass


class TestPostgresNonInterleaving(
    PostgresCase, library_cases.NonInterleavingNotificationIDsBaseCase
):
    pass


del library_cases  # so pytest collects only the concrete cases above
