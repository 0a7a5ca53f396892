"""The read models in the embedded SQLite file, in the ledger's own file."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore, SQLiteTrackingRecorder

from ledger.application import HouseholdLedger
from projections.streams import Row, StoredStreams
from projections.views import COLUMNS, ViewTables

# The columns holding values SQLite cannot bind as they are: dates (as ISO text, which
# compares correctly as strings) and Decimals (as their exact text). The others hold text,
# integers, booleans (bound as 0 and 1) or NULL; anything else fails loudly when bound.
_AS_TEXT = frozenset({"latest_income", "active_from", "active_until", "day"})
_CONVERTED = {
    table: [i for i, column in enumerate(columns) if column in _AS_TEXT]
    for table, columns in COLUMNS.items()
}


# A batch's households land at random places in most view indexes; with SQLite's default
# 2 MB page cache nearly every insert re-reads its page. Catch-up at 100k households:
# 12.8k -> 15.4k events/s with 64 MB. It is per connection (the pool keeps five and
# rotates them) and fills only as a large database's pages are touched.
_WRITE_CACHE_KIB = 65_536


class SQLiteViews(ViewTables, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore) -> None:
        super().__init__(datastore)
        self._transaction = datastore.transaction

    def streams(self) -> "SQLiteStreams":
        return SQLiteStreams(self._transaction)

    def _begin_writing(self, cursor: Any) -> None:
        cursor.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB:d}")
        # The write lock first, waiting for it (the busy timeout): the library begins
        # deferred, and a transaction that read first (which set is live, the versions
        # present) cannot take it if another connection wrote since: "database is locked"
        # at once, as a rebuild met while the service wrote beside it.
        cursor.execute("UPDATE read_models SET live = live WHERE id = 1")

    def _not_by_index(self, column: str) -> str:
        # Its planner estimates a range by a constant fraction: a county's (most of the
        # rows) it would read whole by the range's index, then sort.
        return f"({column} || '')"

    def _value(self, value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value if isinstance(value, int | float | str | None) else str(value)

    def _values(self, table: str, row: dict[str, Any]) -> tuple[Any, ...]:
        values = super()._values(table, row)
        if not _CONVERTED[table]:
            return values
        converted = list(values)
        for index in _CONVERTED[table]:
            converted[index] = self._value(converted[index])
        return tuple(converted)


class SQLiteStreams(StoredStreams):
    def _rows(self, statement: str, params: Sequence[Any]) -> list[Row]:
        with self._transaction(commit=False) as cursor:
            # Tuples, not the library's sqlite3.Row: a rebuild's workers get them pickled.
            cursor.sqlite_cursor.row_factory = None
            cursor.execute(statement, params)
            return list(cursor.fetchall())

    # The library's SQLite recorder stores a UUID originator id as its hex text.
    def _stored_id(self, originator_id: UUID | str) -> Any:
        return originator_id.hex if isinstance(originator_id, UUID) else originator_id

    def _originator_id(self, stored: Any) -> UUID | str:
        return UUID(stored)


class SQLiteProjections:
    """The read models of an SQLite ledger, sharing its connection pool."""

    def views(self, ledger: HouseholdLedger) -> SQLiteViews:
        recorder = ledger.recorder
        if not isinstance(recorder, SQLiteApplicationRecorder):
            raise TypeError("not an SQLite ledger")
        return SQLiteViews(recorder.datastore)


SQLITE_PROJECTIONS = SQLiteProjections()
