"""What a household's web page shows: its state and stream (as of a recorded time if
asked), its procedures, which cited materials it may carry, and its badge."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.domain.callers import Caller
from ledger.domain.completeness import assess
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, as_of
from ledger.materials import MaterialStore, included_in_archive
from ledger.reading import HouseholdReads
from ledger.transparency.badge import Badge, Badges, Mismatch
from ledger.transparency.log import TransparencyLog


@dataclass(frozen=True)
class HouseholdRecord:
    household: Household
    events: list[HouseholdEvent]  # those recorded by the moment asked, oldest first
    completeness: dict[str, Any]
    material_included: Callable[[str], bool]  # whether the page may link a cited file
    verification: Badge | Mismatch  # of the stream as stored now


class HouseholdPageQuery:
    def __init__(
        self,
        reads: HouseholdReads,
        configuration: RulesConfiguration,
        materials: MaterialStore,
        transparency: TransparencyLog,
        badges: Badges,
    ) -> None:
        self.reads = reads
        self.configuration = configuration
        self.materials = materials
        self.transparency = transparency
        self.badges = badges

    def read(
        self, household_id: str, caller: Caller, moment: datetime | None = None
    ) -> HouseholdRecord:
        """The household as it stands (or stood at recorded time ``moment``); unknown
        outside the caller's division or if not registered now."""
        household, events = self.reads.household_and_events(household_id, caller)
        if moment is not None:
            events = [event for event in events if event.recorded_at <= moment]
            household = as_of(household_id, events, moment)
        village = household.village_code or ""
        ledger = self.reads.ledger
        verification: Badge | Mismatch
        try:
            verification = self.badges.verify(ledger, self.transparency, household_id)
        except Mismatch as failure:
            verification = failure
        return HouseholdRecord(
            household,
            events,
            assess(household_id, events, self.configuration.for_division(village)).to_document(),
            included_in_archive(ledger.tables, self.materials, caller, village),
            verification,
        )
