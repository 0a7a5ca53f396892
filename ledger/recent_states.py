"""The states of the households this process appended to most recently.

An append judges its events on the household's state; replaying it decoded the whole
stream, which grows with every append (1 ms of a 1.8 ms append at 50 events,
PostgreSQL). After an append the state it advanced is kept here for the next append to
the household (``HouseholdLedger._decide`` says why that is safe with other writers).
"""

import threading
from collections import OrderedDict

from ledger.domain.household import Household


class RecentStates:
    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, Household] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, household_id: str) -> Household | None:
        """Removes and returns the kept state: the taker advances it, and keeps it again
        only once the events it was advanced by are stored."""
        with self._lock:
            return self._states.pop(household_id, None)

    def keep(self, state: Household) -> None:
        with self._lock:
            self._states[state.household_id] = state
            if len(self._states) > self._capacity:
                self._states.popitem(last=False)
