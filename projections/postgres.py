"""The read models in PostgreSQL."""

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

from projections.views import ViewTables

TRACKING_TABLE = "projection_tracking"


class PostgresViews(ViewTables, PostgresTrackingRecorder):
    DELETE_TRACKING = f"DELETE FROM {TRACKING_TABLE} WHERE application_name = ?"

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        self._transaction = datastore.transaction

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")
