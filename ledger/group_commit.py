"""Group commit: concurrent writers share one transaction.

The event store serialises every transaction behind one lock (commit order = log order),
so single-event transactions cap writes at a few hundred per second whatever the number
of clients. Here a writer that finds no write in progress becomes the leader and writes
at once — alone, so a lone client waits for nothing — while writers that arrive during
its transaction queue up; when it is done the next leader writes everything queued in
one transaction: one lock cycle and one fsync for the lot. Each writer still gets its
own outcome: a group that fails with a conflict is written again writer by writer, so a
conflict belongs to the one writer that caused it and the others are committed.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Pending(Generic[T]):
    item: T
    done: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[T]):
    def __init__(
        self,
        write: Callable[[Sequence[T]], None],
        *,
        conflict: type[BaseException],
        max_items: int = 256,
        weight: Callable[[T], int] = lambda _: 1,
        max_weight: int | None = None,
    ) -> None:
        """``write`` stores its items in one transaction, all or none; it raises
        ``conflict`` when an item clashes with what is stored (then each is retried).
        A group holds at most ``max_items`` items and, beyond its first, ``max_weight``."""
        self._write = write
        self._conflict = conflict
        self._max_items = max_items
        self._weight = weight
        self._max_weight = max_weight
        self._queue: list[_Pending[T]] = []
        self._writing = False
        self._changed = threading.Condition()
        self.groups_written = 0  # transactions attempted, for metrics and tests
        self.items_written = 0

    def commit(self, item: T) -> None:
        """Returns once ``item`` is committed; raises what writing it raised."""
        (error,) = self.commit_all([item])
        if error is not None:
            raise error

    def commit_all(self, items: Sequence[T]) -> list[BaseException | None]:
        """Returns once every one of ``items`` is written, in one transaction as far as
        the limits of a group allow (bulk import); each one's error, or None if committed."""
        pendings = [_Pending(item) for item in items]
        with self._changed:
            self._queue.extend(pendings)
        while True:
            with self._changed:
                while self._writing and not all(p.done for p in pendings):
                    self._changed.wait()
                if all(p.done for p in pendings):
                    break
                group = self._next_group()
                self._writing = True
            try:
                self._write_group(group)
            finally:
                with self._changed:
                    for written in group:
                        written.done = True
                    self._writing = False
                    self._changed.notify_all()
        return [p.error for p in pendings]

    def _next_group(self) -> list[_Pending[T]]:
        taken, weight = 0, 0
        for pending in self._queue[: self._max_items]:
            weight += self._weight(pending.item)
            if taken and self._max_weight is not None and weight > self._max_weight:
                break
            taken += 1
        group = self._queue[:taken]
        del self._queue[:taken]
        return group

    def _write_group(self, group: list[_Pending[T]]) -> None:
        self.groups_written += 1
        self.items_written += len(group)
        try:
            self._write([p.item for p in group])
        except self._conflict as error:
            if len(group) == 1:
                group[0].error = error
            else:
                for pending in group:
                    self._write_alone(pending)
        except BaseException as error:
            for pending in group:
                pending.error = error

    def _write_alone(self, pending: _Pending[T]) -> None:
        try:
            self._write([pending.item])
        except BaseException as error:
            pending.error = error


class KeyedLocks:
    """One lock per key in use (a household being appended to). Striped locks would make
    households sharing a stripe wait for each other — and sit out each other's group."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._held.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if not users[0]:
                    del self._held[key]
