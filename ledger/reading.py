"""The ledger's reads: a household's state (now or as of a recorded time), its history,
the feed of every event in commit order, the village a household is registered in.

One ``HouseholdReads`` per ledger and process (its read states are shared by every read
of that ledger), built at the composition root beside the ledger it reads.
"""

from dataclasses import dataclass
from datetime import datetime
from itertools import takewhile
from typing import cast

from ledger.application import HouseholdLedger
from ledger.domain.access import in_scope
from ledger.domain.callers import Caller
from ledger.domain.errors import UnknownHousehold
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all, as_of, replay
from ledger.recent_states import RecentStates

RECORDED_UNTIL_PAGE = 500  # events read at a time while replaying to a recorded time


@dataclass(frozen=True)
class FeedPage:
    events: list[tuple[int, HouseholdEvent]]  # (position, event), in commit order
    scanned_to: int
    more: bool


def village_of(ledger: HouseholdLedger, household_id: str) -> str | None:
    """The household's village code, from its registration (version 1; never changed)."""
    first = ledger.stream(household_id, lte=1)
    return first[0].data["village_code"] if first else None


class HouseholdReads:
    """The reads of one ledger, within the caller's division (others' households are
    unknown to it)."""

    def __init__(self, ledger: HouseholdLedger) -> None:
        self.ledger = ledger
        self._states = RecentStates()  # shared by reads, never changed

    def household(
        self, household_id: str, caller: Caller, moment: datetime | None = None
    ) -> Household:
        """Current state, or as it stood at recorded time ``moment``."""
        return self.household_and_events(household_id, caller, moment)[0]

    def household_and_events(
        self,
        household_id: str,
        caller: Caller,
        moment: datetime | None = None,
    ) -> tuple[Household, list[HouseholdEvent]]:
        """The state and the whole stream it was replayed from, read once."""
        if moment is None:
            state = self._current(household_id)
            events = list(state.history)
        else:
            events = self._recorded_until(household_id, moment)
            state = as_of(household_id, events, moment)
        if not state.registered or not in_scope(caller, state.village_code):
            when = "" if moment is None else f" as of {moment.isoformat()}"
            raise UnknownHousehold(f"household '{household_id}' is not registered{when}")
        return state, events

    def history(
        self, household_id: str, caller: Caller, *, after_version: int = 0, limit: int = 100
    ) -> list[HouseholdEvent]:
        """Events oldest first, after ``after_version``; unknown households raise. Reads
        the page's rows alone (and the registration, for the scope), however long the
        history."""
        village = self.village_of(household_id)
        if village is None or not in_scope(caller, village):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        return self.ledger.stream(household_id, gt=after_version, limit=limit)

    def feed(self, caller: Caller, *, after: int = 0, limit: int = 100) -> FeedPage:
        """The events of the caller's division in commit order, scanning ``limit``
        positions after ``after``; ``scanned_to`` is where the next page starts."""
        notifications = self.ledger.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        events = [
            (n.id, cast(HouseholdEvent, self.ledger.mapper.to_domain_event(n)))
            for n in notifications
        ]
        if caller.division:
            villages = self._villages({event.household_id for _, event in events})
            events = [
                (pos, e) for pos, e in events if in_scope(caller, villages.get(e.household_id))
            ]
        scanned_to = notifications[-1].id if notifications else after
        return FeedPage(events, scanned_to, more=len(notifications) == limit)

    def village_of(self, household_id: str) -> str | None:
        """The household's village code, from its registration (version 1)."""
        return village_of(self.ledger, household_id)

    def _villages(self, household_ids: set[str]) -> dict[str, str]:
        return {
            household_id: village
            for household_id in household_ids
            if (village := self.village_of(household_id)) is not None
        }

    def _current(self, household_id: str) -> Household:
        """The state now: the one a read kept, if nothing was stored since, else a replay
        that decodes only the events the kept one lacks, applied to it."""
        kept = self._states.get(household_id)
        if kept is None:
            state = replay(household_id, self.ledger.stream(household_id))
        else:
            newer = self.ledger.stream(household_id, gt=kept.version)
            if not newer:
                return kept
            state = apply_all(kept, newer)
        if state.registered:
            self._states.keep(state)
        return state

    def _recorded_until(self, household_id: str, moment: datetime) -> list[HouseholdEvent]:
        """The events recorded up to ``moment``, read a page at a time and none after it
        (a replay to a date early in a long history reads that early part alone)."""
        events: list[HouseholdEvent] = []
        while True:
            rows = self.ledger.stream(
                household_id,
                gt=events[-1].version if events else 0,
                limit=RECORDED_UNTIL_PAGE,
            )
            kept = list(takewhile(lambda e: e.recorded_at <= moment, rows))
            events += kept
            if len(kept) < RECORDED_UNTIL_PAGE:
                return events
