"""Single-event and batch append rates over real HTTP, side by side on SQLite and PostgreSQL.

For each backend: a fresh database, ``ledger migrate`` and ``ledger token create`` through
the real CLI, ``ledger serve`` (no rate limit) on a free loopback port, then

* registered households (one POST each), fresh ones for every phase;
* single-event appends (``LocationRecorded``) for a fixed time after a warm-up, with 1
  and with 8 client threads; each thread cycles through its own slice of the households,
  so concurrent clients never hit the same household;
* a few 500-event batches, each to a freshly registered household.

Only 201s count; every other status and every transport error is recorded. The table is
printed and written into ``docs/performance.md`` (the section is replaced on re-runs).

    PYTHONPATH=. .venv/bin/python -m bench.http_appends [--seconds N] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    DATABASES,
    DOC,
    ROOT,
    Step,
    Timed,
    backends_option,
    cli,
    client,
    create_token,
    errors_text,
    fingerprints_since,
    header,
    log,
    nproc,
    percentile,
    product_fingerprint,
    repeat_for,
    serve,
    server_notes,
    service_env,
    write_section,
)
from tests import factories as f

HEADING = "## First measurement: single-event appends over HTTP (issue 2)"
FLOOR = "HTTP floor: GET /healthz"


# Events ----------------------------------------------------------------------------------


def _location(i: int) -> dict[str, Any]:
    return f.event(
        "LocationRecorded", {"lat": 23.47 + (i % 100) / 10_000, "lon": 99.81, "accuracy_m": 12.5}
    )


SINGLE_BODY = json.dumps({"events": [_location(0)]}, ensure_ascii=False).encode()
REGISTER_BODY = json.dumps({"events": [f.registered()]}, ensure_ascii=False).encode()


def _batch_body(size: int) -> bytes:
    return json.dumps({"events": [_location(i) for i in range(size)]}, ensure_ascii=False).encode()


# Results ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Phase(Timed):
    """Requests of one workload: ``threads`` clients, ``events_per_request`` each."""

    backend: str
    name: str
    events_per_request: int = 1

    @property
    def clients(self) -> int:
        return self.threads

    @property
    def rate(self) -> float:
        """Events a second."""
        return super().rate * self.events_per_request

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies."""
        return percentile(self.latencies_s, p) * 1000


@dataclass
class BackendRun:
    backend: str
    detail: str
    phases: list[Phase] = field(default_factory=list)
    server_notes: list[str] = field(default_factory=list)


# Measurements ----------------------------------------------------------------------------


def register(session: httpx.Client, household_ids: list[str]) -> None:
    for household_id in household_ids:
        response = session.post(f"/v1/households/{household_id}/events", content=REGISTER_BODY)
        if response.status_code != 201:
            raise RuntimeError(
                f"registering {household_id}: {response.status_code} {response.text[:300]}"
            )


def timed_appends(
    base_url: str, token: str, phase: Phase, household_ids: list[str], warmup_s: float
) -> None:
    """``phase.clients`` threads append one event per request until the deadline, each
    cycling through its own slice of ``household_ids``."""

    @contextlib.contextmanager
    def appender(k: int) -> Iterator[Step]:
        households = cycle(household_ids[k :: phase.clients])
        with client(base_url, token) as session:

            def append() -> str | None:
                try:
                    response = session.post(
                        f"/v1/households/{next(households)}/events", content=SINGLE_BODY
                    )
                except httpx.HTTPError as error:
                    return type(error).__name__
                return None if response.status_code == 201 else str(response.status_code)

            yield append

    timed = repeat_for(phase.clients, phase.seconds, warmup_s, appender)
    phase.latencies_s, phase.errors = timed.latencies_s, timed.errors


def timed_floor(base_url: str, token: str, phase: Phase, warmup_s: float) -> None:
    """``phase.clients`` threads ask ``GET /healthz`` (no database, no auth) until the
    deadline: what this HTTP stack (httpx client, uvicorn, FastAPI, our middleware) does
    on this machine with nothing behind it — the ceiling of any endpoint."""

    @contextlib.contextmanager
    def asker(_k: int) -> Iterator[Step]:
        with client(base_url, token) as session:

            def ask() -> str | None:
                try:
                    response = session.get("/healthz")
                except httpx.HTTPError as error:
                    return type(error).__name__
                return None if response.status_code == 200 else str(response.status_code)

            yield ask

    timed = repeat_for(phase.clients, phase.seconds, warmup_s, asker)
    phase.latencies_s, phase.errors = timed.latencies_s, timed.errors


def batches(session: httpx.Client, phase: Phase, household_ids: list[str], size: int) -> None:
    body = _batch_body(size)
    total = 0.0
    for household_id in household_ids:
        before = time.perf_counter()
        try:
            response = session.post(f"/v1/households/{household_id}/events", content=body)
            outcome = "201" if response.status_code == 201 else str(response.status_code)
            if outcome == "201" and response.json()["version"] != size + 1:
                outcome = "wrong version"
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        elapsed = time.perf_counter() - before
        total += elapsed
        if outcome == "201":
            phase.latencies_s.append(elapsed)
        else:
            phase.errors[outcome] += 1
    phase.seconds = total


def run_backend(backend: str, args: argparse.Namespace) -> BackendRun:
    """A fresh database and server; the single-event phases (``args.clients``,
    ``args.households``, ``args.warmup``, ``args.seconds``), then ``args.batches`` batches of
    ``args.batch_size`` events."""
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as tmp:
        env = service_env(url, Path(tmp))
        cli(env, "migrate")
        token = create_token(env, "recorder")
        run = BackendRun(backend, detail)
        log_path = Path(tmp) / "server.log"
        with serve(env, log_path) as base_url, client(base_url, token) as session:
            for clients in args.clients:
                ids = [f"bench-c{clients}-{i:05d}" for i in range(args.households)]
                register(session, ids)
                phase = Phase(clients, args.seconds, backend=backend, name="single-event appends")
                log(
                    f"[{backend}] {clients} client(s): {args.warmup:g} s warm-up, "
                    f"{args.seconds:g} s measured …"
                )
                timed_appends(base_url, token, phase, ids, args.warmup)
                run.phases.append(phase)
            for clients in args.clients:
                floor = Phase(clients, args.seconds, backend=backend, name=FLOOR)
                log(f"[{backend}] HTTP floor, {clients} client(s) …")
                timed_floor(base_url, token, floor, args.warmup)
                run.phases.append(floor)
            ids = [f"bench-batch-{i:05d}" for i in range(args.batches)]
            register(session, ids)
            batch = Phase(
                1,
                0.0,
                backend=backend,
                name=f"{args.batch_size}-event batches",
                events_per_request=args.batch_size,
            )
            log(f"[{backend}] {args.batches} batches of {args.batch_size} …")
            batches(session, batch, ids, args.batch_size)
            run.phases.append(batch)
        run.server_notes = server_notes(log_path)
        if any("traceback" in n for n in run.server_notes):
            kept = ROOT / "bench" / f"server-{backend}.log"
            shutil.copyfile(log_path, kept)
            run.server_notes.append(f"log kept at {kept.relative_to(ROOT)}")
        return run


# Report ----------------------------------------------------------------------------------


def table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | workload | clients | requests ok | errors | events/s | p50 ms | p95 ms |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for run in runs:
        for p in run.phases:
            rows.append(
                f"| {p.backend} | {p.name} | {p.clients} | {p.ok} | "
                f"{errors_text(p.errors)} | {p.rate:,.0f} | {p.percentile_ms(50):,.1f} "
                f"| {p.percentile_ms(95):,.1f} |"
            )
    return "\n".join(rows)


def method(args: argparse.Namespace) -> str:
    """How the appends are measured, for a report."""
    return (
        f"Each backend gets a fresh database, `ledger migrate` and `ledger token create "
        f"--role recorder` through the real CLI, and its own `ledger serve` (one uvicorn "
        f"process, default settings but `LEDGER_RATE_LIMIT_PER_S=0`: the per-token limit "
        f"would cap the load, and all clients share one token) on a free 127.0.0.1 port; "
        f"the load comes from the same machine (one Python process, `httpx.Client` per "
        f"thread with keep-alive), so client and server share the {nproc()} CPUs. For each "
        f"client count, {args.households} fresh households are registered (one POST each), "
        f"then every thread appends one `LocationRecorded` event per request, cycling "
        f"through its own slice of the households (concurrent clients never touch the same "
        f"household), for {args.warmup:g} s of warm-up and {args.seconds:g} s measured; "
        f"the service decides each append on the state it kept after the household's "
        f"previous append (ledger/recent_states.py), and concurrent appends share "
        f"transactions (group commit). Only 201 responses completed inside the measured window "
        f"count; anything else is listed under errors. Latency is per request as the client "
        f"sees it (p50/p95, nearest rank). The batch row posts {args.batches} batches of "
        f"{args.batch_size} `LocationRecorded` events, each to a freshly registered "
        f"household, one after another; its events/s is events over the summed request "
        f"time, and with {args.batches} samples its p95 is the slowest batch. The floor "
        f"rows ask `GET /healthz` (no database, no token) with the same clients for the "
        f"same time: what the HTTP stack alone does here, the ceiling of any endpoint."
    )


def section(
    runs: list[BackendRun], args: argparse.Namespace, command: str, fingerprints: tuple[str, str]
) -> str:
    notes = [f"- {r.backend}: {n}" for r in runs for n in r.server_notes]
    return "\n".join(
        [
            HEADING,
            "",
            *header([(r.backend, r.detail) for r in runs], command, fingerprints),
            "",
            "### Method",
            "",
            method(args) + " This is a single run without repeats: on the 2-CPU machine where "
            "it was first taken, repeating it moved individual rows by up to about 40 %, so read "
            "only large ratios (for example SQLite against PostgreSQL, or 1 against 8 clients).",
            "",
            "### Results",
            "",
            table(runs),
            *(["", "Server-side notes:", "", *notes] if notes else []),
            "",
        ]
    )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http_appends",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="measured duration of each single-event phase (default 10)",
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="unmeasured warm-up before each phase (default 2)"
    )
    parser.add_argument(
        "--backends",
        type=backends_option,
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--clients", default="1,8", help="client thread counts, comma-separated (default 1,8)"
    )
    parser.add_argument(
        "--households", type=int, default=200, help="households registered per phase (default 200)"
    )
    parser.add_argument("--batches", type=int, default=5, help="batches (default 5)")
    parser.add_argument(
        "--batch-size", type=int, default=500, help="events per batch, at most 500 (default 500)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help=f"print only; do not update {DOC.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    if not args.clients or min(args.clients) < 1:
        parser.error("--clients: positive integers")
    if args.seconds <= 0 or args.warmup < 0:
        parser.error("--seconds must be positive and --warmup not negative")
    if args.households < max(args.clients):
        parser.error("--households must be at least the largest client count")
    if not 1 <= args.batch_size <= 500 or args.batches < 1:
        parser.error("--batch-size must be 1..500 and --batches at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    command = " ".join(["PYTHONPATH=. .venv/bin/python -m bench.http_appends", *argv])
    before = product_fingerprint()
    runs = [run_backend(backend, args) for backend in args.backends]
    fingerprints = fingerprints_since(before)
    print(table(runs))
    for run in runs:
        for note in run.server_notes:
            print(f"{run.backend}: {note}")
    if not args.no_write:
        write_section(HEADING, section(runs, args, command, fingerprints))
        log(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
