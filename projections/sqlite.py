"""The read models in the embedded SQLite file."""

from datetime import date
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from projections.views import ViewTables


class SQLiteViews(ViewTables, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore) -> None:
        super().__init__(datastore)
        self._transaction = datastore.transaction

    def _value(self, value: Any) -> Any:
        # Dates as ISO text compare correctly as strings; Decimals keep their exact text.
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value if isinstance(value, int | float | str | None) else str(value)
