"""What every benchmark shares: where results go, the machine, commit and product sources a
run measured, nearest-rank percentiles, progress lines, fresh databases, the ledger's CLI,
``ledger serve`` in a subprocess, and threads that repeat a step for a measured window.

Every server a benchmark starts runs with ``LEDGER_RATE_LIMIT_PER_S=0``: the per-token rate
limit (default 50/s) would otherwise cap the load instead of the service.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
RESULTS = ROOT / "bench" / "results"
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
PROGRESS_EVERY_S = 30.0
PRODUCT_SOURCES = (
    "ledger/**/*.py",
    "ledger/**/*.toml",
    "projections/**/*.py",
    "api/**/*.py",
    "migrations/**/*.sql",
)


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float:
    """Nearest rank (NaN without samples)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]


def errors_text(errors: Counter[str] | dict[str, int]) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(errors.items())) or "0"


def progress(label: str, total: int, unit: str = "events") -> Callable[[int], None]:
    """A callback taking how many more were done; logs the count and rate now and then."""
    started = last = time.perf_counter()
    done = 0

    def report(more: int) -> None:
        nonlocal done, last
        done += more
        now = time.perf_counter()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            log(f"{label}: {done:,}/{total:,} {unit}, {done / (now - started):,.0f} {unit}/s")

    return report


# The run's circumstances -----------------------------------------------------------------


def nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, nproc {nproc()}; Python "
        f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def postgres_version() -> str:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as admin:
            row = admin.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return "unavailable"
    return str(row[0]) if row else "?"


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def product_fingerprint() -> str:
    """A digest of the product's sources: the run is only meaningful if it is the same at
    the end as at the start (the server and the CLI import them when they start)."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in PRODUCT_SOURCES for p in ROOT.glob(pattern)}):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def fingerprints_since(start: str) -> tuple[str, str]:
    """The product's digest at the start of a run and now, with a warning if they differ."""
    end = product_fingerprint()
    if end != start:
        log(
            f"WARNING: the product sources changed during the run ({start} → {end}); the "
            f"figures mix two versions"
        )
    return start, end


def load_average() -> float:
    """The 1-minute load average: the machine is shared, so each section notes it."""
    return os.getloadavg()[0]


def header(
    databases: list[tuple[str, str]], command: str, fingerprints: tuple[str, str]
) -> list[str]:
    """The date, machine, databases, commit (with the product's digest at the start and the
    end of the run) and command of a section."""
    start, end = fingerprints
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}; PostgreSQL {postgres_version()} on 127.0.0.1",
        f"- Databases: {'; '.join(f'{backend} = {detail}' for backend, detail in databases)}",
        f"- Commit: {git_commit()}; product sources (ledger/, projections/, api/, "
        f"migrations/) sha256 {start}"
        + (
            ""
            if start == end
            else f" at the start and **{end} at the end: the sources changed during the "
            f"run, so its figures mix two versions**"
        ),
        f"- Command: `{command}`",
    ]


def write_section(heading: str, text: str, path: Path = DOC) -> None:
    """Replace the section under ``heading`` (up to the next ``## `` heading) or append it;
    keep the rest of the document."""
    current = path.read_text() if path.exists() else ""
    if not current.strip():
        current = f"{TITLE}\n\n{PREAMBLE}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated.rstrip("\n") + "\n")


def backends_option(text: str) -> list[str]:
    """``--backends``: a comma-separated choice among ``DATABASES``."""
    chosen = [b.strip() for b in text.split(",") if b.strip()]
    if not chosen or set(chosen) - set(DATABASES):
        raise argparse.ArgumentTypeError(f"choose from {', '.join(DATABASES)}")
    return chosen


# Fresh databases -------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[tuple[str, str]]:
    """(URL, description) of a SQLite file in a temp directory, removed afterwards."""
    directory = tempfile.mkdtemp(prefix="ledger-bench-")
    try:
        yield f"sqlite:///{directory}/ledger.db", f"SQLite {sqlite3.sqlite_version}, temp file"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[tuple[str, str]]:
    """(URL, description) of a new database ``bench_<random>``, dropped afterwards."""
    name = f"bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        version = admin.execute("SHOW server_version").fetchone()
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (
            f"postgresql://postgres@127.0.0.1:5432/{name}",
            f"PostgreSQL {version[0] if version else '?'} on 127.0.0.1",
        )
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


DATABASES: dict[str, Callable[[], contextlib.AbstractContextManager[tuple[str, str]]]] = {
    "sqlite": sqlite_database,
    "postgres": postgres_database,
}


# The service -----------------------------------------------------------------------------


def service_env(url: str, work: Path) -> dict[str, str]:
    """The environment of the CLI and the server: the database, a signing key and materials
    directory of their own in ``work``, the default checkpoint interval, no rate limit."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_SIGNING_KEY": str(work / "signing-key.pem"),
        "LEDGER_NOTE_KEY": str(work / "note-key.pem"),
        "LEDGER_PERSONAL_DATA_KEY": str(work / "personal-data.key"),
        "LEDGER_MATERIALS_DIR": str(work / "materials"),
        "LEDGER_RATE_LIMIT_PER_S": "0",
    }
    env.pop("LEDGER_CHECKPOINT_INTERVAL_S", None)
    return env


def cli(env: dict[str, str], *args: str, timeout_s: float = CLI_TIMEOUT_S) -> str:
    """``ledger ARGS``; its stdout, or RuntimeError with what it said if it failed."""
    done = subprocess.run(
        [str(LEDGER), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"ledger {' '.join(args)} failed ({done.returncode}): "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return done.stdout


def create_token(env: dict[str, str], role: str, division: str = "53", name: str = "bench") -> str:
    """A new bearer token from ``ledger token create`` (printed alone on its last line)."""
    return (
        cli(env, "token", "create", "--role", role, "--division", division, "--name", name)
        .strip()
        .splitlines()[-1]
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(env: dict[str, str], log_path: Path, command: list[str] | None = None) -> Iterator[str]:
    """``ledger serve`` (or ``command``, given the port as its last argument) on a free
    loopback port, its output in ``log_path``; yields the base URL once it is ready."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    argv = (
        [*command, str(port)]
        if command
        else [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(port)]
    )
    with log_path.open("wb") as server_log:
        process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT
        )
        try:
            wait_ready(process, base_url)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def wait_ready(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=2.0) as probe:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode} at start")
            with contextlib.suppress(httpx.TransportError):
                if probe.get("/readyz").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"the server was not ready after {SERVER_START_TIMEOUT_S:.0f} s")


def client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_S,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def server_notes(log_path: Path) -> list[str]:
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


# Repeated steps over a measured window ---------------------------------------------------

Step = Callable[[], str | None]
"""One unit of work; returns None when it succeeded, else what went wrong (a label)."""


@dataclass
class Timed:
    """Steps that completed inside the measured window: their latencies and failures."""

    threads: int
    seconds: float
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return len(self.latencies_s)

    @property
    def rate(self) -> float:
        """Successful steps a second."""
        return self.ok / self.seconds if self.seconds else 0.0


def repeat_for(
    threads: int,
    seconds: float,
    warmup_s: float,
    step_of: Callable[[int], contextlib.AbstractContextManager[Step]],
) -> Timed:
    """Runs ``threads`` threads, thread ``k`` repeating the step ``step_of(k)`` gives (set up
    and torn down outside the window), for ``warmup_s`` unmeasured then ``seconds`` measured;
    counts the steps that completed inside the measured window. A step that raises stops
    the run: expected failures are returned as labels, not raised."""
    timed = Timed(threads, seconds)
    lock = threading.Lock()
    window: dict[str, float] = {}

    def open_window() -> None:  # once every thread has set up, before any starts
        now = time.perf_counter()
        window["start"], window["end"] = now + warmup_s, now + warmup_s + seconds

    ready = threading.Barrier(threads, action=open_window)
    failures: list[Exception] = []

    def worker(k: int) -> None:
        latencies: list[float] = []
        errors: Counter[str] = Counter()
        try:
            with step_of(k) as step:
                ready.wait(timeout=SERVER_START_TIMEOUT_S)
                start, end = window["start"], window["end"]
                while (before := time.perf_counter()) < end:
                    outcome = step()
                    after = time.perf_counter()
                    if start <= after <= end:
                        if outcome is None:
                            latencies.append(after - before)
                        else:
                            errors[outcome] += 1
        except Exception as error:
            ready.abort()  # the others stop waiting for this one
            with lock:
                failures.append(error)
            return
        with lock:
            timed.latencies_s.extend(latencies)
            timed.errors.update(errors)

    workers = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=SERVER_START_TIMEOUT_S + warmup_s + seconds + REQUEST_TIMEOUT_S)
        if t.is_alive():
            timed.errors["thread did not stop"] += 1
    real = [f for f in failures if not isinstance(f, threading.BrokenBarrierError)]
    if real or failures:
        raise RuntimeError(f"{len(real or failures)} of {threads} threads failed") from (
            real or failures
        )[0]
    return timed
