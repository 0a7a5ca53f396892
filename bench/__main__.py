"""Issue 6 in one command: on SQLite and PostgreSQL, in one run on this machine, the
physical limit (raw rows into an event-shaped table), the bare ``eventsourcing``
library, this service over HTTP (single-event appends with 1 and 8 clients, 500-event
batches), ``ledger import``, household replay, projection catch-up and rebuild,
``GET /v1/completeness`` (and, on PostgreSQL, through a hot standby) and the checkpoint
delay under load; one table of results
against issue 6's targets, written into ``docs/performance.md`` ("Issue 6: one run") with
the method, machine and commit, and the raw figures into ``bench/results/``.

    PYTHONPATH=. .venv/bin/python -m bench                 # everything, full size
    PYTHONPATH=. .venv/bin/python -m bench --quick         # tiny sizes: a smoke test
    PYTHONPATH=. .venv/bin/python -m bench --only limits,library --backends postgres

Only a full-size run of every section on both backends is written into the document;
``--quick``, ``--only``, ``--backends`` and ``--no-write`` runs print and save raw figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bare_library, completeness_queries, http_appends, replay, sections, transparency
from bench.common import (
    DATABASES,
    DOC,
    RESULTS,
    ROOT,
    backends_option,
    fingerprints_since,
    header,
    load_average,
    log,
    nproc,
    product_fingerprint,
    write_section,
)
from bench.results_table import Result, Target, evaluate, render

HEADING = "## Issue 6: one run"
# (option, full size, quick size, help)
SIZES: tuple[tuple[str, Any, Any, str], ...] = (
    (
        "seconds",
        10.0,
        1.0,
        "measured seconds of each timed phase (raw single-row commits, "
        "bare library single saves, HTTP single appends)",
    ),
    ("warmup", 2.0, 0.3, "unmeasured warm-up seconds before each timed phase"),
    ("rows", 200_000, 5_000, "rows of the raw COPY and batched INSERT"),
    ("batches", 10, 2, "500-event saves (bare library) and 500-event batches (HTTP)"),
    ("http_households", 200, 16, "households registered per HTTP single-event phase"),
    ("import_households", 20_000, 200, "households in the NDJSON file `ledger import` reads"),
    ("replay_sizes", "10,200,2000", "10,200", "events per replayed household"),
    ("replay_requests", 200, 10, "measured reads of each replayed household"),
    ("page_limit", 1000, 1000, "`limit` of the history pages (the API's maximum: 1000)"),
    (
        "projection_events",
        1_000_000,
        2_000,
        "events of the projections' county (as many households as hold about that many)",
    ),
    ("completeness_households", 100_000, 500, "households of the completeness county"),
    ("completeness_requests", 300, 20, "measured requests per completeness query"),
    ("replica_households", 2_000, 200, "households of the county read through a hot standby"),
    ("replica_requests", 300, 20, "measured requests to each server in the replica section"),
    ("checkpoint_seconds", 30.0, 3.0, "seconds of load while measuring checkpoint delay"),
)


def targets(backend: str) -> list[Target]:
    """Issue 6's targets, and comparisons shown for context (no bound)."""
    bulk_reference = "raw.copy" if backend == "postgres" else "raw.batched"
    bulk_text = "raw COPY" if backend == "postgres" else "raw batched INSERT (no COPY)"
    on_postgres = backend == "postgres"
    return [
        Target(
            "http.single.1",
            "≥ 0.8× bare library single saves, 1 thread"
            + ("" if on_postgres else " (set for PostgreSQL)"),
            0.8,
            "library.single.1",
            judged=on_postgres,
        ),
        Target(
            "http.single.8",
            "≥ 3× bare library single saves, 1 thread"
            + ("" if on_postgres else " (set for PostgreSQL)"),
            3.0,
            "library.single.1",
            judged=on_postgres,
        ),
        Target("http.batch", "compared: bare library 500-event saves", None, "library.batch"),
        Target(
            "http.floor.1",
            "compared: bare library single saves, 1 thread",
            None,
            "library.single.1",
        ),
        Target(
            "http.floor.8",
            "compared: bare library single saves, 1 thread",
            None,
            "library.single.1",
        ),
        Target("library.single.1", "compared: raw single-row commits", None, "raw.single.1"),
        Target("library.single.8", "compared: bare library, 1 thread", None, "library.single.1"),
        Target("library.batch", "compared: raw batched INSERT", None, "raw.batched"),
        Target("import.rate", f"≥ 0.3× {bulk_text}", 0.3, bulk_reference),
        Target("import.rerun", "= 0", 0, at_most=True),
        Target("projections.catch_up", "≥ 20,000 events/s", 20_000),
        Target("projections.rebuild", "< 60 s per 1M events", 60, at_most=True),
        Target("replay.state.200.p50", "≤ 5 ms", 5, at_most=True),
        Target("replay.history.200.p50", "≤ 5 ms", 5, at_most=True),
        Target("completeness.p95", "≤ 100 ms", 100, at_most=True),
        Target("checkpoint.p95", "≤ 2 s", 2, at_most=True),
    ]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes (about a minute): a smoke test, never written into the document",
    )
    parser.add_argument(
        "--only",
        type=_sections_option,
        default=list(sections.SECTIONS),
        help=f"comma-separated sections (default all): {', '.join(sections.SECTIONS)}",
    )
    parser.add_argument(
        "--backends",
        type=backends_option,
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default both)",
    )
    for name, full, quick, text in SIZES:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=type(full),
            default=None,
            help=f"{text} (default {full}; --quick {quick})",
        )
    parser.add_argument(
        "--no-write", action="store_true", help=f"print only; do not update {DOC.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="where the raw figures go (default bench/results/one_run.json, or one_run-quick.json)",
    )
    args = parser.parse_args(argv)
    for name, full, quick, _ in SIZES:
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.replay_sizes = [int(s) for s in str(args.replay_sizes).split(",") if s.strip()]
    if (
        min(
            args.seconds,
            args.rows,
            args.batches,
            args.import_households,
            args.replay_requests,
            args.projection_events,
            args.completeness_households,
            args.completeness_requests,
            args.replica_households,
            args.replica_requests,
            args.checkpoint_seconds,
            *args.replay_sizes,
        )
        <= 0
    ):
        parser.error("sizes must be positive")
    if args.http_households < 8:
        parser.error("--http-households: at least one per client, 8")
    if not 1 <= args.page_limit <= 1000:
        parser.error("--page-limit: 1..1000")
    args.results = args.results or RESULTS / f"one_run{'-quick' if args.quick else ''}.json"
    return args


def _sections_option(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    if not chosen or set(chosen) - set(sections.SECTIONS):
        raise argparse.ArgumentTypeError(f"choose from {', '.join(sections.SECTIONS)}")
    return [s for s in sections.SECTIONS if s in chosen]  # in the run's order


# Running ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every chosen section on every chosen backend, each timed with the load average at
    its start and end. A section that fails is reported as failed and the run goes on
    (an hour's other figures are worth keeping); the raw figures are saved after each."""
    runs: list[dict[str, Any]] = []
    for backend in args.backends:
        for name in args.only:
            log(f"[{backend}] {name} …")
            started, load_start = time.perf_counter(), load_average()
            try:
                outcome = sections.SECTIONS[name](backend, args)
            except Exception as error:
                log(f"[{backend}] {name} FAILED:\n{traceback.format_exc()}")
                outcome = sections.Outcome(
                    [Result(backend, name, "failed", None, note=f"{type(error).__name__}: {error}")]
                )
            runs.append(
                {
                    "backend": backend,
                    "section": name,
                    "outcome": outcome,
                    "seconds": time.perf_counter() - started,
                    "load_start": load_start,
                    "load_end": load_average(),
                }
            )
            save_raw(args.results, args, runs)
    return runs


def failed(runs: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['backend']} {r['section']}"
        for r in runs
        if any(result.measure == "failed" for result in r["outcome"].results)
    ]


# Report ----------------------------------------------------------------------------------


def method(args: argparse.Namespace, runs: list[dict[str, Any]]) -> list[str]:
    """A paragraph per section that ran."""
    counties = [
        completeness_queries.BackendRun(r["backend"], "", archetypes=r["outcome"].raw["archetypes"])
        for r in runs
        if r["section"] == "completeness"
    ]
    paragraphs = {
        "limits": f"**Physical limit** (`bench/physical_limit.py`): rows of "
        f"{sections.sample().describe()}, appended through `HouseholdLedger` into "
        f"a temp SQLite file and read back, replayed under fresh originator ids "
        f"into a fresh table shaped like the events table (primary key "
        f"(originator_id, originator_version), a notification id: PostgreSQL "
        f"`bigserial` with a unique index, SQLite the rowid) in a fresh database. "
        f"PostgreSQL: one binary `COPY` of {args.rows:,} rows (psycopg, one "
        f"transaction); the same rows by `executemany` in batches of 500, one "
        f"transaction each; single-row commits (autocommit) from 1 and from 8 "
        f"connections, {args.warmup:g} s warm-up then {args.seconds:g} s. SQLite "
        f"(WAL, as the library opens it): the rows by one `executemany` in one "
        f"transaction; single-row commits from one connection.",
        "library": f"**Bare library** (`bench/bare_library.py`): a plain "
        f"`eventsourcing.application.Application` and a trivial `Aggregate` "
        f"(no ledger code) on the library's stock SQLite / PostgreSQL "
        f"persistence, the library creating its table in a fresh database "
        f"(PostgreSQL pool {bare_library.POOL_SIZE} + {bare_library.POOL_SIZE} "
        f"overflow, as the service's default). Each event carries a text padded "
        f"so that its stored state is as long as the ledger's mean above. "
        f"Single-event saves: each thread writes one event to one of its own "
        f"{bare_library.AGGREGATES_PER_THREAD} aggregates (held in memory, "
        f"never reloaded) and saves it, with 1 and with 8 threads, "
        f"{args.warmup:g} s warm-up then {args.seconds:g} s. 500-event saves: "
        f"{args.batches} new aggregates of 500 events, each one `save()`; "
        f"events over the summed save times. These are the denominators of the "
        f"append targets.",
        "http": "**This service over HTTP** (`bench/http_appends.py`): "
        + http_appends.method(sections.http_args(args)),
        "import": f"**`ledger import`** (`bench/ledger_import.py`): a fresh database, "
        f"`ledger migrate`, `ledger demo --households {args.import_households:,} "
        f"--ndjson FILE` (not timed), then `ledger import FILE` through the CLI, "
        f"timed by the wall clock (process start and the schema check included); "
        f"events/s counts the events stored in the database. Then the same "
        f"command again: it must append nothing (stored events counted before "
        f"and after). The target compares it with the raw bulk rate above: "
        f"PostgreSQL's binary COPY, SQLite's batched INSERT.",
        "replay": "**Household replay** (`bench/replay.py`): "
        + replay.method(args.replay_sizes, args.replay_requests, args.page_limit),
        "projections": f"**Projections** (`bench/projections.py`, when present): a county "
        f"of about {args.projection_events:,} events (households of "
        f"`demo`, as many as hold that many on average) stored, then "
        f"the read models caught up from position 0 and rebuilt, both timed.",
        "completeness": "**Completeness** (`bench/completeness_queries.py`, without plans "
        "or profiles): " + completeness_queries.method(sections.completeness_args(args), counties),
        "replica": f"**Read scale** (`bench/replica.py`, PostgreSQL only): a private "
        f"primary and a streaming hot standby of it (`fsync = off`: this measures "
        f"reads), a county of {args.replica_households:,} households appended "
        f"and projected, then two `ledger serve` on the primary, one alone and "
        f"one with `LEDGER_READ_DATABASE_URL` naming the standby; "
        f"{args.replica_requests} requests of `GET /v1/completeness` to each, "
        f"alternating; 'answered from' (the `Ledger-Read-From` header) in "
        f"brackets. The sync row is what a standby read does first (the "
        f"primary's flushed WAL position, then the standby's replay of it), "
        f"in-process.",
        "checkpoint": "**Checkpoint delay** (`bench/transparency.py`, its first "
        "measurement alone): a fresh database and server; "
        + transparency.delay_method(args.checkpoint_seconds),
    }
    return [paragraphs[name] for name in args.only]


def load_table(runs: list[dict[str, Any]]) -> str:
    rows = [
        "| backend | section | wall s | load average at start | at end |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    rows += [
        f"| {r['backend']} | {r['section']} | {r['seconds']:,.0f} | "
        f"{r['load_start']:.2f} | {r['load_end']:.2f} |"
        for r in runs
    ]
    return "\n".join(rows)


def section_text(
    args: argparse.Namespace,
    command: str,
    runs: list[dict[str, Any]],
    table: str,
    fingerprints: tuple[str, str],
) -> str:
    databases = list(
        dict.fromkeys((r["backend"], r["outcome"].detail) for r in runs if r["outcome"].detail)
    )
    notes = [
        f"- {r['backend']}, {r['section']}: {note}" for r in runs for note in r["outcome"].notes
    ]
    return "\n".join(
        [
            HEADING,
            "",
            *header(databases, command, fingerprints),
            "",
            "### Method",
            "",
            f"One command runs every section on each backend in turn, each in fresh "
            f"databases, on this machine: {nproc()} CPUs shared by the client, the server and "
            f"the database, and shared with other people's work, so the load average at the "
            f"start and end of each section is recorded below. Every server runs with "
            f"`LEDGER_RATE_LIMIT_PER_S=0` (the per-token limit, 50/s by default, would cap the "
            f"load instead of the service). Percentiles are nearest-rank. 'ratio' is the value "
            f"over the target's reference (another row of the same backend) or, for an "
            f"absolute target, over its bound; 'compared' rows show a ratio for context only. "
            f"One run, no repeats: read large ratios, not small differences.",
            "",
            *[f"- {paragraph}" for paragraph in method(args, runs)],
            "",
            "### Results",
            "",
            table,
            "",
            "### Sections and load",
            "",
            load_table(runs),
            *(["", "Notes:", "", *notes] if notes else []),
            "",
        ]
    )


def save_raw(path: Path, args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                "results": [vars(result) for r in runs for result in r["outcome"].results],
                "sections": [
                    {
                        "backend": r["backend"],
                        "section": r["section"],
                        "seconds": r["seconds"],
                        "load_start": r["load_start"],
                        "load_end": r["load_end"],
                        "detail": r["outcome"].detail,
                        "notes": r["outcome"].notes,
                        "raw": r["outcome"].raw,
                    }
                    for r in runs
                ],
            },
            indent=1,
            default=str,
        )
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    command = " ".join(["PYTHONPATH=. .venv/bin/python -m bench", *argv])
    before = product_fingerprint()
    runs = run(args)
    fingerprints = fingerprints_since(before)
    results = [result for r in runs for result in r["outcome"].results]
    table = render(evaluate(results, {b: targets(b) for b in args.backends}))
    text = section_text(args, command, runs, table, fingerprints)
    print(text)
    log(f"raw figures in {args.results}")
    partial = args.only != list(sections.SECTIONS) or args.backends != list(DATABASES)
    if args.quick or partial:
        log(
            f"not written to {DOC.relative_to(ROOT)}: only a full run of every section on "
            f"every backend is 'one run'"
        )
    elif not args.no_write:
        write_section(HEADING, text)
        log(f"written to {DOC.relative_to(ROOT)}")
    if failures := failed(runs):
        log(f"FAILED: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
