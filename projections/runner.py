"""Keeps the read models current: reads the log after the recorded position, recomputes
the households it touches, and commits their rows with the new position in one
transaction (exactly once).

A pull loop rather than the library's ``ProjectionRunner``, because the SQLite recorder
cannot subscribe; it polls, and wakes at once when this process appends. Several
runners may run at once (``ledger serve`` and ``ledger projections run``): a batch whose
position another runner recorded first fails its tracking insert and is dropped.
A failure in the rules stops the runner at that position and says so; nothing is skipped.
"""

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

import structlog
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)

from ledger.application import HouseholdLedger
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import LedgerError
from ledger.domain.events import HouseholdEvent
from projections import open_streams
from projections.pool import RowsPool
from projections.rows import HouseholdRows, rows_for
from projections.streams import Row, streams_of
from projections.views import APPLICATION, ViewTables

log = structlog.get_logger("ledger.projections")


class ProjectionsUnavailable(LedgerError):
    """The read models cannot answer now (still catching up, or stopped on an error)."""

    code = "PROJECTIONS_UNAVAILABLE"


@dataclass
class RunnerState:
    position: int = 0
    failed_at: int | None = None
    error: str | None = None


REBUILD_PAGE = 5_000  # about as many events a rebuild reads, computes and writes at once


class ProjectionRunner:
    def __init__(self, ledger: HouseholdLedger, views: ViewTables,
                 configuration: RulesConfiguration, *, batch_size: int = 10_000) -> None:
        self.ledger = ledger
        self.views = views
        self.configuration = configuration
        self.batch_size = batch_size
        self.streams = open_streams(ledger)
        self.state = RunnerState()
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def position(self) -> int:
        return self.views.max_tracking_id(APPLICATION) or 0

    def run_once(self) -> int:
        """Processes one batch; returns how many log entries it covered (0: caught up)."""
        page = self.streams.touched(self.position(), self.batch_size)
        if not page.entries:
            return 0
        batch = [self._rows(stream) for stream in self.streams.of(page.originator_ids).values()]
        try:
            self.views.commit(batch, page.last)
        except IntegrityError:
            return page.entries  # another runner recorded this position first
        self.state.position = page.last
        return page.entries

    def _rows(self, stored: list[StoredEvent]) -> tuple[str, HouseholdRows | None]:
        """A household's id and rows from its whole stream, each event decoded once."""
        events = [cast(HouseholdEvent, self.ledger.mapper.to_domain_event(s)) for s in stored]
        household_id = events[0].household_id
        return household_id, rows_for(household_id, events, self.configuration)

    def catch_up(self, progress: Callable[[int], None] | None = None) -> None:
        while covered := self.run_once():
            if progress:
                progress(covered)

    def rebuild(self, progress: Callable[[int], None] | None = None, *,
                workers: int = 0) -> None:
        """Forgets the read models and recomputes them from every stored event.

        Each stream is read once, in the order of the events table's primary key (one
        scan, not a query per household touched), and the rows of many households are
        written at once. Then the end of the log as it was at the start is recorded, and
        the runner catches up from there as ever. A runner working meanwhile (that of
        ``ledger serve``) does no harm: rows of a later version of a stream are never
        replaced by older ones, and if it recorded a position first, it goes on from its
        own. With ``workers``, rows are computed in that many spawned processes (for the
        command line: never in a serving process); with none, in this one.
        """
        end = self.ledger.recorder.max_notification_id()
        self.views.reset()
        if end:
            pages = self.streams.pages_in_stream_order(REBUILD_PAGE)
            if workers:
                with RowsPool(self.ledger.mapper, self.configuration, workers) as pool:
                    self._replace(pool.rows(pages), progress)
            else:
                self._replace(map(self._rows_of, pages), progress)
            self.views.record(end)
        self.catch_up(progress)

    def _rows_of(self, page: list[Row]) -> tuple[int, list[HouseholdRows]]:
        found = [rows for _, rows in map(self._rows, streams_of(page)) if rows is not None]
        return len(page), found

    def _replace(self, computed: Iterable[tuple[int, list[HouseholdRows]]],
                 progress: Callable[[int], None] | None) -> None:
        for events, rows in computed:
            self.views.replace(rows)
            if progress:
                progress(events)

    # Running in the background

    def start(self, poll_interval: float = 0.5) -> None:
        self.state.position = self.position()
        self._thread = threading.Thread(target=self._loop, args=(poll_interval,),
                                        name="projection-runner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self, poll_interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up()
            except (OperationalError, InterfaceError) as error:
                # The database is away (restart, failover): try again, never skip.
                if not self._stop.is_set():
                    log.warning("projection_database_unavailable", error=str(error))
            except Exception as error:  # a rule failed: stop at this position, loudly
                if self._stop.is_set():
                    return
                self.state.failed_at = self.state.position
                self.state.error = f"{type(error).__name__}: {error}"
                log.exception("projection_failed", position=self.state.failed_at)
                return
            self.wake.wait(poll_interval)
            self.wake.clear()

    @property
    def failed(self) -> bool:
        return self.state.error is not None

    def wait_for(self, position: int | None, timeout: float = 5.0) -> None:
        """Read-your-writes: returns once the read models cover ``position``."""
        self.wake.set()
        self.views.wait(APPLICATION, position, timeout=timeout)

