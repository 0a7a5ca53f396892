"""The bare library: a plain ``eventsourcing`` ``Application`` with a trivial aggregate
and no ledger code, on the library's stock SQLite and PostgreSQL persistence, the library
creating its own table in a fresh database. Its events carry a text padded so that their
stored state is as long as the ledger's stored events on average.

These are the denominators of issue 6's append targets: the service over HTTP against
what the library it is built on does in-process.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.common import Step, Timed, repeat_for
from ledger.persistence.database import Database

AGGREGATES_PER_THREAD = 50
POOL_SIZE = 10  # as the service's default LEDGER_POOL_SIZE, so 8 threads never wait for one


class Note(Aggregate):
    """A trivial aggregate: text written to it, nothing decided."""

    def __init__(self, text: str) -> None:
        self.text = text

    @event("Written")
    def write(self, text: str) -> None:
        self.text = text


class BareApplication(Application[UUID]):
    """Nothing but the library's ``Application``: stock transcoder, recorder and table."""


def stock_env(url: str) -> dict[str, str]:
    """The library's stock persistence for ``url`` (it creates its table itself)."""
    database = Database.from_url(url)
    if database.kind == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": database.path,
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": database.name,
        "POSTGRES_HOST": database.host,
        "POSTGRES_PORT": str(database.port),
        "POSTGRES_USER": database.user,
        "POSTGRES_PASSWORD": database.password,
        "POSTGRES_POOL_SIZE": str(POOL_SIZE),
        "POSTGRES_MAX_OVERFLOW": str(POOL_SIZE),
    }


def padded_text(app: Application[UUID], state_bytes: float) -> str:
    """The text that makes a ``Written`` event's stored state ``state_bytes`` long."""
    probe = Note("")
    probe.write("")
    bare = len(app.mapper.to_stored_event(probe.collect_events()[-1]).state)
    return "x" * max(0, round(state_bytes) - bare)


@dataclass
class Batches:
    """Saves of many events of one aggregate each, and how long each took."""

    events_per_save: int
    seconds: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Events a second over the summed save times."""
        total = sum(self.seconds)
        return self.events_per_save * len(self.seconds) / total if total else 0.0


def single_saves(
    app: Application[UUID], text: str, threads: int, seconds: float, warmup_s: float
) -> Timed:
    """Each thread writes one event to one of its own aggregates and saves it, in turn."""

    @contextlib.contextmanager
    def saver(_: int) -> Iterator[Step]:
        notes = [Note(text) for _ in range(AGGREGATES_PER_THREAD)]
        app.save(*notes)
        turn = cycle(notes)

        def save() -> str | None:
            note = next(turn)
            note.write(text)
            app.save(note)
            return None

        yield save

    return repeat_for(threads, seconds, warmup_s, saver)


def batch_saves(app: Application[UUID], text: str, saves: int, events: int) -> Batches:
    """``saves`` new aggregates of ``events`` events each (the creation and the rest
    written), each saved in one ``save``."""
    batches = Batches(events)
    for _ in range(saves):
        note = Note(text)
        for _ in range(events - 1):
            note.write(text)
        before = time.perf_counter()
        app.save(note)
        batches.seconds.append(time.perf_counter() - before)
    return batches
