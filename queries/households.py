"""A household's state, history and procedures, and the feed of every event."""

from datetime import datetime
from typing import Any

from ledger.domain.callers import Caller
from ledger.domain.completeness import assess
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.reading import FeedPage, HouseholdReads


class HouseholdQueries:
    """What the API and the CLI read of households, within the caller's division."""

    def __init__(self, reads: HouseholdReads, configuration: RulesConfiguration) -> None:
        self.reads = reads
        self.configuration = configuration

    def state(self, household_id: str, caller: Caller, as_of: datetime | None = None) -> Household:
        """The state now, or as it stood at a recorded time."""
        return self.reads.household(household_id, caller, as_of)

    def history(
        self, household_id: str, caller: Caller, *, after_version: int = 0, limit: int = 100
    ) -> list[HouseholdEvent]:
        return self.reads.history(household_id, caller, after_version=after_version, limit=limit)

    def completeness(self, household_id: str, caller: Caller) -> dict[str, Any]:
        """The episodes of the procedure with their steps and gaps (CONTRACT §3), assessed
        on the stream the state was replayed from (read once)."""
        household, events = self.reads.household_and_events(household_id, caller)
        config = self.configuration.for_division(household.village_code or "")
        return assess(household_id, events, config).to_document()

    def feed(self, caller: Caller, *, after: int = 0, limit: int = 100) -> FeedPage:
        return self.reads.feed(caller, after=after, limit=limit)

    def village_of(self, household_id: str) -> str | None:
        return self.reads.village_of(household_id)
