"""The ledger as the library's ``Application``: its stored events, their transcoding, the
listeners told of each write — and the reads. Appends go through ``ledger.appending``.

One ``HouseholdLedger`` per process, built at the composition root with the library's
settings for the configured database (its backend's ``env``, ``bootstrap.open_ledger``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from ledger.domain.access import in_scope
from ledger.domain.callers import Caller
from ledger.domain.errors import UnknownHousehold
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, as_of, replay
from ledger.persistence.ports import LedgerStores, LedgerTables, stores_of
from ledger.persistence.transcoding import register_ledger_transcodings
from ledger.recent_states import RecentStates

HOUSEHOLD_NAMESPACE = UUID("6f1f2a52-3c1e-5b0e-9d49-530925000000")


def originator_id(household_id: str) -> UUID:
    """The stream id of a household: a UUID derived from its id, stable forever."""
    return uuid5(HOUSEHOLD_NAMESPACE, household_id)


@dataclass(frozen=True)
class FeedPage:
    events: list[tuple[int, HouseholdEvent]]  # (position, event), in commit order
    scanned_to: int
    more: bool


class HouseholdLedger(Application[UUID]):
    name = "ledger"

    def __init__(
        self,
        env: EnvType | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self.clock = clock  # the service's now: appends' recorded_at, the access log's
        self.stores: LedgerStores = stores_of(self.recorder)  # tokens, keys, logs, sessions
        self.tables: LedgerTables = self.stores.tables
        self._read_states = RecentStates()  # shared by reads, never changed
        # Told how many events each write stored: wake the projection runner, count them.
        self.on_append: list[Callable[[int], object]] = []

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self.on_append:
            listener(len(recordings))

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Settings come from the composition root only, never from os.environ here.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    # Reading

    def stream(self, household_id: str, **selection: Any) -> list[HouseholdEvent]:
        """The household's events, oldest first (``gt``, ``lte``, ``limit`` select)."""
        return cast(
            list[HouseholdEvent], list(self.events.get(originator_id(household_id), **selection))
        )

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
        """The state and the whole stream it was replayed from, read once (the page's
        badge re-reads the stored rows itself: ``ledger.transparency.badge``)."""
        if moment is None:
            state = self._current(household_id)
            events = state.history
        else:
            events = self._recorded_until(household_id, moment)
            state = as_of(household_id, events, moment)
        if not state.registered or not in_scope(caller, state.village_code):
            when = "" if moment is None else f" as of {moment.isoformat()}"
            raise UnknownHousehold(f"household '{household_id}' is not registered{when}")
        return state, events

    def _recorded_until(
        self, household_id: str, moment: datetime, page: int = 500
    ) -> list[HouseholdEvent]:
        """The events recorded up to ``moment``, read a page at a time and none after it
        (a replay to a date early in a long history reads that early part alone)."""
        events: list[HouseholdEvent] = []
        while True:
            rows = self.stream(household_id, gt=events[-1].version if events else 0, limit=page)
            kept = list(takewhile(lambda e: e.recorded_at <= moment, rows))
            events += kept
            if len(kept) < page:
                return events

    def history(
        self, household_id: str, caller: Caller, *, after_version: int = 0, limit: int = 100
    ) -> list[HouseholdEvent]:
        """Events oldest first, after ``after_version``; unknown households raise. Reads
        the page's rows alone (and the registration, for the scope), however long the
        history."""
        village = self.village_of(household_id)  # set at registration, never changed
        if village is None or not in_scope(caller, village):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        return self.stream(household_id, gt=after_version, limit=limit)

    def _current(self, household_id: str) -> Household:
        """The state now: the one a read kept, if nothing was stored since, else a replay
        that decodes only the events the kept one lacks. Readers never change a state."""
        kept = self._read_states.get(household_id)
        if kept is None:
            state = replay(household_id, self.stream(household_id))
        else:
            newer = self.stream(household_id, gt=kept.version)
            if not newer:
                return kept
            state = replay(household_id, [*kept.history, *newer])
        if state.registered:
            self._read_states.keep(state)
        return state

    def feed(self, caller: Caller, *, after: int = 0, limit: int = 100) -> FeedPage:
        """The events of the caller's division in commit order, scanning ``limit``
        positions after ``after``; ``scanned_to`` is where the next page starts."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        events = [
            (n.id, cast(HouseholdEvent, self.mapper.to_domain_event(n))) for n in notifications
        ]
        if caller.division:
            villages = self._villages({event.household_id for _, event in events})
            events = [
                (pos, e) for pos, e in events if in_scope(caller, villages.get(e.household_id))
            ]
        scanned_to = notifications[-1].id if notifications else after
        return FeedPage(events, scanned_to, more=len(notifications) == limit)

    def _villages(self, household_ids: set[str]) -> dict[str, str]:
        return {
            household_id: village
            for household_id in household_ids
            if (village := self.village_of(household_id)) is not None
        }

    def village_of(self, household_id: str) -> str | None:
        """The household's village code, from its registration (version 1)."""
        first = self.stream(household_id, lte=1)
        return first[0].data["village_code"] if first else None

    def ping(self) -> None:
        self.tables.ping()
