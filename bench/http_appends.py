"""Single-event and batch append rates over real HTTP, side by side on SQLite and PostgreSQL.

For each backend: a fresh database, ``ledger migrate`` and ``ledger token create`` through
the real CLI, ``ledger serve`` on a free loopback port, then

* registered households (one POST each), fresh ones for every phase;
* single-event appends (``LocationRecorded``) for a fixed time after a warm-up, with 1
  and with 8 client threads; each thread cycles through its own slice of the households,
  so concurrent clients never hit the same household;
* a few 500-event batches, each to a freshly registered household.

Only 201s count; every other status and every transport error is recorded. The table is
printed and written into ``docs/performance.md`` (the section is replaced on re-runs).

    .venv/bin/python -m bench.http_appends [--seconds N] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
HEADING = "## First measurement: single-event appends over HTTP (issue 2)"
TITLE = "# Performance"
PREAMBLE = (
    "Figures here are ratios measured side by side, in one run on the same machine: compare "
    "rows within a section, not with other machines or other sections' absolute numbers. "
    "Each section names the command that produced it, so it can be re-run."
)
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LEDGER = Path(sys.executable).with_name("ledger")
SERVER_START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 120.0


# Events ----------------------------------------------------------------------------------

def _location(i: int) -> dict[str, Any]:
    return f.event("LocationRecorded",
                   {"lat": 23.47 + (i % 100) / 10_000, "lon": 99.81, "accuracy_m": 12.5})


SINGLE_BODY = json.dumps({"events": [_location(0)]}, ensure_ascii=False).encode()
REGISTER_BODY = json.dumps({"events": [f.registered()]}, ensure_ascii=False).encode()


def _batch_body(size: int) -> bytes:
    return json.dumps({"events": [_location(i) for i in range(size)]},
                      ensure_ascii=False).encode()


# Results ---------------------------------------------------------------------------------

@dataclass
class Phase:
    backend: str
    name: str
    clients: int
    seconds: float
    events_per_request: int = 1
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return len(self.latencies_s)

    @property
    def rate(self) -> float:
        return self.ok * self.events_per_request / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies."""
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
        return ordered[int(rank) - 1] * 1000

    def errors_text(self) -> str:
        return ", ".join(f"{k}×{v}" for k, v in sorted(self.errors.items())) or "0"


@dataclass
class BackendRun:
    backend: str
    detail: str
    phases: list[Phase] = field(default_factory=list)
    server_notes: list[str] = field(default_factory=list)


# Infrastructure --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(LEDGER), *args], env=env, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ledger {' '.join(args)} failed ({done.returncode}): "
                           f"{done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


@contextlib.contextmanager
def _sqlite_database() -> Iterator[tuple[str, str]]:
    directory = tempfile.mkdtemp(prefix="ledger-bench-")
    try:
        yield f"sqlite:///{directory}/ledger.db", f"SQLite {sqlite3.sqlite_version}, temp file"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _postgres_database() -> Iterator[tuple[str, str]]:
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        version = admin.execute("SHOW server_version").fetchone()
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (f"postgresql://postgres@127.0.0.1:5432/{name}",
               f"PostgreSQL {version[0] if version else '?'} on 127.0.0.1")
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(name)))


DATABASES: dict[str, Callable[[], contextlib.AbstractContextManager[tuple[str, str]]]] = {
    "sqlite": _sqlite_database,
    "postgres": _postgres_database,
}


@contextlib.contextmanager
def _server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(LEDGER), "serve", "--host", "127.0.0.1",
                                    "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(process, base_url)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_ready(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"ledger serve exited with {process.returncode} at start")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/readyz").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"ledger serve not ready after {SERVER_START_TIMEOUT_S:.0f} s")


def _client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S,
                        headers={"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"})


def _server_notes(log_path: Path) -> list[str]:
    """5xx responses and tracebacks in the server's log (one JSON line per request)."""
    statuses: Counter[int] = Counter()
    tracebacks = 0
    for line in log_path.read_text(errors="replace").splitlines():
        if "Traceback" in line:
            tracebacks += 1
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                status = json.loads(line).get("status")
                if isinstance(status, int) and status >= 500:
                    statuses[status] += 1
    notes = [f"server logged {n} × {s}" for s, n in sorted(statuses.items())]
    if tracebacks:
        notes.append(f"server log holds {tracebacks} traceback(s)")
    return notes


# Measurements ----------------------------------------------------------------------------

def _register(client: httpx.Client, household_ids: list[str]) -> None:
    for household_id in household_ids:
        response = client.post(f"/v1/households/{household_id}/events", content=REGISTER_BODY)
        if response.status_code != 201:
            raise RuntimeError(f"registering {household_id}: {response.status_code} "
                               f"{response.text[:300]}")


def _timed_appends(base_url: str, token: str, phase: Phase, household_ids: list[str],
                   warmup_s: float) -> None:
    """``phase.clients`` threads append one event per request until the deadline."""
    lock = threading.Lock()
    go = threading.Event()
    window: dict[str, float] = {}

    def worker(mine: list[str]) -> None:
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        with _client(base_url, token) as client:
            go.wait(timeout=60)
            start, end = window["start"], window["end"]
            for household_id in cycle(mine):
                before = time.perf_counter()
                if before >= end:
                    break
                try:
                    response = client.post(f"/v1/households/{household_id}/events",
                                           content=SINGLE_BODY)
                    outcome = "201" if response.status_code == 201 else str(response.status_code)
                except httpx.HTTPError as error:
                    outcome = type(error).__name__
                after = time.perf_counter()
                if start <= after <= end:  # completed inside the measured window
                    if outcome == "201":
                        latencies.append(after - before)
                    else:
                        errors[outcome] += 1
        with lock:
            phase.latencies_s.extend(latencies)
            phase.errors.update(errors)

    slices = [household_ids[k::phase.clients] for k in range(phase.clients)]
    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in slices]
    for t in threads:
        t.start()
    now = time.perf_counter()
    window["start"] = now + warmup_s
    window["end"] = now + warmup_s + phase.seconds
    go.set()
    for t in threads:
        t.join(timeout=warmup_s + phase.seconds + REQUEST_TIMEOUT_S + 60)
        if t.is_alive():
            phase.errors["client thread did not stop"] += 1


def _batches(client: httpx.Client, phase: Phase, household_ids: list[str], size: int) -> None:
    body = _batch_body(size)
    total = 0.0
    for household_id in household_ids:
        before = time.perf_counter()
        try:
            response = client.post(f"/v1/households/{household_id}/events", content=body)
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
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as logs:
        env = {**os.environ, "LEDGER_DATABASE_URL": url}
        _cli(env, "migrate")
        token = _cli(env, "token", "create", "--role", "recorder", "--division", "53",
                     "--name", "bench").strip().splitlines()[-1]
        run = BackendRun(backend, detail)
        log_path = Path(logs) / "server.log"
        with _server(env, log_path) as base_url, _client(base_url, token) as client:
            for clients in args.clients:
                ids = [f"bench-c{clients}-{i:05d}" for i in range(args.households)]
                _register(client, ids)
                phase = Phase(backend, "single-event appends", clients, args.seconds)
                print(f"[{backend}] {clients} client(s): {args.warmup:g} s warm-up, "
                      f"{args.seconds:g} s measured …", file=sys.stderr, flush=True)
                _timed_appends(base_url, token, phase, ids, args.warmup)
                run.phases.append(phase)
            ids = [f"bench-batch-{i:05d}" for i in range(args.batches)]
            _register(client, ids)
            batch = Phase(backend, f"{args.batch_size}-event batches", 1, 0.0,
                          events_per_request=args.batch_size)
            print(f"[{backend}] {args.batches} batches of {args.batch_size} …",
                  file=sys.stderr, flush=True)
            _batches(client, batch, ids, args.batch_size)
            run.phases.append(batch)
        run.server_notes = _server_notes(log_path)
        if run.server_notes and any("traceback" in n for n in run.server_notes):
            kept = ROOT / "bench" / f"server-{backend}.log"
            shutil.copyfile(log_path, kept)
            run.server_notes.append(f"log kept at {kept.relative_to(ROOT)}")
        return run


# Report ----------------------------------------------------------------------------------

def table(runs: list[BackendRun]) -> str:
    rows = ["| backend | workload | clients | requests ok | errors | events/s | p50 ms | p95 ms |",
            "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for run in runs:
        for p in run.phases:
            rows.append(f"| {p.backend} | {p.name} | {p.clients} | {p.ok} | {p.errors_text()} "
                        f"| {p.rate:,.0f} | {p.percentile_ms(50):,.1f} "
                        f"| {p.percentile_ms(95):,.1f} |")
    return "\n".join(rows)


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def section(runs: list[BackendRun], args: argparse.Namespace, command: str) -> str:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    notes = [f"- {r.backend}: {n}" for r in runs for n in r.server_notes]
    return "\n".join([
        HEADING,
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.system()} {platform.machine()}, nproc {nproc}; "
        f"Python {platform.python_version()}",
        f"- Databases: {'; '.join(f'{r.backend} = {r.detail}' for r in runs)}",
        f"- Commit: {_git_commit()}",
        f"- Command: `{command}`",
        "",
        "### Method",
        "",
        f"Each backend gets a fresh database, `ledger migrate` and `ledger token create "
        f"--role recorder` through the real CLI, and its own `ledger serve` (one uvicorn "
        f"process, default settings) on a free 127.0.0.1 port; the load comes from the same "
        f"machine (one Python process, `httpx.Client` per thread with keep-alive), so client "
        f"and server share the {nproc} CPUs. For each client count, {args.households} fresh "
        f"households are registered (one POST each), then every thread appends one "
        f"`LocationRecorded` event per request, cycling through its own slice of the "
        f"households (concurrent clients never touch the same household), for "
        f"{args.warmup:g} s of warm-up and {args.seconds:g} s measured; every append loads "
        f"its household's whole stream (no snapshots), and these stay short (tens of events). "
        f"Only 201 responses "
        f"completed inside the measured window count; anything else is listed under errors. "
        f"Latency is per request as the client sees it (p50/p95, nearest rank). The batch row "
        f"posts {args.batches} batches of {args.batch_size} `LocationRecorded` events, each to "
        f"a freshly registered household, one after another; its events/s is events over the "
        f"summed request time, and with {args.batches} samples its p95 is the slowest batch. "
        f"This is a single run without repeats: on the 2-CPU machine where it was first "
        f"taken, repeating it moved individual rows by up to about 40 %, so read only large "
        f"ratios (for example SQLite against PostgreSQL, or 1 against 8 clients).",
        "",
        "### Results",
        "",
        table(runs),
        *(["", "Server-side notes:", "", *notes] if notes else []),
        "",
    ])


def write_section(path: Path, text: str) -> None:
    """Replace this section (up to the next ``## `` heading) or append it; keep the rest."""
    current = path.read_text() if path.exists() else ""
    if not current.strip():
        current = f"{TITLE}\n\n{PREAMBLE}\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated.rstrip("\n") + "\n")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.http_appends", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="measured duration of each single-event phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="unmeasured warm-up before each phase (default 2)")
    parser.add_argument("--backends", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres (default both)")
    parser.add_argument("--clients", default="1,8",
                        help="client thread counts, comma-separated (default 1,8)")
    parser.add_argument("--households", type=int, default=200,
                        help="households registered per phase (default 200)")
    parser.add_argument("--batches", type=int, default=5, help="batches (default 5)")
    parser.add_argument("--batch-size", type=int, default=500,
                        help="events per batch, at most 500 (default 500)")
    parser.add_argument("--no-write", action="store_true",
                        help=f"print only; do not update {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(DATABASES)
    if unknown or not args.backends:
        parser.error(f"--backends: choose from {', '.join(DATABASES)}")
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
    command = " ".join([".venv/bin/python -m bench.http_appends", *argv])
    runs = [run_backend(backend, args) for backend in args.backends]
    print(table(runs))
    for run in runs:
        for note in run.server_notes:
            print(f"{run.backend}: {note}")
    if not args.no_write:
        write_section(DOC, section(runs, args, command))
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
