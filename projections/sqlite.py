"""The read models in the embedded SQLite file."""

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from projections.streams import StoredStreams
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

    def _values(self, table: str, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(map(self._value, super()._values(table, row)))


class SQLiteStreams(StoredStreams):
    # The library's SQLite recorder stores a UUID originator id as its hex text.
    def _stored_id(self, originator_id: UUID | str) -> Any:
        return originator_id.hex if isinstance(originator_id, UUID) else originator_id

    def _originator_id(self, stored: Any) -> UUID | str:
        return UUID(stored)
