"""The sections of ``python -m bench``: each measures one thing on one backend, in its own
fresh database(s), and returns its results, raw figures and what it measured on."""

from __future__ import annotations

import argparse
import importlib
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import demo
from bench import (
    bare_library,
    completeness_queries,
    http_appends,
    replay,
    replica,
    transparency,
)
from bench import ledger_import as importing
from bench import physical_limit as physical
from bench.common import DATABASES, Timed, percentile
from bench.results_table import Result
from ledger.persistence.database import Database

BATCH_EVENTS = 500
MEAN_SAMPLE_HOUSEHOLDS = 4_000


@dataclass
class Outcome:
    results: list[Result]
    raw: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # the database it measured on
    notes: list[str] = field(default_factory=list)


@cache
def sample() -> physical.Sample:
    """Real stored events, shared by the physical limit and the bare library's size."""
    return physical.stored_sample()


def _timed(timed: Timed) -> dict[str, Any]:
    return {
        "threads": timed.threads,
        "seconds": timed.seconds,
        "ok": timed.ok,
        "rate": timed.rate,
        "errors": dict(timed.errors),
        "p50_s": percentile(timed.latencies_s, 50),
        "p95_s": percentile(timed.latencies_s, 95),
    }


def _errors(workload: str, timed: Timed) -> list[str]:
    return [f"{workload}: {n} × {error}" for error, n in sorted(timed.errors.items())]


# 1. The physical limit -------------------------------------------------------------------


def limits(backend: str, o: argparse.Namespace) -> Outcome:
    rows = sample().take(o.rows)
    with DATABASES[backend]() as (url, detail):
        if backend == "postgres":
            copy = physical.postgres_copy(url, rows)
            batched = physical.postgres_batched_insert(url, rows)
            singles = {
                n: physical.postgres_single_rows(url, sample(), n, o.seconds, o.warmup)
                for n in (1, 8)
            }
        else:
            path = Path(Database.from_url(url).path)
            batched = physical.sqlite_batched_insert(path, rows)
            singles = {1: physical.sqlite_single_rows(path, sample(), o.seconds, o.warmup)}
    results = []
    if backend == "postgres":
        results.append(
            Result(
                backend,
                f"raw: binary COPY of {copy.rows:,} rows, one transaction",
                "rows/s",
                copy.rate,
                "raw.copy",
            )
        )
    batch_text = (
        f"{physical.BATCH_ROWS}-row executemany, one transaction each"
        if backend == "postgres"
        else "one executemany, one transaction"
    )
    results.append(
        Result(
            backend,
            f"raw: batched INSERT of {batched.rows:,} rows ({batch_text})",
            "rows/s",
            batched.rate,
            "raw.batched",
        )
    )
    for connections, timed in singles.items():
        results.append(
            Result(
                backend,
                f"raw: single-row commits, {connections} "
                f"connection{'s' if connections > 1 else ''}",
                "rows/s",
                timed.rate,
                f"raw.single.{connections}",
            )
        )
    return Outcome(
        results,
        {
            "rows": o.rows,
            "copy": asdict(copy) if backend == "postgres" else None,
            "batched": asdict(batched),
            "single": {n: _timed(t) for n, t in singles.items()},
        },
        detail,
        [n for c, t in singles.items() for n in _errors(f"{c} connection(s)", t)],
    )


# 2. The bare library ---------------------------------------------------------------------


def library(backend: str, o: argparse.Namespace) -> Outcome:
    with DATABASES[backend]() as (url, detail):
        app = bare_library.BareApplication(bare_library.stock_env(url))
        try:
            text = bare_library.padded_text(app, sample().mean_state_bytes)
            singles = {
                n: bare_library.single_saves(app, text, n, o.seconds, o.warmup) for n in (1, 8)
            }
            batches = bare_library.batch_saves(app, text, o.batches, BATCH_EVENTS)
        finally:
            app.close()
    results = [
        Result(
            backend,
            f"bare eventsourcing: single-event saves, {n} thread{'s' if n > 1 else ''}",
            "saves/s",
            timed.rate,
            f"library.single.{n}",
        )
        for n, timed in singles.items()
    ]
    results.append(
        Result(
            backend,
            f"bare eventsourcing: {BATCH_EVENTS}-event saves (×{o.batches})",
            "events/s",
            batches.rate,
            "library.batch",
        )
    )
    return Outcome(
        results,
        {
            "text_chars": len(text),
            "single": {n: _timed(t) for n, t in singles.items()},
            "batch_seconds": batches.seconds,
        },
        detail,
        [n for c, t in singles.items() for n in _errors(f"{c} thread(s)", t)],
    )


# 3. The service over HTTP ----------------------------------------------------------------


def http_args(o: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(
        clients=[1, 8],
        households=o.http_households,
        seconds=o.seconds,
        warmup=o.warmup,
        batches=o.batches,
        batch_size=BATCH_EVENTS,
    )


def http(backend: str, o: argparse.Namespace) -> Outcome:
    run = http_appends.run_backend(backend, http_args(o))
    results = []
    for phase in run.phases:
        if phase.name == http_appends.FLOOR:
            workload = (
                f"{phase.name} (no database, no auth), {phase.clients} "
                f"client{'s' if phase.clients > 1 else ''}"
            )
            key = f"http.floor.{phase.clients}"
        elif phase.events_per_request == 1:
            workload = (
                f"HTTP: single-event appends, {phase.clients} "
                f"client{'s' if phase.clients > 1 else ''}"
            )
            key = f"http.single.{phase.clients}"
        else:
            workload = f"HTTP: {phase.events_per_request}-event batches (×{o.batches})"
            key = "http.batch"
        errors = sum(phase.errors.values())
        note = f"{errors} errors" if errors else ""
        unit = "requests/s" if phase.name == http_appends.FLOOR else "events/s"
        results += [
            Result(backend, workload, unit, phase.rate, key, note),
            Result(backend, workload, "p50 ms", phase.percentile_ms(50)),
            Result(backend, workload, "p95 ms", phase.percentile_ms(95)),
        ]
    return Outcome(
        results,
        {
            "phases": [
                {
                    "name": p.name,
                    "clients": p.clients,
                    "seconds": p.seconds,
                    "ok": p.ok,
                    "rate": p.rate,
                    "errors": dict(p.errors),
                    "latencies_s": p.latencies_s,
                }
                for p in run.phases
            ]
        },
        run.detail,
        run.server_notes,
    )


# 4. ledger import ------------------------------------------------------------------------


def ledger_import(backend: str, o: argparse.Namespace) -> Outcome:
    if reason := importing.unavailable(dict(os.environ)):
        return Outcome(
            [
                Result(
                    backend,
                    "`ledger import` of an NDJSON county",
                    "events/s",
                    None,
                    "import.rate",
                    f"not available yet: {reason}",
                )
            ]
        )
    with DATABASES[backend]() as (url, detail):
        run = importing.run(url, o.import_households)
    stored = (
        f"stored {run.stored_after_first:,} of {run.events_in_file:,} events"
        if run.stored_after_first != run.events_in_file
        else ""
    )
    workload = f"`ledger import` of {run.households:,} households, {run.events_in_file:,} events"
    return Outcome(
        [
            Result(backend, workload, "events/s", run.rate, "import.rate", stored),
            Result(backend, workload, "s", run.first_s),
            Result(
                backend,
                "`ledger import` of the same file again",
                "events appended",
                run.appended_again,
                "import.rerun",
            ),
            Result(backend, "`ledger import` of the same file again", "s", run.second_s),
        ],
        asdict(run),
        detail,
    )


# 5. Household replay ---------------------------------------------------------------------


def household_replay(backend: str, o: argparse.Namespace) -> Outcome:
    run = replay.run_backend(backend, o.replay_sizes, o.replay_requests, o.page_limit)
    results = []
    for stream in run.streams:
        errors = sum(stream.errors.values())
        note = f"{errors} errors" if errors else ""
        for what, samples in (("state", stream.state_s), ("history", stream.history_s)):
            workload = f"replay: GET {what} of {stream.events:,} events" + (
                f" ({stream.pages} pages of ≤ {o.page_limit})"
                if what == "history" and stream.pages > 1
                else ""
            )
            for p in (50, 95):
                results.append(
                    Result(
                        backend,
                        workload,
                        f"p{p} ms",
                        percentile(samples, p) * 1000,
                        f"replay.{what}.{stream.events}.p{p}",
                        note,
                    )
                )
        if stream.pages > 1:
            results.append(
                Result(
                    backend,
                    f"replay: one history page of {stream.events:,} events",
                    "p50 ms",
                    percentile(stream.page_s, 50) * 1000,
                )
            )
    return Outcome(
        results,
        {
            "page_limit": o.page_limit,
            "streams": [{**asdict(s), "errors": dict(s.errors)} for s in run.streams],
        },
        run.detail,
        run.server_notes,
    )


# 6. Projections --------------------------------------------------------------------------


def households_for(events: int) -> int:
    """About how many households of the synthetic county hold ``events`` events (its
    mix is fixed per block, so the first households' mean stands for any county)."""
    sizes = [len(demo.household(n)[2]) for n in range(MEAN_SAMPLE_HOUSEHOLDS)]
    return max(1, math.ceil(events * len(sizes) / sum(sizes)))


def projection_rates(backend: str, o: argparse.Namespace) -> Outcome:
    try:
        # Another engineer's module, not yet in every checkout: imported by name so that
        # this one works without it.
        projections = importlib.import_module("bench.projections")
    except ImportError:
        return Outcome(
            [
                Result(
                    backend,
                    "projections: catch-up of a generated county",
                    "events/s",
                    None,
                    "projections.catch_up",
                    "not available yet: bench/projections.py has not landed",
                )
            ]
        )
    measured = projections.run(backend, households_for(o.projection_events))
    workload = f"projections of {measured.households:,} households, {measured.events:,} events"
    return Outcome(
        [
            Result(
                backend,
                f"{workload}: catch-up from 0",
                "events/s",
                measured.catch_up.events_per_s,
                "projections.catch_up",
            ),
            Result(backend, f"{workload}: rebuild", "s", measured.rebuild.seconds),
            Result(
                backend,
                f"{workload}: rebuild",
                "s per 1M events",
                measured.rebuild_s_per_million,
                "projections.rebuild",
            ),
        ],
        {
            "households": measured.households,
            "events": measured.events,
            "fill_s": measured.fill.seconds,
            "catch_up_s": measured.catch_up.seconds,
            "rebuild_s": measured.rebuild.seconds,
            "rows": measured.rows,
        },
    )


# 7. Completeness -------------------------------------------------------------------------


def completeness_args(o: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(
        households=o.completeness_households, requests=o.completeness_requests, profile=None
    )


def completeness(backend: str, o: argparse.Namespace) -> Outcome:
    run = completeness_queries.run_backend(backend, completeness_args(o))
    results = []
    for query in run.queries:
        errors = sum(query.errors.values())
        note = f"{errors} errors" if errors else ""
        workload = f"{query.name}, {run.households:,} households"
        judged = query.path == "/v1/completeness"
        results += [
            Result(backend, workload, "p50 ms", query.percentile_ms(50)),
            Result(
                backend,
                workload,
                "p95 ms",
                query.percentile_ms(95),
                "completeness.p95" if judged else "",
                note,
            ),
        ]
    results.append(
        Result(
            backend,
            f"projections catch-up while setting up ({run.events:,} events)",
            "events/s",
            run.events / run.catch_up_s if run.catch_up_s else None,
        )
    )
    return Outcome(
        results,
        {
            "households": run.households,
            "events": run.events,
            "archetypes": run.archetypes,
            "catch_up_s": run.catch_up_s,
            "rebuild_s": run.rebuild_s,
            "queries": [
                {"name": q.name, "url": q.url, "latencies_s": q.latencies_s, "errors": q.errors}
                for q in run.queries
            ],
        },
        run.detail,
        run.server_notes,
    )


# 8. Reads from a hot standby --------------------------------------------------------------


def standby_reads(backend: str, o: argparse.Namespace) -> Outcome:
    if backend != "postgres":
        return Outcome(
            [
                Result(
                    backend,
                    "completeness read from a hot standby",
                    "p50 ms",
                    None,
                    note="PostgreSQL only",
                )
            ]
        )
    measured = replica.run(o.replica_households, o.replica_requests)
    results = []
    for latency in [*measured.latencies, measured.sync]:
        errors = sum(latency.errors.values())
        answered = ", ".join(f"{name} {n}" for name, n in latency.read_from.items())
        workload = (
            f"read scale, {measured.households:,} households: "
            + ("" if latency is measured.sync else f"GET {replica.QUERY}, ")
            + latency.server
        )
        results += [
            Result(backend, workload, "p50 ms", latency.p50_ms, note=answered),
            Result(
                backend,
                workload,
                "p95 ms",
                latency.p95_ms,
                note=f"{errors} errors" if errors else "",
            ),
        ]
    return Outcome(
        results,
        {
            "households": measured.households,
            "events": measured.events,
            "latencies": [
                {
                    **asdict(latency),
                    "read_from": dict(latency.read_from),
                    "errors": dict(latency.errors),
                }
                for latency in [*measured.latencies, measured.sync]
            ],
        },
        "PostgreSQL: a private primary and its streaming hot standby",
    )


# 9. Checkpoint delay ---------------------------------------------------------------------


def checkpoint_delay(backend: str, o: argparse.Namespace) -> Outcome:
    run = transparency.BackendRun(backend, "")
    transparency.delay_phase(backend, o.checkpoint_seconds, run, what_if=False)
    delay = run.delay
    workload = (
        f"checkpoint delay, {transparency.CLIENTS} clients appending ({delay.rate:,.0f} appends/s)"
    )
    note = f"{delay.uncovered} appends not covered" if delay.uncovered else ""
    return Outcome(
        [
            Result(backend, workload, "p50 s", percentile(delay.delays_s, 50)),
            Result(
                backend, workload, "p95 s", percentile(delay.delays_s, 95), "checkpoint.p95", note
            ),
            Result(backend, workload, "max s", max(delay.delays_s, default=float("nan"))),
        ],
        {
            "appends": len(delay.appends),
            "seconds": delay.seconds,
            "delays_s": delay.delays_s,
            "uncovered": delay.uncovered,
            "errors": dict(delay.errors),
            "checkpoint_gaps_s": delay.checkpoint_gaps_s,
        },
        run.detail,
        run.server_notes,
    )


SECTIONS: dict[str, Callable[[str, argparse.Namespace], Outcome]] = {
    "limits": limits,
    "library": library,
    "http": http,
    "import": ledger_import,
    "replay": household_replay,
    "projections": projection_rates,
    "completeness": completeness,
    "replica": standby_reads,
    "checkpoint": checkpoint_delay,
}
