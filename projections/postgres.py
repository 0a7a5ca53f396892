"""The read models in PostgreSQL."""

from inspect import unwrap
from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from projections.views import ViewTables

TRACKING_TABLE = "projection_tracking"
_VIEWS_LOCK = 7_230_926


class PostgresViews(ViewTables, PostgresTrackingRecorder):
    DELETE_TRACKING = f"DELETE FROM {TRACKING_TABLE} WHERE application_name = ?"
    # One attempt, not the library's ten (each waiting up to POSTGRES_CONNECT_TIMEOUT for
    # a connection while PostgreSQL is down): a list waiting for the read models answers
    # 503 in seconds, and the runner retries on its own loop.
    max_tracking_id = unwrap(PostgresTrackingRecorder.max_tracking_id)
    has_tracking_id = unwrap(PostgresTrackingRecorder.has_tracking_id)

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        self._transaction = datastore.transaction

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def _serialise(self, cursor: Any) -> None:
        # Two runners replacing overlapping households' rows would otherwise lock rows in
        # different orders and deadlock; the loser then fails its tracking insert as usual.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_VIEWS_LOCK,))
