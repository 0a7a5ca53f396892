"""Projection catch-up and rebuild over a generated county, side by side on SQLite and
PostgreSQL (issue 6: catch-up ≥ 20k events/s, rebuild of 1M events < 60 s).

For each backend: a fresh database, migrated; N households of the synthetic county
(``demo``) stored by ``fill``: each history decided by the ledger's own ``decide``
against an empty household, as ``HouseholdLedger.append`` does, then stored a thousand
events per transaction through the recorder's ``insert_events`` (the stored events are
what appends store, only written faster). Then the read models are caught up from
position 0 (``ProjectionRunner.catch_up``, as a runner finds them after a stop), then
rebuilt (``ProjectionRunner.rebuild``), both timed; the rows of every view after the
rebuild must equal those after the catch-up (a digest per table).

    PYTHONPATH=. .venv/bin/python -m bench.projections [--households N]
        [--backends sqlite,postgres] [--rebuild-workers N]

The full-size check of issue 6 is ``--households 375000`` (about 1M events). The
functions ``fill``, ``measure_catch_up``, ``measure_rebuild`` and ``run`` are what
``python -m bench`` calls.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from bootstrap import migrate, open_ledger, open_views
from demo import SHUANGJIANG, household
from ledger import config
from ledger.application import HouseholdLedger, originator_id
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.household import Household
from ledger.domain.rules import Recording, decide
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.database import Database
from projections.runner import ProjectionRunner
from projections.views import TABLES, ViewTables

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CALLER = Caller("bench-projections", "基准测试", CallerRole.RECORDER, SHUANGJIANG.code)
# Larger single inserts hung in psycopg 3.3.9's pipeline sync on PostgreSQL (4,000 events,
# ~5 MB: forever; 2,000: fine), the known pipeline-mode deadlock class (psycopg#685).
EVENTS_PER_INSERT = 1_000
CATCH_UP_TARGET = 20_000  # events/s
REBUILD_TARGET_S_PER_MILLION = 60.0


@dataclass(frozen=True)
class Measurement:
    events: int
    seconds: float
    reference_ms: float = 0.0  # the CPU reference around the measurement (cpu_reference_ms)

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


_REFERENCE_DOCUMENT = {
    "a": [1, 2.5, "x" * 20, {"b": None, "c": [True, False] * 5}] * 20,
    "d": {str(i): i for i in range(50)},
}


def cpu_reference_ms() -> float:
    """A fixed pure-Python workload (2,000 JSON round trips of one document), best of 5.

    The VMs this runs on lend their CPUs: the same code ran 1.7x slower from one minute
    to the next on an idle machine. Timed next to each measurement, it says how fast the
    machine was then (74 ms at its fastest on the 2-CPU development VM)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(2_000):
            json.loads(json.dumps(_REFERENCE_DOCUMENT))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def _timed(events: int, work: Callable[[], object]) -> Measurement:
    before = cpu_reference_ms()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    return Measurement(events, seconds, (before + cpu_reference_ms()) / 2)


@dataclass(frozen=True)
class BackendResult:
    backend: str
    households: int
    events: int
    fill: Measurement
    catch_up: Measurement
    rebuild: Measurement
    rows: dict[str, int]

    @property
    def rebuild_s_per_million(self) -> float:
        return self.rebuild.seconds * 1_000_000 / self.events


# Filling ------------------------------------------------------------------------------------


def fill(
    ledger: HouseholdLedger,
    households: int,
    *,
    first: int = 0,
    events_per_insert: int = EVENTS_PER_INSERT,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Stores households ``first`` … ``first + households - 1`` of the county; returns the
    number of events stored. Each history is decided by ``decide`` against an empty
    household (what ``HouseholdLedger.append`` does for a new household), and about
    ``events_per_insert`` events go into one transaction."""
    stored = 0
    pending: list[object] = []
    recorded_at = datetime.now(UTC)
    for n in range(first, first + households):
        household_id, _, history = household(n)
        commands = AppendBatch.model_validate({"events": history}).events
        pending += decide(
            Household(household_id),
            commands,
            Recording(recorded_at, CALLER.recorded_by()),
            originator_id=originator_id(household_id),
        )
        if len(pending) >= events_per_insert:
            stored += _insert(ledger, pending, progress)
            pending = []
    if pending:
        stored += _insert(ledger, pending, progress)
    return stored


def _insert(
    ledger: HouseholdLedger, events: list[object], progress: Callable[[int], None] | None
) -> int:
    ledger.recorder.insert_events(
        [
            ledger.mapper.to_stored_event(e)  # type: ignore[arg-type]
            for e in events
        ]
    )
    if progress:
        progress(len(events))
    return len(events)


# Measuring ----------------------------------------------------------------------------------


def measure_catch_up(
    ledger: HouseholdLedger,
    configuration: RulesConfiguration,
    progress: Callable[[int], None] | None = None,
) -> Measurement:
    """The read models forgotten, then caught up from position 0 by the runner."""
    runner = ProjectionRunner(ledger, open_views(ledger), configuration)
    runner.views.reset()
    return _timed(_event_count(ledger), lambda: runner.catch_up(progress))


def measure_rebuild(
    ledger: HouseholdLedger,
    configuration: RulesConfiguration,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int = 0,
) -> Measurement:
    """``ledger projections rebuild``: forget the read models and recompute them, the
    rows computed in ``workers`` processes."""
    runner = ProjectionRunner(ledger, open_views(ledger), configuration)
    return _timed(_event_count(ledger), lambda: runner.rebuild(progress, workers=workers))


def _event_count(ledger: HouseholdLedger) -> int:
    return ledger.tables.count_events()


def view_digests(views: ViewTables) -> dict[str, tuple[int, str]]:
    """(rows, SHA-256 of the rows in order) of every view table: equal digests, equal
    rows."""
    digests = {}
    for table, columns in TABLES.items():
        listed = ", ".join(columns)
        digest, rows = hashlib.sha256(), 0
        for row in views._rows(f"SELECT {listed} FROM {{{table}}} ORDER BY {listed}"):  # noqa: S608  # the views' own names
            digest.update(repr(tuple(row[c] for c in columns)).encode())
            rows += 1
        digests[table] = (rows, digest.hexdigest())
    return digests


# Databases ----------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[Database]:
    directory = tempfile.mkdtemp(prefix="ledger-bench-projections-")
    try:
        yield Database.from_url(f"sqlite:///{directory}/ledger.db")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[Database]:
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Database.from_url(PG_ADMIN_URL).with_name(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


DATABASES = {"sqlite": sqlite_database, "postgres": postgres_database}


def run(backend: str, households: int, *, rebuild_workers: int = 0) -> BackendResult:
    """Fill a fresh database of ``backend``, then time catch-up and rebuild (its rows
    computed in ``rebuild_workers`` processes, as ``rebuild(workers=…)`` does)."""
    configuration = config.load_default()
    with DATABASES[backend]() as database:
        migrate(database)
        ledger = open_ledger(database)
        try:
            started = time.perf_counter()
            events = fill(ledger, households, progress=_progress(backend, "fill", None))
            filled = Measurement(events, time.perf_counter() - started)
            _log(
                f"[{backend}] filled {households:,} households, {events:,} events, "
                f"{filled.seconds:,.1f} s"
            )
            views = open_views(ledger)
            catch_up = measure_catch_up(
                ledger, configuration, _progress(backend, "catch-up", events)
            )
            caught_up = view_digests(views)
            _log(
                f"[{backend}] catch-up {catch_up.seconds:,.2f} s, "
                f"{catch_up.events_per_s:,.0f} events/s"
            )
            rebuild = measure_rebuild(
                ledger,
                configuration,
                _progress(backend, "rebuild", events),
                workers=rebuild_workers,
            )
            rebuilt = view_digests(views)
            _log(
                f"[{backend}] rebuild {rebuild.seconds:,.2f} s, "
                f"{rebuild.events_per_s:,.0f} events/s"
            )
            if rebuilt != caught_up:
                raise AssertionError(
                    f"[{backend}] the rebuild gave other rows than the "
                    f"catch-up: {rebuilt} != {caught_up}"
                )
            return BackendResult(
                backend,
                households,
                events,
                filled,
                catch_up,
                rebuild,
                {table: rows for table, (rows, _) in rebuilt.items()},
            )
        finally:
            ledger.close()


# Reporting ----------------------------------------------------------------------------------


def table(results: list[BackendResult]) -> str:
    lines = [
        "| backend | households | events | catch-up s | catch-up events/s | rebuild s "
        "| rebuild events/s | rebuild s per 1M events | CPU reference ms (catch-up, "
        "rebuild) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.households:,} | {r.events:,} "
            f"| {r.catch_up.seconds:,.2f} | {r.catch_up.events_per_s:,.0f} "
            f"| {r.rebuild.seconds:,.2f} | {r.rebuild.events_per_s:,.0f} "
            f"| {r.rebuild_s_per_million:,.1f} "
            f"| {r.catch_up.reference_ms:.0f}, {r.rebuild.reference_ms:.0f} |"
        )
    return "\n".join(lines)


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _progress(backend: str, what: str, total: int | None) -> Callable[[int], None]:
    state = {"done": 0, "started": time.perf_counter(), "last": time.perf_counter()}

    def report(covered: int) -> None:
        state["done"] += covered
        now = time.perf_counter()
        if now - state["last"] >= 30:
            state["last"] = now
            of = f"/{total:,}" if total else ""
            _log(
                f"[{backend}] {what}: {state['done']:,}{of} events, "
                f"{state['done'] / (now - state['started']):,.0f} events/s"
            )

    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=5_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--rebuild-workers",
        type=int,
        default=0,
        help="processes computing the rebuild's rows (0: in process)",
    )
    args = parser.parse_args(argv)
    backends = args.backends.split(",")
    unknown = set(backends) - set(DATABASES)
    if unknown:
        parser.error(f"--backends: choose from {', '.join(DATABASES)}")
    results = [
        run(backend, args.households, rebuild_workers=args.rebuild_workers) for backend in backends
    ]
    print(table(results))


if __name__ == "__main__":
    main()
