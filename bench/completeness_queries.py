"""The evaluators' list and report endpoints over a county of N households, side by side on
SQLite and PostgreSQL.

For each backend: a fresh database, migrated; a synthetic county (``demo``) of
N households appended in-process through ``HouseholdLedger.append`` (one append per
household carrying its whole history); the projections run from zero
(``ProjectionRunner.catch_up``) and then rebuilt (``ProjectionRunner.rebuild``), both
timed; then ``ledger serve`` on a free loopback port, an evaluator token from
``ledger token create``, and R sequential requests per query with ``httpx`` keep-alive:

* ``GET /v1/completeness?division=530925`` (first page, limit 100),
* the same with ``&code=MISSING_NOTICE``,
* a deep page: ``next`` cursors followed about 50 pages in, then that page measured,
* ``GET /v1/completeness?division=530925101`` (one township),
* ``GET /v1/lookback?division=530925``,
* ``GET /v1/reports/summary?division=530925``.

Next to each HTTP latency it times the same query function in-process against the view
tables (``projections/queries.py``: the SQL plus the Python that shapes the page), so the
SQL's share is visible, and captures each endpoint's SQL with its plan (``EXPLAIN
ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite), written to
``bench/results/`` and, for a query that misses the target, into the report. ``--profile``
adds a cProfile of those requests served in-process.

    .venv/bin/python -m bench.completeness_queries [--households N] [--backends sqlite,postgres]
                                                  [--requests R]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
from starlette.responses import Response

from bench.common import (
    DATABASES,
    DOC,
    PG_ADMIN_URL,
    RESULTS,
    ROOT,
    backends_option,
    client,
    create_token,
    errors_text,
    fingerprints_since,
    header,
    log,
    percentile,
    product_fingerprint,
    progress,
    serve,
    server_notes,
    service_env,
    write_section,
)
from bootstrap import migrate, open_ledger, open_views
from demo import ARCHETYPES, MONITORED, household
from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.database import Database
from ledger.personal.key import personal_key_for
from projections.queries import completeness_page, lookback_page, summary
from projections.runner import ProjectionRunner
from projections.schema import VIEWS
from projections.views import Filters, ViewTables
from queries import QualityQueries, Selection

HEADING = "## Evaluator queries at 100k households (issue 3)"
TARGET_MS = 100.0
COUNTY = "530925"
TOWNSHIP = "530925101"
DEEP_PAGES = 50
WARMUP_REQUESTS = 10
SQL_REPEATS = 30
EVALUATOR = Caller("bench-evaluator", "bench", CallerRole.EVALUATOR, COUNTY)


# Results ---------------------------------------------------------------------------------


@dataclass
class Query:
    name: str
    path: str
    params: dict[str, str]
    run_in_process: Callable[[ViewTables], Any]
    latencies_s: list[float] = field(default_factory=list)
    in_process_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    items: int | None = None
    body_bytes: int = 0
    note: str = ""
    plans: list[tuple[str, list[Any], str]] = field(default_factory=list)  # sql, params, plan
    profile: str = ""

    def percentile_ms(self, p: float, samples: list[float] | None = None) -> float:
        """Nearest-rank percentile in milliseconds."""
        return percentile(self.latencies_s if samples is None else samples, p) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.latencies_s) * 1000 if self.latencies_s else float("nan")

    @property
    def meets_target(self) -> bool:
        return bool(self.latencies_s) and self.percentile_ms(95) <= TARGET_MS

    @property
    def url(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.path}?{query}" if query else self.path


@dataclass
class BackendRun:
    backend: str
    detail: str
    households: int = 0
    events: int = 0
    generation_s: float = 0.0  # wall, building the histories included
    append_s: float = 0.0  # inside AppendBatch.model_validate + HouseholdLedger.append
    catch_up_s: float = 0.0
    rebuild_s: float = 0.0
    view_rows: dict[str, int] = field(default_factory=dict)
    database_bytes: int = 0
    queries: list[Query] = field(default_factory=list)
    server_notes: list[str] = field(default_factory=list)
    archetypes: dict[str, int] = field(default_factory=dict)


# Generation and projections --------------------------------------------------------------


def generate(ledger: HouseholdLedger, run: BackendRun, households: int) -> None:
    caller = Caller("bench-generator", "bench", CallerRole.RECORDER, COUNTY)
    started = time.perf_counter()
    generated = progress(f"[{run.backend}] generation", households, "households")
    appends = AppendPipeline(ledger)
    for n in range(households):
        household_id, kind, events = household(n)
        before = time.perf_counter()
        commands = AppendBatch.model_validate({"events": events}).events
        appends.append(household_id, commands, caller)
        run.append_s += time.perf_counter() - before
        run.events += len(events)
        run.archetypes[kind] = run.archetypes.get(kind, 0) + 1
        generated(1)
    run.generation_s = time.perf_counter() - started
    run.households = households


def project(ledger: HouseholdLedger, run: BackendRun) -> None:
    runner = ProjectionRunner(ledger, open_views(ledger), config.load_default())
    before = time.perf_counter()
    runner.catch_up(progress(f"[{run.backend}] catch-up", run.events))
    run.catch_up_s = time.perf_counter() - before
    counts = _view_counts(runner.views)
    log(f"[{run.backend}] catch-up {run.catch_up_s:,.1f} s; rows {counts}")
    before = time.perf_counter()
    runner.rebuild(progress(f"[{run.backend}] rebuild", run.events))
    run.rebuild_s = time.perf_counter() - before
    run.view_rows = _view_counts(runner.views)
    if run.view_rows != counts:
        raise RuntimeError(f"rebuild gave other rows than catch-up: {run.view_rows} != {counts}")
    log(f"[{run.backend}] rebuild {run.rebuild_s:,.1f} s")


def _view_counts(views: ViewTables) -> dict[str, int]:
    tables = (
        "household_view",
        "episode_view",
        "gap_view",
        "lookback_view",
        "finding_view",
        "fact_view",
        "derived_finding_view",
        "signal_view",
    )
    return {
        t: int(views._rows(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"])  # noqa: S608
        for t in tables
    }


def _database_bytes(url: str) -> int:
    database = Database.from_url(url)
    if database.kind == "sqlite":
        return sum(p.stat().st_size for p in Path(database.path).parent.glob("ledger.db*"))
    with psycopg.connect(PG_ADMIN_URL) as admin:
        row = admin.execute("SELECT pg_database_size(%s)", (database.name,)).fetchone()
    return int(row[0]) if row else 0


# Queries ---------------------------------------------------------------------------------


def queries(reference_day: date) -> list[Query]:
    return [
        Query(
            "completeness, county (first page)",
            "/v1/completeness",
            {"division": COUNTY},
            lambda v: completeness_page(v, Filters(COUNTY)),
        ),
        Query(
            "completeness, county, code=MISSING_NOTICE",
            "/v1/completeness",
            {"division": COUNTY, "code": "MISSING_NOTICE"},
            lambda v: completeness_page(v, Filters(COUNTY, "MISSING_NOTICE")),
        ),
        Query(
            "completeness, county, deep page",
            "/v1/completeness",
            {"division": COUNTY},
            lambda v: None,
        ),  # cursor set once it is known
        Query(
            f"completeness, township {TOWNSHIP}",
            "/v1/completeness",
            {"division": TOWNSHIP},
            lambda v: completeness_page(v, Filters(TOWNSHIP)),
        ),
        Query(
            "lookback, county",
            "/v1/lookback",
            {"division": COUNTY},
            lambda v: lookback_page(v, Filters(COUNTY), reference_day),
        ),
        Query(
            "quality, county (first page)",
            "/v1/quality",
            {"division": COUNTY},
            lambda v: QualityQueries(v).findings(EVALUATOR, Selection(COUNTY), reference_day),
        ),
        Query(
            "quality, county, code=DQ_MEASURE_NOT_DELIVERED",
            "/v1/quality",
            {"division": COUNTY, "code": "DQ_MEASURE_NOT_DELIVERED"},
            lambda v: QualityQueries(v).findings(
                EVALUATOR, Selection(COUNTY, "DQ_MEASURE_NOT_DELIVERED"), reference_day
            ),
        ),
        Query(
            f"quality, township {TOWNSHIP}",
            "/v1/quality",
            {"division": TOWNSHIP},
            lambda v: QualityQueries(v).findings(EVALUATOR, Selection(TOWNSHIP), reference_day),
        ),
        Query(
            "signals, county",
            "/v1/signals",
            {"division": COUNTY},
            lambda v: QualityQueries(v).signals(EVALUATOR, Selection(COUNTY), reference_day),
        ),
        Query(
            "reports/summary, county",
            "/v1/reports/summary",
            {"division": COUNTY},
            lambda v: summary(v, COUNTY),
        ),
    ]


def _deep_cursor(session: httpx.Client, query: Query) -> None:
    """Follows ``next`` up to DEEP_PAGES pages in; the query then asks for the page after."""
    cursor, pages = None, 0
    while pages < DEEP_PAGES:
        params = {"division": COUNTY, **({"cursor": cursor} if cursor else {})}
        response = session.get("/v1/completeness", params=params)
        response.raise_for_status()
        following = response.json()["next"]
        if following is None:
            break
        cursor, pages = following, pages + 1
    if cursor is None:
        query.note = "only one page of results: the deep page is the first page"
    else:
        query.params = {"division": COUNTY, "cursor": cursor}
        query.note = (
            f"page {pages + 1} (after following {pages} `next` cursors"
            f"{'; the last page with a cursor' if pages < DEEP_PAGES else ''})"
        )
    query.run_in_process = lambda v: completeness_page(v, Filters(COUNTY, after=cursor))


def measure(session: httpx.Client, query: Query, requests: int) -> None:
    for _ in range(WARMUP_REQUESTS):
        session.get(query.path, params=query.params)
    for _ in range(requests):
        before = time.perf_counter()
        try:
            response = session.get(query.path, params=query.params)
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        else:
            outcome = str(response.status_code)
        elapsed = time.perf_counter() - before
        if outcome == "200":
            query.latencies_s.append(elapsed)
            query.body_bytes = len(response.content)
            body = response.json()
            query.items = len(body["items"]) if "items" in body else body.get("households")
        else:
            query.errors[outcome] = query.errors.get(outcome, 0) + 1


def in_process(views: ViewTables, query: Query) -> None:
    """The query function alone (SQL and page shaping), and the SQL it runs with plans."""
    for _ in range(3):
        query.run_in_process(views)
    for _ in range(SQL_REPEATS):
        before = time.perf_counter()
        query.run_in_process(views)
        query.in_process_s.append(time.perf_counter() - before)
    captured: list[tuple[str, list[Any]]] = []
    original = views._rows

    def recording(statement: str, params: Any = ()) -> list[Any]:
        captured.append((statement, list(params)))
        return original(statement, params)

    views._rows = recording  # type: ignore[method-assign]
    try:
        query.run_in_process(views)
    finally:
        del views._rows  # back to the class's method
    query.plans = [
        (statement, params, _plan(views, statement, params)) for statement, params in captured
    ]


def _plan(views: ViewTables, statement: str, params: list[Any]) -> str:
    live = views.live()  # queries name views in braces: the live set's tables
    statement = statement.format_map({view: live.table(view) for view in VIEWS})
    if type(views).__name__ != "SQLiteViews":
        # The views read in transactions that end in ROLLBACK, which clears psycopg's
        # prepared statements: every read is planned for its values (a custom plan), as
        # EXPLAIN with bound parameters shows.
        with views._transaction(commit=False) as cursor:
            cursor.execute(views._sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}"), tuple(params))
            return "\n".join(str(next(iter(dict(r).values()))) for r in cursor.fetchall())
    with views._transaction(commit=False) as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {statement}", tuple(params))
        rows = cursor.fetchall()
    lines = [f"{'  ' * _depth(rows, r)}{r['detail']}" for r in rows]
    with views._transaction(commit=False) as cursor:
        before = time.perf_counter()
        cursor.execute(statement, tuple(params))
        found = len(cursor.fetchall())
    lines.append(f"-- executed in {(time.perf_counter() - before) * 1000:.1f} ms, {found} rows")
    return "\n".join(lines)


def _depth(rows: list[Any], row: Any) -> int:
    parents = {r["id"]: r["parent"] for r in rows}
    depth, parent = 0, row["parent"]
    while parent in parents:
        depth, parent = depth + 1, parents[parent]
    return depth


def profile_requests(url: str, token: str, query: Query, requests: int) -> str:
    """cProfile of the endpoint's work in one thread: what its dependencies do (token
    lookup, read-your-writes wait on the projections), the route function and the JSON
    body, called directly (no HTTP, no uvicorn/Starlette) on the same database."""
    from api.routes import evaluation
    from ledger.tokens import authenticate
    from queries import EvaluationQueries

    database = Database.from_url(url)
    ledger = open_ledger(database)
    try:
        runner = ProjectionRunner(ledger, open_views(ledger), config.load_default())
        params = query.params

        def request() -> bytes:
            caller = authenticate(ledger.tables, token)
            runner.wait_for(ledger.recorder.max_notification_id(), timeout=5.0)
            response: Response
            evaluation_queries = EvaluationQueries(runner.views)
            if query.path == "/v1/reports/summary":
                response = evaluation.report_summary(evaluation_queries, caller, params["division"])
            elif query.path == "/v1/lookback":
                response = evaluation.lookback(
                    evaluation_queries,
                    caller,
                    params["division"],
                    None,
                    None,
                    params.get("cursor"),
                    100,
                    "json",
                )
            else:
                response = evaluation.completeness(
                    evaluation_queries,
                    caller,
                    params["division"],
                    params.get("code"),
                    None,
                    params.get("cursor"),
                    100,
                    "json",
                )
            return bytes(response.body)

        for _ in range(WARMUP_REQUESTS):
            request()
        profiler = cProfile.Profile()
        before = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            request()
        profiler.disable()
        elapsed = time.perf_counter() - before
    finally:
        ledger.close()
    out = io.StringIO()
    out.write(
        f"{requests} calls in {elapsed:.2f} s under the profiler "
        f"({elapsed / requests * 1000:.1f} ms each)\n"
    )
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


# One backend -----------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace) -> BackendRun:
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as tmp:
        run = BackendRun(backend, detail)
        database = Database.from_url(url)
        migrate(database)
        # The served process's key file (service_env): the values sealed now open there.
        key_file = Path(tmp) / "personal-data.key"
        ledger = open_ledger(database, personal_key=lambda store: personal_key_for(store, key_file))
        try:
            log(f"[{backend}] generating {args.households:,} households …")
            generate(ledger, run, args.households)
            log(f"[{backend}] {run.events:,} events in {run.generation_s:,.1f} s")
            project(ledger, run)
        finally:
            ledger.close()
        if database.kind == "postgres":
            # What autovacuum would soon do after a bulk load; plans then do not depend on
            # whether it happened to run yet.
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("VACUUM (ANALYZE)")
        run.database_bytes = _database_bytes(url)
        env = service_env(url, Path(tmp))
        token = create_token(env, "evaluator", COUNTY, "bench-evaluator")
        log_path = Path(tmp) / "server.log"
        run.queries = queries(date.today())
        with serve(env, log_path) as base_url, client(base_url, token) as session:
            for query in run.queries:
                if query.name.endswith("deep page"):
                    _deep_cursor(session, query)
                log(
                    f"[{backend}] {query.name}: {WARMUP_REQUESTS} warm-up, "
                    f"{args.requests} measured …"
                )
                measure(session, query, args.requests)
                log(
                    f"[{backend}]   p50 {query.percentile_ms(50):.1f} ms, "
                    f"p95 {query.percentile_ms(95):.1f} ms"
                )
        run.server_notes = server_notes(log_path)
        ledger = open_ledger(database)
        try:
            views = open_views(ledger)
            for query in run.queries:
                in_process(views, query)
        finally:
            ledger.close()
        if args.profile:
            for query in run.queries:
                if args.profile == "all" or not query.meets_target:
                    log(f"[{backend}] profiling {query.name} …")
                    query.profile = profile_requests(url, token, query, min(args.requests, 100))
        return run


# Report ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds else "–"


def load_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | households | events | generation (append) s | events/s | "
        "projections catch-up s | events/s | households/s | rebuild s | "
        "view rows (household / episode / gap / lookback) | database size |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in runs:
        rows.append(
            f"| {r.backend} | {r.households:,} | {r.events:,} | {r.generation_s:,.0f} "
            f"({r.append_s:,.0f}) | {_rate(r.events, r.append_s)} | {r.catch_up_s:,.0f} "
            f"| {_rate(r.events, r.catch_up_s)} | {_rate(r.households, r.catch_up_s)} "
            f"| {r.rebuild_s:,.0f} | {' / '.join(f'{n:,}' for n in r.view_rows.values())} "
            f"| {r.database_bytes / 2**20:,.0f} MiB |"
        )
    return "\n".join(rows)


def latency_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | query | items | body | p50 ms | p95 ms | max ms | in-process p50 ms "
        "| errors | p95 ≤ 100 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in runs:
        for q in r.queries:
            rows.append(
                f"| {r.backend} | {q.name} | {q.items if q.items is not None else '–'} "
                f"| {q.body_bytes / 1024:,.0f} KiB | {_ms(q.percentile_ms(50))} "
                f"| {_ms(q.percentile_ms(95))} | {_ms(q.max_ms)} "
                f"| {_ms(q.percentile_ms(50, q.in_process_s))} | {errors_text(q.errors)} "
                f"| {'yes' if q.meets_target else '**no**'} |"
            )
    return "\n".join(rows)


def _plans_text(run: BackendRun, query: Query) -> list[str]:
    lines = [f"{run.backend}, {query.name} — `GET {query.url}`:", "", "```"]
    for statement, params, plan in query.plans:
        shown = [p if len(str(p)) < 40 else f"{str(p)[:37]}…" for p in params]
        if len(shown) > 8:
            shown = [*shown[:8], f"… {len(shown) - 8} more"]
        lines += [f"-- {statement}", f"-- params {shown}", plan, ""]
    return [*lines[:-1], "```", ""]


def method(args: argparse.Namespace, runs: list[BackendRun]) -> str:
    """How the county is built and the queries measured, for a report."""
    shares = ", ".join(f"{name} {share:.2%}" for name, share in ARCHETYPES)
    monitored = sum(n for r in runs[:1] for k, n in r.archetypes.items() if k in MONITORED)
    return (
        f"Each backend gets a fresh database (SQLite: a temp file; PostgreSQL: `CREATE "
        f"DATABASE bench_<random>`, dropped `WITH (FORCE)` afterwards), migrated. The county "
        f"(`demo/`) has {args.households:,} households over 6 townships × 12 "
        f"villages of 530925, ids `hh-000000`… unrelated to the village; archetypes by share: "
        f"{shares} — {monitored:,} households "
        f"({monitored / max(args.households, 1):.1%}) end monitored or risk-eliminated. "
        f"Registered-only households have 2–3 events, monitored ones 14–25. Each household is "
        f"one `HouseholdLedger.append` (in-process, one thread) of its whole history after "
        f"`AppendBatch.model_validate`; 'generation (append)' is the wall time and, in "
        f"brackets, the time inside validate + append, over which events/s is counted. The "
        f"projections then run from position 0 with `ProjectionRunner.catch_up()` (batches "
        f"of 500 log entries), and a full `ProjectionRunner.rebuild()` follows (it must give "
        f"the same row counts). On PostgreSQL a `VACUUM (ANALYZE)` follows (what autovacuum "
        f"would soon do; SQLite gets no `ANALYZE`, as the product runs none). Then `ledger "
        f"serve` (one uvicorn process, embedded projection runner, "
        f"`LEDGER_RATE_LIMIT_PER_S=0`) on a free 127.0.0.1 port, "
        f"an evaluator token for division 530925 from "
        f"`ledger token create`, and for each query {WARMUP_REQUESTS} warm-up requests and "
        f"{args.requests} measured ones, sequential, on one `httpx.Client` (keep-alive); "
        f"latency is as the client sees it (nearest-rank percentiles); items is the page's "
        f"item count (households for the summary). The deep page follows `next` from the "
        f"first page up to {DEEP_PAGES} times and measures the page after. 'In-process p50' "
        f"is the same query function of `projections/queries.py` called directly on the view "
        f"tables ({SQL_REPEATS} times, no HTTP, no auth, no read-your-writes wait): the "
        f"database and page-shaping share of the latency. The look-back query judges windows "
        f"at today's date (the endpoint's default). Client and server share the machine's "
        f"CPUs. One run, no repeats: read large ratios, not small differences."
    )


def section(
    runs: list[BackendRun],
    args: argparse.Namespace,
    command: str,
    findings: str,
    fingerprints: tuple[str, str],
) -> str:
    missing = [(r, q) for r in runs for q in r.queries if not q.meets_target]
    return "\n".join(
        [
            HEADING,
            "",
            f"Target: **GET /v1/completeness (issue 3), GET /v1/quality and GET /v1/signals "
            f"(issue 17) at 100k households: p95 ≤ {TARGET_MS:.0f} ms**.",
            "",
            *header([(r.backend, r.detail) for r in runs], command, fingerprints),
            "",
            "### Method",
            "",
            method(args, runs),
            "",
            "### Generation and projections",
            "",
            load_table(runs),
            "",
            "### Latency",
            "",
            latency_table(runs),
            "",
            *[f"- {r.backend}, {q.name}: {q.note}" for r in runs for q in r.queries if q.note],
            *[f"- {r.backend}: {n}" for r in runs for n in r.server_notes],
            "",
            *(["### Findings", "", findings.strip(), ""] if findings.strip() else []),
            *(
                [
                    "### Plans of the queries that miss the target",
                    "",
                    "As captured by the benchmark (all plans, and cProfile output with "
                    "`--profile`, "
                    f"are in `{RESULTS.relative_to(ROOT)}/`).",
                    "",
                    *[line for r, q in missing for line in _plans_text(r, q)],
                ]
                if missing
                else []
            ),
        ]
    )


def save_details(runs: list[BackendRun], args: argparse.Namespace) -> Path:
    """Every plan and profile, and the raw latencies, for later reading."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"completeness_queries-{args.households}"
    with stem.with_suffix(".plans.txt").open("w") as out:
        for run in runs:
            for query in run.queries:
                out.write("\n".join(_plans_text(run, query)) + "\n")
                if query.profile:
                    out.write(f"cProfile, {run.backend}, {query.name}:\n{query.profile}\n")
    stem.with_suffix(".json").write_text(
        json.dumps(
            [
                {
                    "backend": r.backend,
                    "households": r.households,
                    "events": r.events,
                    "generation_s": r.generation_s,
                    "append_s": r.append_s,
                    "catch_up_s": r.catch_up_s,
                    "rebuild_s": r.rebuild_s,
                    "view_rows": r.view_rows,
                    "database_bytes": r.database_bytes,
                    "archetypes": r.archetypes,
                    "queries": [
                        {
                            "name": q.name,
                            "url": q.url,
                            "latencies_s": q.latencies_s,
                            "in_process_s": q.in_process_s,
                            "errors": q.errors,
                            "items": q.items,
                            "body_bytes": q.body_bytes,
                        }
                        for q in r.queries
                    ],
                }
                for r in runs
            ],
            indent=1,
        )
    )
    return stem


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.completeness_queries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--households",
        type=int,
        default=100_000,
        help="households in the synthetic county (default 100000)",
    )
    parser.add_argument(
        "--backends",
        type=backends_option,
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="measured requests per query (default 300)"
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="missed",
        choices=("missed", "all"),
        help="cProfile the requests of queries missing the target (or all)",
    )
    parser.add_argument(
        "--findings",
        type=Path,
        help="a Markdown file whose text goes under 'Findings' in the report",
    )
    parser.add_argument(
        "--no-write", action="store_true", help=f"print only; do not update {DOC.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    if args.households < 1 or args.requests < 1:
        parser.error("--households and --requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    command = " ".join(["PYTHONPATH=. .venv/bin/python -m bench.completeness_queries", *argv])
    started = time.perf_counter()
    before = product_fingerprint()
    runs = [run_backend(backend, args) for backend in args.backends]
    fingerprints = fingerprints_since(before)
    print(load_table(runs))
    print()
    print(latency_table(runs))
    stem = save_details(runs, args)
    log(
        f"plans and raw figures in {stem.relative_to(ROOT)}.*; "
        f"total {time.perf_counter() - started:,.0f} s"
    )
    if not args.no_write:
        findings = args.findings.read_text() if args.findings else ""
        write_section(HEADING, section(runs, args, command, findings, fingerprints))
        log(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
