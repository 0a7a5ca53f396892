"""Read models rebuilt from the event log: household state across households,
completeness gaps, look-back candidates, summary counts."""

from ledger.application import HouseholdLedger
from projections.streams import StoredStreams
from projections.views import ViewTables


def open_views(ledger: HouseholdLedger) -> ViewTables:
    """The view tables in the ledger's own database, sharing its connection pool."""
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    if type(datastore).__name__ == "SQLiteDatastore":
        from projections.sqlite import SQLiteViews

        return SQLiteViews(datastore)
    from projections.postgres import PostgresViews

    return PostgresViews(datastore)


def open_streams(ledger: HouseholdLedger) -> StoredStreams:
    """Whole streams from the ledger's events table, through its connection pool."""
    datastore = ledger.recorder.datastore  # type: ignore[attr-defined]
    if type(datastore).__name__ == "SQLiteDatastore":
        from projections.sqlite import SQLiteStreams

        return SQLiteStreams(datastore.transaction)
    from projections.postgres import PostgresStreams

    return PostgresStreams(datastore.transaction)
