"""Keeps the read models current: reads the log after the recorded position, recomputes
the households it touches, and commits their rows with the new position in one
transaction (exactly once).

A pull loop rather than the library's ``ProjectionRunner``, because the SQLite recorder
cannot subscribe; it polls, and wakes at once when this process appends. Several
runners may run at once (``ledger serve`` and ``ledger projections run``): a batch whose
position another runner recorded first fails its tracking insert and is dropped.

A household whose rules raise is parked (``parking.py``) in the batch's own transaction
and the batch goes on: one bad stream never stops the read side for everyone. It is
tried again with its next event, or by ``retry()``. A rebuild fills the other set of
tables (``bluegreen.py``) and switches to it once caught up; lists read the live set
meanwhile. Anything else that fails (the database) is retried, nothing is skipped.
"""

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import structlog
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)

from ledger.application import HouseholdLedger, originator_id
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import LedgerError
from projections.bluegreen import ReadModels
from projections.openings import HouseholdOpenings, household_ids, openings_of
from projections.parked import Parked
from projections.parking import Computed, Defect, compute, decode
from projections.pool import RowsPool
from projections.rows import HouseholdRows
from projections.streams import Row, streams_of
from projections.views import ViewTables

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
FAILED_RETRY_S = 5.0  # after a failure that is not one household's: the database's, say


class ProjectionRunner:
    def __init__(
        self,
        ledger: HouseholdLedger,
        views: ViewTables,
        configuration: RulesConfiguration,
        *,
        batch_size: int = 10_000,
    ) -> None:
        self.ledger = ledger
        self.views = views
        self.configuration = configuration
        # The groups of facts a write touches are judged again in its transaction, with
        # the same configuration the households' rows were computed with.
        views.configuration = configuration
        self.batch_size = batch_size
        self.streams = views.streams()  # the ledger's events, through the views' pool
        self.state = RunnerState()
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def position(self) -> int:
        """The log position the live read models cover."""
        return self.views.position() or 0

    def run_once(self, models: ReadModels | None = None) -> int:
        """Processes one batch into ``models`` (the live set by default); returns how many
        log entries it covered (0: caught up)."""
        models = models or self.views.live()
        page = self.streams.touched(self.views.position(models) or 0, self.batch_size)
        if not page.entries:
            return 0
        computed = self._computed(list(self.streams.of(page.originator_ids).values()))
        batch = [c for c in computed if not isinstance(c, Defect)]
        try:
            self.views.commit(
                batch,
                page.last,
                models=models,
                parked=self._parked([c for c in computed if isinstance(c, Defect)]),
            )
        except IntegrityError:
            return page.entries  # another runner recorded this position first
        self.state.position = page.last
        return page.entries

    def _rows(self, stored: list[StoredEvent]) -> Computed:
        """A household's id and rows from its whole stream, or its defect."""
        return self._computed([stored])[0]

    def _computed(self, streams: Sequence[list[StoredEvent]]) -> list[Computed]:
        """Each household's id and rows from its whole stream, or its defect, with its
        opened personal values (the page's, opened at once)."""
        mapper = self.ledger.mapper
        decoded = [decode(stored, mapper) for stored in streams]
        openings = openings_of(
            self.ledger.personal, [events[0].household_id for events in decoded if events]
        )
        return [
            compute(stored, mapper, self.configuration, openings, decoded=events)
            for stored, events in zip(streams, decoded, strict=True)
        ]

    def _openings(self, streams: Sequence[list[StoredEvent]]) -> HouseholdOpenings:
        """The openings of a page whose events are decoded elsewhere (a rebuild's
        workers): each stream's first event decoded here for its household id."""
        return openings_of(self.ledger.personal, household_ids(streams, self.ledger.mapper))

    def _parked(self, defects: Sequence[Defect]) -> list[Parked]:
        """The defects as parked households, each at its newest event's log position."""
        if not defects:
            return []
        positions = self.streams.last_positions([d.originator_id for d in defects])
        parked = [
            Parked(d.household_id, d.village_code, positions[d.originator_id], d.version, d.error)
            for d in defects
        ]
        for p in parked:
            log.warning(
                "household_parked",
                household_id=p.household_id,
                version=p.version,
                position=p.position,
                error=p.error,
            )
        return parked

    def catch_up(
        self, progress: Callable[[int], None] | None = None, *, models: ReadModels | None = None
    ) -> None:
        while covered := self.run_once(models):
            if progress:
                progress(covered)

    def retry(self) -> tuple[list[str], list[Parked]]:
        """Computes the live set's parked households again from their whole streams: those
        that succeed get their rows and are un-parked; the others stay parked with the
        error of now. Returns (un-parked household ids, still parked)."""
        models = self.views.live()
        parked = self.views.parked()
        streams = self.streams.of([originator_id(p.household_id) for p in parked])
        computed = self._computed(list(streams.values()))
        rows = [
            rows
            for c in computed
            if not isinstance(c, Defect)
            for rows in [c[1]]
            if rows is not None
        ]
        self.views.replace(rows, models=models)
        still = self._parked([c for c in computed if isinstance(c, Defect)])
        self.views.park(still, models=models)
        return [r.household_id for r in rows], still

    def rebuild(self, progress: Callable[[int], None] | None = None, *, workers: int = 0) -> None:
        """Recomputes the read models from every stored event into the set that is not
        live, beside the live one, and switches to it once it has caught up with the log.

        Each stream is read once, in the order of the events table's primary key (one
        scan, not a query per household touched), and the rows of many households are
        written at once. Then the end of the log as it was at the start is recorded, and
        the new set catches up from there. A runner working meanwhile (that of ``ledger
        serve``) keeps the live set current, and after the switch follows the new one. A
        household whose rules raise is parked in the new set with its rows of the live
        one (its last good ones). With ``workers``, rows are computed in that many
        spawned processes (for the command line: never in a serving process); with
        none, in this one.
        """
        live = self.views.live()
        building = live.other
        end = self.ledger.recorder.max_notification_id()
        self.views.reset(building)
        if end:
            pages = self.streams.pages_in_stream_order(REBUILD_PAGE)
            if workers:
                with RowsPool(self.ledger.mapper, self.configuration, workers) as pool:
                    # Workers hold no key: each page goes with its households' openings.
                    opened = ((page, self._openings(streams_of(page))) for page in pages)
                    self._replace(pool.rows(opened), building, live, progress)
            else:
                self._replace(map(self._rows_of, pages), building, live, progress)
            self.views.record(end, models=building)
        self.catch_up(progress, models=building)
        self.views.switch(building, replacing=live)
        self.catch_up(progress)  # what was appended since the last batch, if anything
        self.state.position = self.position()

    def _rows_of(self, page: list[Row]) -> tuple[int, list[HouseholdRows], list[Defect]]:
        computed = self._computed(streams_of(page))
        return (
            len(page),
            [c[1] for c in computed if not isinstance(c, Defect) and c[1]],
            [c for c in computed if isinstance(c, Defect)],
        )

    def _replace(
        self,
        computed: Iterable[tuple[int, list[HouseholdRows], list[Defect]]],
        building: ReadModels,
        live: ReadModels,
        progress: Callable[[int], None] | None,
    ) -> None:
        for events, rows, defects in computed:
            self.views.replace(rows, models=building, judge_groups=False)
            if defects:
                self.views.park(
                    self._parked(defects), models=building, last_good_from=live, judge_groups=False
                )
            if progress:
                progress(events)
        self.views.judge_all_groups(building)

    # Running in the background

    def start(self, poll_interval: float = 0.5) -> None:
        self.state.position = self.position()
        self._thread = threading.Thread(
            target=self._loop, args=(poll_interval,), name="projection-runner", daemon=True
        )
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
            except Exception as error:  # not one household's rules: say so, try again later
                if self._stop.is_set():
                    return
                self.state.failed_at = self.state.position
                self.state.error = f"{type(error).__name__}: {error}"
                log.exception("projection_failed", position=self.state.failed_at)
                self._stop.wait(FAILED_RETRY_S)
                continue
            self.state.failed_at = self.state.error = None
            self.wake.wait(poll_interval)
            self.wake.clear()

    @property
    def failed(self) -> bool:
        return self.state.error is not None

    def wait_for(self, position: int | None, timeout: float = 5.0) -> None:
        """Read-your-writes: returns once the live read models cover ``position`` (asking
        again which set is live every second: a rebuild may switch them meanwhile)."""
        self.wake.set()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                self.views.wait(
                    self.views.live().application, position, timeout=max(0.0, min(remaining, 1.0))
                )
                return
            except TimeoutError:
                if remaining <= 1.0:
                    raise
