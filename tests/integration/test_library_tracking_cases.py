"""The ``eventsourcing`` library's own tracking-recorder test cases, run against the
projection views, which subclass the library's tracking recorders to write their rows
with the tracking position in one transaction (exactly once)."""

from eventsourcing.tests import persistence as library_cases

from projections.postgres import PostgresViews
from projections.sqlite import SQLiteViews
from tests.integration.test_library_recorder_cases import PostgresCase, SQLiteCase


class TestSQLiteViewsTracking(SQLiteCase, library_cases.TrackingRecorderTestCase):
    def create_recorder(self) -> SQLiteViews:  # type: ignore[override]
        return SQLiteViews(self.datastore)


class TestPostgresViewsTracking(PostgresCase, library_cases.TrackingRecorderTestCase):
    def create_recorder(self) -> PostgresViews:  # type: ignore[override]
        return PostgresViews(self.datastore)


del library_cases  # so pytest collects only the concrete cases above
