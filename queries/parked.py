"""Households whose rules raise, parked by the projections (CONTRACT §7.1), for admins."""

from ledger.domain.callers import Caller
from projections.parked import Parked
from projections.views import ViewTables


class ParkedQuery:
    def __init__(self, views: ViewTables) -> None:
        self.views = views

    def parked(self, admin: Caller, *, after: str = "", limit: int = 100) -> list[Parked]:
        """The parked households of the admin's division, by household id."""
        return self.views.parked(division=admin.division, after=after, limit=limit)
