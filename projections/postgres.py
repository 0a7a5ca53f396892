"""The read models in PostgreSQL."""

from collections.abc import Sequence
from inspect import unwrap
from typing import Any
from uuid import UUID

from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from psycopg.rows import tuple_row

from ledger.application import HouseholdLedger
from projections.bluegreen import ReadModels
from projections.streams import StoredStreams
from projections.views import COLUMNS, TABLES, ViewTables

TRACKING_TABLE = "projection_tracking"
_VIEWS_LOCK = 7_230_926


class PostgresViews(ViewTables, PostgresTrackingRecorder):
    DELETE_TRACKING = f"DELETE FROM {TRACKING_TABLE} WHERE application_name = ?"
    INSERT_TRACKING_IF_ABSENT = (
        f"INSERT INTO {TRACKING_TABLE} (application_name, notification_id) VALUES (?, ?) "
        "ON CONFLICT (application_name) DO NOTHING RETURNING notification_id"
    )
    # One attempt, not the library's ten (each waiting up to POSTGRES_CONNECT_TIMEOUT for
    # a connection while PostgreSQL is down): a list waiting for the read models answers
    # 503 in seconds, and the runner retries on its own loop.
    max_tracking_id = unwrap(PostgresTrackingRecorder.max_tracking_id)
    has_tracking_id = unwrap(PostgresTrackingRecorder.has_tracking_id)

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        self._transaction = datastore.transaction

    def streams(self) -> "PostgresStreams":
        return PostgresStreams(self._transaction)

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def _versions(
        self, cursor: Any, models: ReadModels, household_ids: Sequence[str]
    ) -> dict[str, int]:
        cursor.execute(
            f"SELECT household_id, version FROM {models.table('household_view')} "
            "WHERE household_id = ANY(%s)",
            (list(household_ids),),
        )
        return {row["household_id"]: row["version"] for row in cursor.fetchall()}

    def _delete(self, cursor: Any, models: ReadModels, household_ids: Sequence[str]) -> None:
        for table in TABLES:
            cursor.execute(
                f"DELETE FROM {models.table(table)} WHERE household_id = ANY(%s)",
                (list(household_ids),),
            )

    def _any(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        return f"{column} = ANY(?)", (list(values),)

    def _insert(
        self, cursor: Any, models: ReadModels, table: str, rows: list[dict[str, Any]]
    ) -> None:
        with cursor.copy(
            f"COPY {models.table(table)} ({', '.join(COLUMNS[table])}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(self._values(table, row))

    def _begin_writing(self, cursor: Any) -> None:
        # Two runners replacing overlapping households' rows would otherwise lock rows in
        # different orders and deadlock; the loser then fails its tracking insert as usual.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_VIEWS_LOCK,))


class PostgresStreams(StoredStreams):
    _mark = "%s"
    _position = "notification_id"

    def _any_of(self, originator_ids: Sequence[UUID | str]) -> tuple[str, Sequence[Any]]:
        return "originator_id = ANY(%s)", [list(originator_ids)]

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        with self._transaction(commit=False) as cursor:
            cursor.row_factory = tuple_row  # the pool gives dicts, slower to build
            # Binary results: states come as their bytes, not as hex text twice their size.
            cursor.execute(statement, params, binary=True)
            return list(cursor.fetchall())


class PostgresProjections:
    """The read models of a PostgreSQL ledger, sharing its connection pool."""

    def views(self, ledger: HouseholdLedger) -> PostgresViews:
        recorder = ledger.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            raise TypeError("not a PostgreSQL ledger")
        return PostgresViews(recorder.datastore)


POSTGRES_PROJECTIONS = PostgresProjections()
