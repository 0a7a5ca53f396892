"""Read models rebuilt from the event log: household state across households,
completeness gaps, look-back candidates, summary counts."""

from typing import Protocol

from ledger.application import HouseholdLedger
from projections.views import ViewTables


class ProjectionsBackend(Protocol):
    """One database kind's read models (``sqlite.py``, ``postgres.py``)."""

    def views(self, ledger: HouseholdLedger) -> ViewTables:
        """The view tables in the ledger's own database, sharing its connection pool."""
        ...
