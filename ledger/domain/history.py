"""The events a household's state was built from, oldest first, as an immutable sequence.

A state one event later has a history one event longer. Copying the whole history for
each event would make a replay quadratic, so the histories of successive states share
one growing log: each sees its own first ``len`` events of it, which never change.
Extending the newest history appends to the log, and extending an older one by the event
that follows it in the log shares it too (a decision's events, applied again by its
caller); extending it by another event (a second decision on the same state) copies its
part of the log once, so neither sees the other.
"""

from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from threading import Lock
from typing import overload

from ledger.domain.events import HouseholdEvent


class _Log:
    def __init__(self, events: list[HouseholdEvent]) -> None:
        self.events = events
        self.indexed = 0  # events[:indexed] are in positions: built when first looked up
        self.positions: dict[str, int] = {}
        self.lock = Lock()  # two threads may extend or index histories of the same log

    def position(self, event_id: str) -> int | None:
        with self.lock:
            for index in range(self.indexed, len(self.events)):
                self.positions[str(self.events[index].id)] = index
            self.indexed = len(self.events)
            return self.positions.get(event_id)


class History(Sequence[HouseholdEvent]):
    __slots__ = ("_length", "_log")

    def __init__(self) -> None:
        self._log = _Log([])
        self._length = 0

    @classmethod
    def _of(cls, log: _Log, length: int) -> "History":
        history = cls.__new__(cls)
        history._log, history._length = log, length
        return history

    def extended(self, events: Sequence[HouseholdEvent]) -> "History":
        """This history and ``events`` after it."""
        log, length = self._log, self._length
        with log.lock:
            following = log.events[length : length + len(events)]
            if not following:
                log.events.extend(events)
            elif len(following) != len(events) or any(
                a is not b for a, b in zip(following, events, strict=True)
            ):  # another branch went on: leave it be
                return History._of(_Log([*self, *events]), length + len(events))
        return History._of(log, length + len(events))

    def event(self, event_id: str) -> HouseholdEvent | None:
        """The event of this history with that id, if there is one."""
        position = self._log.position(event_id)
        if position is None or position >= self._length:
            return None
        return self._log.events[position]

    @property
    def types(self) -> Mapping[str, str]:
        """The type of each event, by event id."""
        return _Types(self)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[HouseholdEvent]:
        return islice(self._log.events, self._length)

    @overload
    def __getitem__(self, index: int) -> HouseholdEvent: ...
    @overload
    def __getitem__(self, index: slice) -> list[HouseholdEvent]: ...
    def __getitem__(self, index: int | slice) -> HouseholdEvent | list[HouseholdEvent]:
        if isinstance(index, slice):
            return self._log.events[: self._length][index]
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError("history index out of range")
        return self._log.events[position]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        return f"History({self._length} events)"


class _Types(Mapping[str, str]):
    __slots__ = ("_history",)

    def __init__(self, history: History) -> None:
        self._history = history

    def __getitem__(self, event_id: str) -> str:
        event = self._history.event(event_id)
        if event is None:
            raise KeyError(event_id)
        return event.TYPE

    def __iter__(self) -> Iterator[str]:
        return (str(event.id) for event in self._history)

    def __len__(self) -> int:
        return len(self._history)
