"""The transparency log (issue 4), side by side on SQLite and PostgreSQL, in one run:

1. **Checkpoint delay under load.** A fresh database, ``ledger migrate`` and one ``ledger
   token create`` per client thread through the real CLI, ``ledger serve`` (default
   checkpoint interval, no rate limit, its own signing key and materials directory in a
   temp dir) on a free loopback port; 8 client threads append single events
   over HTTP (a new household's registration every ``REGISTER_EVERY``-th request, otherwise
   a follow-up to one of the thread's households) for ``--seconds``. For every 201 the
   wall-clock time it returned and the event id of the receipt are kept; afterwards each
   event's leaf index and the first checkpoint whose ``tree_size`` exceeds it are read from
   the database, and delay = checkpoint timestamp (server clock, same machine) − time the
   201 returned. ``--what-if`` repeats this with ``TransparencyLog.catch_up`` replaced, in
   the server process only, by one that stops after a short batch (``WHAT_IF_SERVE``).
2. **Trace archive of a household with 200 events.** On the same server, after the load:
   a household of 200 events (registration and 199 follow-ups, every third a
   ``FieldSurveyConducted`` citing an uploaded material), each followed by an event of
   another household; ``GET /v1/households/{id}/archive`` timed ``--archive-requests``
   times, ``ledger archive export`` through the CLI once (wall time, process start
   included), and both archives checked with ``ledger verify --public-key`` (exit 0).
3. **Proofs at ``--leaves`` leaves.** Another fresh database, migrated; the Merkle tables
   filled directly through ``LogTables.extend`` in batches (leaf hashes of random 32-byte
   event hashes through ``merkle.Frontier.append``; uuid4 event ids; notification id =
   index + 1), timed; proofs only read ``merkle_nodes``, so this is the state of a log of
   that many events. Then, through ``TransparencyLog`` on a ``HouseholdLedger`` over it:
   ``inclusions([leaf], N)`` for ``--proofs`` random leaves, each verified with
   ``merkle.verify_inclusion`` against ``root(N)`` outside the timing;
   ``leaf_of_event`` for the same leaves (the lookup the proof endpoint makes first);
   ``inclusions`` of 200 leaves in one call (what an archive asks); ``consistency(first,
   N)`` for ``--consistency`` random ``first``, verified; and ``root(N)``. ``--what-if``
   adds the inclusions with ``LogTables.nodes`` replaced on that instance by one statement
   (``_one_query_nodes``).

The tables are printed, raw figures written to ``bench/results/transparency.json``, and the
section of ``docs/performance.md`` replaced (or appended) unless ``--no-write``.
``--profile`` adds cProfile output of the archive export and of the proofs, in-process,
to that file (``profile``, one string a line).

    PYTHONPATH=. .venv/bin/python -m bench.transparency [--backends sqlite,postgres]
        [--seconds 30] [--leaves 1000000] [--what-if] [--profile] [--findings FILE]
        [--no-write]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

import httpx
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import (
    CLI_TIMEOUT_S,
    DATABASES,
    DOC,
    LEDGER,
    REQUEST_TIMEOUT_S,
    RESULTS,
    ROOT,
    Step,
    backends_option,
    cli,
    client,
    create_token,
    errors_text,
    fingerprints_since,
    header,
    percentile,
    product_fingerprint,
    progress,
    repeat_for,
    serve,
    server_notes,
    service_env,
    write_section,
)
from bench.common import log as _log
from bootstrap import migrate, open_ledger
from ledger import config
from ledger.application import HouseholdLedger
from ledger.domain import merkle
from ledger.domain.callers import Caller
from ledger.domain.vocabulary import CallerRole
from ledger.materials import MaterialStore
from ledger.persistence.database import Database
from ledger.persistence.log_tables import Leaf, LogTables
from ledger.persistence.ports import MerkleStore
from ledger.transparency.archive import ArchiveSources, write_archive
from ledger.transparency.log import TransparencyLog
from ledger.transparency.signing import load_or_create_key
from tests import factories as f

HEADING = "## Issue 4: transparency log"
DELAY_TARGET_S = 2.0
CLIENTS = 8
REGISTER_EVERY = 5  # one request in five registers a new household
ARCHIVE_EVENTS = 200
ARCHIVE_OTHERS = 20  # households whose events interleave with the archived one's
MATERIALS = 10
MATERIAL_BYTES = 256 * 1024
BATCH_INCLUSIONS = 200
COVER_TIMEOUT_S = 60.0
SEED = 4


# Results ---------------------------------------------------------------------------------


@dataclass
class DelayRun:
    seconds: float = 0.0
    appends: list[tuple[float, str]] = field(default_factory=list)  # (returned at, event id)
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    delays_s: list[float] = field(default_factory=list)
    uncovered: int = 0
    checkpoints_in_window: int = 0
    checkpoint_gaps_s: list[float] = field(default_factory=list)  # between successive ones
    leaves_per_checkpoint: list[int] = field(default_factory=list)
    tree_size: int = 0

    @property
    def rate(self) -> float:
        return len(self.appends) / self.seconds if self.seconds else 0.0


@dataclass
class ArchiveRun:
    household_events: int = 0
    tree_size: int = 0
    materials_cited: int = 0
    material_files: int = 0
    archive_bytes: int = 0
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    cli_s: float = float("nan")
    http_verify: str = "not run"
    cli_verify: str = "not run"


@dataclass
class ProofRun:
    leaves: int = 0
    nodes: int = 0
    fill_s: float = 0.0
    analyze_s: float = float("nan")  # PostgreSQL: VACUUM (ANALYZE) after the fill
    extend_s: float = 0.0  # inside LogTables.extend
    table_bytes: int = 0
    root_s: list[float] = field(default_factory=list)
    inclusion_s: list[float] = field(default_factory=list)
    leaf_of_event_s: list[float] = field(default_factory=list)
    batch_inclusion_s: list[float] = field(default_factory=list)
    consistency_s: list[float] = field(default_factory=list)
    inclusion_path_lengths: list[int] = field(default_factory=list)
    consistency_path_lengths: list[int] = field(default_factory=list)
    inclusions_verified: int = 0
    what_if_inclusion_s: list[float] = field(default_factory=list)
    what_if_batch_s: list[float] = field(default_factory=list)
    what_if_verified: int = 0
    consistencies_verified: int = 0
    root_matches_fill: bool = False


@dataclass
class BackendRun:
    backend: str
    detail: str
    delay: DelayRun = field(default_factory=DelayRun)
    what_if: DelayRun = field(default_factory=DelayRun)
    archive: ArchiveRun = field(default_factory=ArchiveRun)
    proofs: ProofRun = field(default_factory=ProofRun)
    server_notes: list[str] = field(default_factory=list)
    profile: str = ""
    load_average: list[tuple[str, float]] = field(default_factory=list)  # (when, 1-min)

    def note_load(self, when: str) -> None:
        self.load_average.append((when, os.getloadavg()[0]))


# Events ----------------------------------------------------------------------------------


def _body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}, ensure_ascii=False).encode()


def _follow_up(n: int) -> dict[str, Any]:
    """A valid follow-up of ``f.registered()``: a member update or a location."""
    if n % 2:
        return f.event(
            "MemberUpdated", {"member_id": "m2", "health": ("chronic", "healthy")[n // 2 % 2]}
        )
    return f.event(
        "LocationRecorded", {"lat": 23.47 + (n % 100) / 10_000, "lon": 99.81, "accuracy_m": 12.5}
    )


def _archive_event(n: int, materials: list[dict[str, Any]]) -> dict[str, Any]:
    """Follow-up ``n`` (1…199) of the archived household: a member update, a location, a
    field survey citing one of the uploaded materials, in turn."""
    if n % 3 == 0:
        survey = f.survey()
        survey["materials"] = [materials[n // 3 % len(materials)]]
        return survey
    if n % 3 == 1:
        return f.event(
            "MemberUpdated", {"member_id": "m1", "labor": ("partial", "full")[n // 3 % 2]}
        )
    return _follow_up(2 * n)


# Infrastructure --------------------------------------------------------------------------


def _post(session: httpx.Client, household_id: str, body: bytes) -> httpx.Response:
    response = session.post(f"/v1/households/{household_id}/events", content=body)
    if response.status_code != 201:
        raise RuntimeError(
            f"appending to {household_id}: {response.status_code} {response.text[:300]}"
        )
    return response


@contextlib.contextmanager
def _ledger(url: str) -> Iterator[HouseholdLedger]:
    ledger = open_ledger(Database.from_url(url), pool_size=2)
    try:
        yield ledger
    finally:
        ledger.close()


def _log_tables(ledger: HouseholdLedger) -> MerkleStore:
    return ledger.stores.merkle


def _sql_log_tables(log: TransparencyLog) -> LogTables:
    """The log's tables as the SQL class both backends use (the what-ifs reach its SQL)."""
    if not isinstance(log.tables, LogTables):
        raise TypeError(f"{type(log.tables).__name__} is not LogTables")
    return log.tables


def _all_leaves(tables: MerkleStore) -> list[Leaf]:
    leaves: list[Leaf] = []
    while page := tables.leaves(after=leaves[-1].leaf_index if leaves else -1, limit=10_000):
        leaves += page
    return leaves


def _timestamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


# 1. Checkpoint delay under load ----------------------------------------------------------


def load(base_url: str, tokens: list[str], run: DelayRun, seconds: float) -> int:
    """``CLIENTS`` threads, each with its own token, append single events until the
    deadline; returns how many appends were acknowledged in all (the tree must reach
    that size), those returning after the deadline included."""
    lock = threading.Lock()

    @contextlib.contextmanager
    def appender(k: int) -> Iterator[Step]:
        appends: list[tuple[float, str]] = []
        households: list[str] = []
        n = 0
        with client(base_url, tokens[k % len(tokens)]) as session:

            def append() -> str | None:
                nonlocal n
                registering = n % REGISTER_EVERY == 0
                if registering:
                    household_id, body = f"load-{k}-{n:06d}", _body(f.registered())
                else:
                    household_id = households[n % len(households)]
                    body = _body(_follow_up(n))
                try:
                    response = session.post(f"/v1/households/{household_id}/events", content=body)
                    returned = time.time()
                except httpx.HTTPError as error:
                    outcome: str | None = type(error).__name__
                else:
                    outcome = None if response.status_code == 201 else str(response.status_code)
                if outcome is None:
                    appends.append((returned, response.json()["events"][0]["id"]))
                    if registering:
                        households.append(household_id)
                if outcome is None or households:  # else register again: none to follow up
                    n += 1
                return outcome

            yield append
        with lock:
            run.appends.extend(appends)

    timed = repeat_for(CLIENTS, seconds, 0.0, appender)
    run.latencies_s, run.errors, run.seconds = timed.latencies_s, timed.errors, seconds
    return len(run.appends)


def wait_covered(session: httpx.Client, size: int) -> int:
    """Waits (without asking for a fresh one) until a signed checkpoint covers ``size``
    leaves; returns the latest tree size seen."""
    deadline = time.monotonic() + COVER_TIMEOUT_S
    tree_size = 0
    while time.monotonic() < deadline:
        response = session.get("/v1/checkpoints/latest")
        if response.status_code == 200:
            tree_size = int(response.json()["tree_size"])
            if tree_size >= size:
                break
        time.sleep(0.2)
    return tree_size


def delays(url: str, run: DelayRun, window: tuple[float, float]) -> None:
    """Each acknowledged append's leaf and first covering checkpoint, from the database."""
    with _ledger(url) as ledger:
        tables = _log_tables(ledger)
        leaf_of = {leaf.event_id: leaf.leaf_index for leaf in _all_leaves(tables)}
        checkpoints = list(tables.checkpoints())
    sizes = [c.tree_size for c in checkpoints]
    times = [_timestamp(c.timestamp) for c in checkpoints]
    run.tree_size = sizes[-1] if sizes else 0
    for returned, event_id in run.appends:
        index = leaf_of.get(event_id)
        position = bisect.bisect_right(sizes, index) if index is not None else len(sizes)
        if position == len(sizes):
            run.uncovered += 1
            continue
        run.delays_s.append(times[position] - returned)
    inside = [k for k, t in enumerate(times) if window[0] <= t <= window[1]]
    run.checkpoints_in_window = len(inside)
    run.checkpoint_gaps_s = [times[k] - times[k - 1] for k in inside if k > 0]
    run.leaves_per_checkpoint = [sizes[k] - (sizes[k - 1] if k else 0) for k in inside]


# 2. The archive of a household of 200 events -------------------------------------------


def _upload_materials(session: httpx.Client, rng: random.Random) -> list[dict[str, Any]]:
    """Uploads ``MATERIALS`` files of random bytes (multipart: the JSON client's
    Content-Type would win over the form's, so a client without it)."""
    cited = []
    with httpx.Client(
        base_url=session.base_url,
        timeout=REQUEST_TIMEOUT_S,
        headers={"Authorization": session.headers["Authorization"]},
    ) as uploader:
        for k in range(MATERIALS):
            name = f"公示照片-{k:02d}.jpg"
            response = uploader.post(
                "/v1/materials", files={"file": (name, rng.randbytes(MATERIAL_BYTES), "image/jpeg")}
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(
                    f"uploading a material: {response.status_code} {response.text[:300]}"
                )
            cited.append(
                {
                    "sha256": response.json()["sha256"],
                    "kind": "notice_photo",
                    "name": name,
                    "media_type": "image/jpeg",
                    "size": MATERIAL_BYTES,
                }
            )
    return cited


def build_archive_household(
    session: httpx.Client, household_id: str, run: ArchiveRun, rng: random.Random
) -> None:
    materials = _upload_materials(session, rng)
    others = [f"{household_id}-other-{k:02d}" for k in range(ARCHIVE_OTHERS)]
    _post(session, household_id, _body(f.registered()))
    for other in others:
        _post(session, other, _body(f.registered()))
    for n in range(1, ARCHIVE_EVENTS):
        event = _archive_event(n, materials)
        run.materials_cited += len(event.get("materials", []))
        _post(session, household_id, _body(event))
        _post(session, others[n % len(others)], _body(_follow_up(n)))
    run.household_events = ARCHIVE_EVENTS
    run.material_files = MATERIALS


def _verify(path: Path, public_key: Path) -> str:
    done = subprocess.run(
        [str(LEDGER), "verify", str(path), "--public-key", str(public_key)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    if done.returncode == 0:
        return "exit 0"
    return f"**exit {done.returncode}**: {(done.stderr or done.stdout).strip()[:300]}"


def measure_archive(
    session: httpx.Client,
    env: dict[str, str],
    household_id: str,
    run: ArchiveRun,
    requests: int,
    work: Path,
) -> None:
    public_key = work / "public-key.json"
    public_key.write_text(session.get("/v1/checkpoints/public-key").text)
    session.get(f"/v1/households/{household_id}/archive")  # warm-up
    first: bytes | None = None
    for _ in range(requests):
        before = time.perf_counter()
        try:
            response = session.get(f"/v1/households/{household_id}/archive")
            outcome = str(response.status_code)
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        elapsed = time.perf_counter() - before
        if outcome == "200":
            run.latencies_s.append(elapsed)
            first = first or response.content
        else:
            run.errors[outcome] += 1
    if first is None:
        return
    run.archive_bytes = len(first)
    served = work / "served.zip"
    served.write_bytes(first)
    run.http_verify = _verify(served, public_key)
    exported = work / "exported.zip"
    before = time.perf_counter()
    cli(env, "archive", "export", household_id, "-o", str(exported))
    run.cli_s = time.perf_counter() - before
    run.cli_verify = _verify(exported, public_key)
    with zipfile_manifest(served) as manifest:
        run.tree_size = int(manifest["tree_size"])
        if int(manifest["version"]) != ARCHIVE_EVENTS:
            run.http_verify += f" (but version {manifest['version']} ≠ {ARCHIVE_EVENTS})"


@contextlib.contextmanager
def zipfile_manifest(path: Path) -> Iterator[dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        yield cast(dict[str, Any], json.loads(archive.read("manifest.json")))


def profile_archive(url: str, env: dict[str, str], household_id: str) -> str:
    """cProfile of ``write_archive`` in-process, five times, into memory."""
    with _ledger(url) as ledger:
        sources = ArchiveSources(
            ledger,
            TransparencyLog(ledger, load_or_create_key(env["LEDGER_SIGNING_KEY"])),
            MaterialStore(env["LEDGER_MATERIALS_DIR"]),
            config.load(None),
        )
        caller = Caller("bench", "bench", CallerRole.ADMIN, "")
        write_archive(sources, household_id, caller, io.BytesIO())
        profiler = cProfile.Profile()
        before = time.perf_counter()
        profiler.enable()
        for _ in range(5):
            write_archive(sources, household_id, caller, io.BytesIO())
        profiler.disable()
        per_call = (time.perf_counter() - before) / 5
    return _stats(
        profiler,
        f"write_archive in-process, 5 calls, {per_call * 1000:.0f} ms per call under the profiler",
    )


def _stats(profiler: cProfile.Profile, title: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    return f"{title}\n{out.getvalue()}"


WHAT_IF_SERVE = """
import sys
import uvicorn
from api.app import create_app
from bootstrap.settings import Settings
from ledger.transparency.log import TransparencyLog

def catch_up(self):
    # What-if: stop after a short batch (the head as of that read) instead of looping
    # until a read finds nothing new, which under steady appends can take seconds.
    total = 0
    while True:
        added = self.sequence_once()
        total += added
        if added < self.batch_size:
            return total

TransparencyLog.catch_up = catch_up
uvicorn.run(create_app(Settings()), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning")
"""


def _tokens(env: dict[str, str]) -> list[str]:
    """A recorder token per client thread, as each device in the field has its own."""
    return [create_token(env, "recorder", name=f"bench-{k}") for k in range(CLIENTS)]


def measure_delay(
    url: str,
    base_url: str,
    tokens: list[str],
    run: BackendRun,
    delay: DelayRun,
    seconds: float,
    label: str,
) -> int:
    """The load, then the wait until a checkpoint covers it, then each append's delay;
    returns the tree size of the latest checkpoint."""
    run.note_load(f"before the {label}")
    started = time.time()
    total = load(base_url, tokens, delay, seconds)
    ended = time.time()
    run.note_load(f"end of the {label}")
    with client(base_url, tokens[0]) as session:
        covered = wait_covered(session, total)
    _log(f"[{run.backend}] {total} appends acknowledged; latest checkpoint covers {covered} leaves")
    delays(url, delay, (started, ended))
    return covered


def delay_phase(backend: str, seconds: float, run: BackendRun, *, what_if: bool) -> None:
    """The checkpoint delay under load on a fresh database and server: ``ledger serve``,
    or with ``what_if`` the same app with ``WHAT_IF_SERVE``'s ``catch_up``."""
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = service_env(url, work)
        cli(env, "migrate")
        tokens = _tokens(env)
        log_path = work / "server.log"
        command = [sys.executable, "-c", WHAT_IF_SERVE] if what_if else None
        label = "what-if load" if what_if else "load"
        with serve(env, log_path, command) as base_url:
            _log(f"[{backend}] {label}: {CLIENTS} clients appending for {seconds:g} s …")
            measure_delay(
                url, base_url, tokens, run, run.what_if if what_if else run.delay, seconds, label
            )
        run.detail = run.detail or detail
        run.server_notes += [
            f"{'what-if server: ' if what_if else ''}{n}" for n in server_notes(log_path)
        ]


def run_server_phases(backend: str, args: argparse.Namespace, run: BackendRun) -> None:
    rng = random.Random(SEED)
    with DATABASES[backend]() as (url, detail), tempfile.TemporaryDirectory() as tmp:
        run.detail = detail
        work = Path(tmp)
        env = service_env(url, work)
        cli(env, "migrate")
        tokens = _tokens(env)
        log_path = work / "server.log"
        household_id = "archive-0001"
        with serve(env, log_path) as base_url, client(base_url, tokens[0]) as session:
            _log(f"[{backend}] {CLIENTS} clients appending for {args.seconds:g} s …")
            measure_delay(url, base_url, tokens, run, run.delay, args.seconds, "load")
            _log(f"[{backend}] building a household of {ARCHIVE_EVENTS} events …")
            build_archive_household(session, household_id, run.archive, rng)
            _log(f"[{backend}] archive: {args.archive_requests} GETs, CLI export, verify …")
            measure_archive(session, env, household_id, run.archive, args.archive_requests, work)
        if args.profile:
            run.profile = profile_archive(url, env, household_id)
        run.server_notes += server_notes(log_path)


# 3. Proofs at a million leaves ---------------------------------------------------------


def fill(
    tables: LogTables, run: ProofRun, leaves: int, batch: int, backend: str, rng: random.Random
) -> tuple[bytearray, bytes]:
    """``leaves`` synthetic leaves through ``LogTables.extend``; returns every leaf hash
    (32 bytes each, in order) and the root the frontier computed."""
    frontier = merkle.Frontier()
    hashes = bytearray()
    started = time.perf_counter()
    filled = progress(f"[{backend}] fill", leaves, "leaves")
    for start in range(0, leaves, batch):
        batch_leaves, nodes = [], []
        for index in range(start, min(start + batch, leaves)):
            leaf_hash = merkle.leaf_hash(rng.randbytes(32))
            hashes += leaf_hash
            batch_leaves.append(
                Leaf(index, index + 1, str(uuid.uuid4()), f"hh-{index % 100_000:06d}")
            )
            nodes += frontier.append(leaf_hash)
        before = time.perf_counter()
        tables.extend(batch_leaves, nodes)
        run.extend_s += time.perf_counter() - before
        run.nodes += len(nodes)
        filled(len(batch_leaves))
    run.fill_s = time.perf_counter() - started
    run.leaves = leaves
    return hashes, frontier.root()


def _table_bytes(url: str) -> int:
    database = Database.from_url(url)
    if database.kind == "sqlite":
        return sum(p.stat().st_size for p in Path(database.path).parent.glob("*.db*"))
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT pg_total_relation_size('merkle_nodes') "
            "+ pg_total_relation_size('merkle_leaves')"
        ).fetchone()
    return int(row[0]) if row else 0


def _timed(samples: list[float], call: Callable[[], Any]) -> Any:
    before = time.perf_counter()
    result = call()
    samples.append(time.perf_counter() - before)
    return result


def proofs(backend: str, args: argparse.Namespace, run: BackendRun) -> None:
    rng = random.Random(SEED)
    p = run.proofs
    with DATABASES[backend]() as (url, _):
        migrate(Database.from_url(url))
        with _ledger(url) as ledger:
            log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
            _log(f"[{backend}] filling {args.leaves:,} leaves in batches of {args.batch:,} …")
            hashes, fill_root = fill(_sql_log_tables(log), p, args.leaves, args.batch, backend, rng)
            _log(f"[{backend}] filled in {p.fill_s:,.0f} s ({p.extend_s:,.0f} s in extend)")
            n = args.leaves
            if backend == "postgres":
                before = time.perf_counter()
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute("VACUUM (ANALYZE) merkle_nodes, merkle_leaves")
                p.analyze_s = time.perf_counter() - before
            run.note_load("after the fill")
            p.table_bytes = _table_bytes(url)
            root = log.root(n)
            p.root_matches_fill = root == fill_root
            for _ in range(20):
                _timed(p.root_s, lambda: log.root(n))
            indexes = rng.sample(range(n), min(args.proofs, n))
            chosen = [log.tables.leaves(after=i - 1, limit=1)[0] for i in indexes]
            for leaf in chosen[:10]:  # warm-up, not counted
                log.inclusions([leaf], n)
            for leaf in chosen:
                found = _timed(p.leaf_of_event_s, partial(log.tables.leaf_of_event, leaf.event_id))
                if found != leaf:
                    raise RuntimeError(f"leaf_of_event({leaf.event_id}) gave {found}")
                proof = _timed(p.inclusion_s, partial(log.inclusions, [leaf], n))[0]
                path = [bytes.fromhex(h) for h in proof.path]
                p.inclusion_path_lengths.append(len(path))
                i = leaf.leaf_index
                if merkle.verify_inclusion(i, n, bytes(hashes[32 * i : 32 * i + 32]), path, root):
                    p.inclusions_verified += 1
            for k in range(0, len(chosen) - BATCH_INCLUSIONS + 1, BATCH_INCLUSIONS):
                group = chosen[k : k + BATCH_INCLUSIONS]
                _timed(p.batch_inclusion_s, partial(log.inclusions, group, n))
            for first in (rng.randint(1, n) for _ in range(args.consistency)):
                path = [
                    bytes.fromhex(h)
                    for h in _timed(p.consistency_s, partial(log.consistency, first, n))
                ]
                p.consistency_path_lengths.append(len(path))
                if merkle.verify_consistency(first, n, log.root(first), root, path):
                    p.consistencies_verified += 1
            if args.what_if:
                what_if_nodes(log, backend, p, chosen, n, hashes, root)
            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for leaf in chosen[:200]:
                    log.inclusions([leaf], n)
                for first in range(1, n, max(1, n // 50)):
                    log.consistency(first, n)
                profiler.disable()
                run.profile += "\n" + _stats(
                    profiler, "200 single inclusions and 50 consistency proofs in-process"
                )
    run.note_load("after the proofs")
    _log(
        f"[{backend}] proofs: inclusion p50 {percentile(p.inclusion_s, 50) * 1000:.2f} ms, "
        f"consistency p50 {percentile(p.consistency_s, 50) * 1000:.2f} ms"
    )


def _one_query_nodes(
    tables: LogTables, backend: str
) -> Callable[[Iterable[merkle.Node]], dict[merkle.Node, bytes]]:
    """What-if for ``LogTables.nodes``: every wanted node in one statement, joined from a
    parameter (PostgreSQL: two arrays through ``unnest``; SQLite: a JSON array through
    ``json_each``), instead of chunks of 400 ``(level = ? AND idx = ?)`` OR-ed together."""

    def nodes(wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        pairs = sorted(set(wanted))
        with tables._transaction(commit=False) as cursor:
            if backend == "postgres":
                cursor.execute(
                    "SELECT m.level, m.idx, m.hash FROM unnest(%s::smallint[], %s::bigint[]) "
                    "AS w(level, idx) JOIN merkle_nodes m USING (level, idx)",
                    ([level for level, _ in pairs], [index for _, index in pairs]),
                )
            else:
                cursor.execute(
                    "SELECT m.level, m.idx, m.hash FROM json_each(?) AS w JOIN merkle_nodes m "
                    "ON m.level = w.value ->> 0 AND m.idx = w.value ->> 1",
                    (json.dumps(pairs),),
                )
            return {(int(r["level"]), int(r["idx"])): bytes(r["hash"]) for r in cursor.fetchall()}

    return nodes


def what_if_nodes(
    log: TransparencyLog,
    backend: str,
    p: ProofRun,
    chosen: list[Leaf],
    n: int,
    hashes: bytearray,
    root: bytes,
) -> None:
    """The single and 200-leaf inclusions again with ``_one_query_nodes`` in place of the
    table's ``nodes`` (on this instance only), each proof verified."""
    setattr(log.tables, "nodes", _one_query_nodes(_sql_log_tables(log), backend))  # noqa: B010
    try:
        for leaf in chosen[:10]:
            log.inclusions([leaf], n)
        for leaf in chosen:
            proof = _timed(p.what_if_inclusion_s, partial(log.inclusions, [leaf], n))[0]
            i = leaf.leaf_index
            if merkle.verify_inclusion(
                i,
                n,
                bytes(hashes[32 * i : 32 * i + 32]),
                [bytes.fromhex(h) for h in proof.path],
                root,
            ):
                p.what_if_verified += 1
        for k in range(0, len(chosen) - BATCH_INCLUSIONS + 1, BATCH_INCLUSIONS):
            group = chosen[k : k + BATCH_INCLUSIONS]
            proofs = _timed(p.what_if_batch_s, partial(log.inclusions, group, n))
            for leaf, proof in zip(group, proofs, strict=True):
                i = leaf.leaf_index
                if not merkle.verify_inclusion(
                    i,
                    n,
                    bytes(hashes[32 * i : 32 * i + 32]),
                    [bytes.fromhex(h) for h in proof.path],
                    root,
                ):
                    raise RuntimeError(f"what-if nodes: proof of leaf {i} does not verify")
    finally:
        delattr(log.tables, "nodes")


def run_backend(backend: str, args: argparse.Namespace) -> BackendRun:
    run = BackendRun(backend, "")
    run_server_phases(backend, args, run)
    if args.what_if:
        delay_phase(backend, args.seconds, run, what_if=True)
    proofs(backend, args, run)
    return run


# Report ----------------------------------------------------------------------------------


def _ms(samples: list[float], p: float) -> str:
    return f"{percentile(samples, p) * 1000:,.1f}" if samples else "–"


def _s(samples: list[float], p: float) -> str:
    return f"{percentile(samples, p):,.2f}" if samples else "–"


def delay_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | clients | s | appends ok | errors | appends/s | append p50 ms "
        "| checkpoints signed | gap between checkpoints p50 / max s "
        "| delay p50 s | p95 s | max s | min s | not covered | p95 ≤ 2 s |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | --- |",
    ]
    rows_of = [(r.backend, r.delay) for r in runs] + [
        (f"{r.backend}, what-if: bounded `catch_up`", r.what_if) for r in runs if r.what_if.appends
    ]
    for backend, d in rows_of:
        ok = bool(d.delays_s) and not d.uncovered and percentile(d.delays_s, 95) <= DELAY_TARGET_S
        rows.append(
            f"| {backend} | {CLIENTS} | {d.seconds:g} | {len(d.appends):,} | "
            f"{errors_text(d.errors)} | {d.rate:,.0f} | {_ms(d.latencies_s, 50)} | "
            f"{d.checkpoints_in_window} | {_s(d.checkpoint_gaps_s, 50)} / "
            f"{_s(d.checkpoint_gaps_s, 100)} | {_s(d.delays_s, 50)} | {_s(d.delays_s, 95)} | "
            f"{_s(d.delays_s, 100)} | {min(d.delays_s, default=float('nan')):,.2f} | "
            f"{d.uncovered} | {'yes' if ok else '**no**'} |"
        )
    return "\n".join(rows)


def fill_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | leaves | nodes stored | fill s (in extend) | leaves/s "
        "| VACUUM (ANALYZE) s | tables on disk |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        p = r.proofs
        analyze = "–" if p.analyze_s != p.analyze_s else f"{p.analyze_s:,.1f}"  # NaN: none
        rows.append(
            f"| {r.backend} | {p.leaves:,} | {p.nodes:,} | {p.fill_s:,.0f} "
            f"({p.extend_s:,.0f}) | {p.leaves / p.fill_s if p.fill_s else 0:,.0f} | "
            f"{analyze} | {p.table_bytes / 2**20:,.0f} MiB |"
        )
    return "\n".join(rows)


def proof_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | operation at N leaves | calls | p50 ms | p95 ms | max ms | verified |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        p = r.proofs
        lengths = p.inclusion_path_lengths
        path = f"; path {min(lengths)}–{max(lengths)} hashes" if lengths else ""
        cons = p.consistency_path_lengths
        cpath = f"; path {min(cons)}–{max(cons)} hashes" if cons else ""
        for name, samples, verified in [
            (
                "`root(N)`",
                p.root_s,
                "= frontier's root" if p.root_matches_fill else "**≠ frontier's root**",
            ),
            ("`tables.leaf_of_event(id)`", p.leaf_of_event_s, "same leaf"),
            (
                "`inclusions([leaf], N)`",
                p.inclusion_s,
                f"{p.inclusions_verified}/{len(p.inclusion_s)}{path}",
            ),
            (f"`inclusions({BATCH_INCLUSIONS} leaves, N)`", p.batch_inclusion_s, "–"),
            (
                "`consistency(first, N)`",
                p.consistency_s,
                f"{p.consistencies_verified}/{len(p.consistency_s)}{cpath}",
            ),
            *(
                [
                    (
                        "`inclusions([leaf], N)`, what-if: one-query `nodes`",
                        p.what_if_inclusion_s,
                        f"{p.what_if_verified}/{len(p.what_if_inclusion_s)}",
                    ),
                    (
                        f"`inclusions({BATCH_INCLUSIONS} leaves, N)`, what-if: one-query `nodes`",
                        p.what_if_batch_s,
                        "all",
                    ),
                ]
                if p.what_if_inclusion_s
                else []
            ),
        ]:
            rows.append(
                f"| {r.backend} | {name} | {len(samples)} | {_ms(samples, 50)} | "
                f"{_ms(samples, 95)} | {_ms(samples, 100)} | {verified} |"
            )
    return "\n".join(rows)


def archive_table(runs: list[BackendRun]) -> str:
    rows = [
        "| backend | household events | tree size | materials cited (files) | archive "
        "| GETs | errors | GET p50 ms | p95 ms | max ms | CLI export s | verify (GET / CLI) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        a = r.archive
        rows.append(
            f"| {r.backend} | {a.household_events} | {a.tree_size:,} | "
            f"{a.materials_cited} ({a.material_files}) | "
            f"{a.archive_bytes / 2**20:,.2f} MiB | {len(a.latencies_s)} | "
            f"{errors_text(a.errors)} | {_ms(a.latencies_s, 50)} | "
            f"{_ms(a.latencies_s, 95)} | "
            f"{_ms(a.latencies_s, 100)} | {a.cli_s:,.2f} | "
            f"{a.http_verify} / {a.cli_verify} |"
        )
    return "\n".join(rows)


def delay_method(seconds: float) -> str:
    """How the checkpoint delay is measured, for a report."""
    return (
        f"{CLIENTS} client threads (`httpx.Client` each, keep-alive, each with its own "
        f"recorder token as devices in the field; the server runs with "
        f"`LEDGER_RATE_LIMIT_PER_S=0`, so no token is limited) append one event per request "
        f"for {seconds:g} s: every {REGISTER_EVERY}th "
        f"request registers a new household of the thread's own, the others add a "
        f"`MemberUpdated` or `LocationRecorded` to one of its households. For every 201 "
        f"the client keeps the wall-clock time it returned (`time.time()`) and the event id "
        f"of the receipt. When the load stops it waits (plain `GET /v1/checkpoints/latest`, "
        f"never `fresh`) until a checkpoint covers every acknowledged append, then reads "
        f"`merkle_leaves` and `checkpoints` (through `LogTables`): delay = timestamp of the "
        f"first checkpoint with `tree_size` > the event's leaf index − the time its 201 "
        f"returned. Server and client read the same clock. A negative delay means the "
        f"checkpoint was signed after the commit but before the response reached the "
        f"client. 'Gap between checkpoints' is between successive checkpoints signed during "
        f"the load: the background signer starts a `checkpoint(fresh=True)` once per "
        f"interval, counted from the last start, so a gap above the interval is one that "
        f"took longer than the interval."
    )


def section(
    runs: list[BackendRun],
    args: argparse.Namespace,
    command: str,
    findings: str,
    fingerprints: tuple[str, str],
) -> str:
    notes = [f"- {r.backend}: {n}" for r in runs for n in r.server_notes]
    return "\n".join(
        [
            HEADING,
            "",
            f"Target: **a signed checkpoint covers an acknowledged append within "
            f"{DELAY_TARGET_S:g} s** (p95, under load).",
            "",
            *header([(r.backend, r.detail) for r in runs], command, fingerprints),
            "- Load average (1 min, `os.getloadavg`) during the run: "
            + "; ".join(
                f"{r.backend}: "
                + ", ".join(f"{when} {value:.1f}" for when, value in r.load_average)
                for r in runs
            ),
            "",
            "### Method",
            "",
            "Per backend, in one run: a fresh database (SQLite: a temp file; PostgreSQL: "
            "`CREATE DATABASE bench_<random>`, dropped afterwards), `ledger migrate` and "
            f"`ledger token create --role recorder` (×{CLIENTS}) through the real CLI, and "
            "`ledger serve` (one "
            "uvicorn process, default settings: embedded projections, "
            "`LEDGER_CHECKPOINT_INTERVAL_S` 1.0) with its own `LEDGER_SIGNING_KEY` and "
            "`LEDGER_MATERIALS_DIR` in a temp dir, on a free 127.0.0.1 port. Client and server "
            "share the machine's CPUs.",
            "",
            f"- **Checkpoint delay.** {delay_method(args.seconds)}"
            + (
                " The 'what-if' rows repeat this on another fresh database with a server "
                "process (`bench/transparency.py: WHAT_IF_SERVE`, the app as `ledger serve` "
                "builds it) in which `TransparencyLog.catch_up` stops after the first batch "
                "shorter than `batch_size` instead of looping until a read finds nothing; the "
                "product's code is unchanged."
                if args.what_if
                else ""
            ),
            f"- **Archive.** Then, on the same server (its tree now holds the load's events): "
            f"{MATERIALS} materials of {MATERIAL_BYTES // 1024} KiB of random bytes uploaded "
            f"(`POST /v1/materials`), and a household of {ARCHIVE_EVENTS} events appended one "
            f"request at a time: the registration and 199 follow-ups in turn `MemberUpdated`, "
            f"`LocationRecorded`/`MemberUpdated`, and `FieldSurveyConducted` citing one of the "
            f"materials. After each of its events, one event of one of {ARCHIVE_OTHERS} other "
            f"households. `GET /v1/households/{{id}}/archive` once to warm up, then "
            f"{args.archive_requests} times, sequential; `ledger archive export` once through "
            f"the CLI (wall time, including process start, imports, migrations check); both "
            f"zips checked with `ledger verify --public-key` (the key from "
            f"`/v1/checkpoints/public-key`).",
            f"- **Proofs.** Another fresh database, migrated, filled in-process with "
            f"{args.leaves:,} synthetic leaves through `LogTables.extend` in batches of "
            f"{args.batch:,} (one transaction and two `executemany` each): leaf hashes of random "
            f"32-byte event hashes through `merkle.Frontier.append`, uuid4 event ids, "
            f"notification id = index + 1. Proofs read only `merkle_nodes` (and `_check_size` "
            f"the last leaf), so this is the proof side of a log of that many events. 'Fill s' "
            f"is wall time including hashing; in brackets the time inside `extend`. Then, on "
            f"`TransparencyLog(open_ledger(database), "
            f"Ed25519PrivateKey.generate())`, each call timed alone with `perf_counter`: `root(N)` "
            f"20×; for {args.proofs:,} random leaves (their `Leaf` read from "
            f"`tables.leaves` beforehand; 10 warm-up calls not counted) "
            f"`tables.leaf_of_event` and `inclusions([leaf], N)`, each proof checked with "
            f"`merkle.verify_inclusion` against `root(N)` outside the timing; `inclusions` of "
            f"{BATCH_INCLUSIONS} of those leaves in one call (what an archive of "
            f"{BATCH_INCLUSIONS} events asks); `consistency(first, N)` for {args.consistency} "
            f"random `first`, checked with `merkle.verify_consistency`. On PostgreSQL a "
            f"`VACUUM (ANALYZE)` of the two tables follows the fill (what autovacuum does soon "
            f"after such growth; without statistics the planner chose a parallel bitmap scan "
            f"for the node lookups); SQLite gets no `ANALYZE`, as the product runs none."
            + (
                " The 'what-if: one-query `nodes`' rows time the same inclusions (and verify "
                "them) with `LogTables.nodes` replaced on that instance by one statement joining "
                "the wanted `(level, idx)` pairs from a parameter (PostgreSQL: `unnest` of two "
                "arrays; SQLite: `json_each` of a JSON array; `_one_query_nodes`) instead of "
                "chunks of 400 OR-ed `(level = ? AND idx = ?)`."
                if args.what_if
                else ""
            ),
            "",
            "Nearest-rank percentiles. One run, no repeats: read large ratios, not small "
            "differences.",
            "",
            "### Checkpoint delay under load",
            "",
            delay_table(runs),
            "",
            "### Trace archive of a household with 200 events",
            "",
            archive_table(runs),
            "",
            f"### Proofs at {args.leaves:,} leaves",
            "",
            fill_table(runs),
            "",
            proof_table(runs),
            "",
            *(["Server-side notes:", "", *notes, ""] if notes else []),
            *(["### Findings", "", findings.strip(), ""] if findings.strip() else []),
        ]
    )


def existing_findings(path: Path) -> str:
    """The hand-written findings of this section as the document holds them now."""
    current = path.read_text() if path.exists() else ""
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?^### Findings\n(.*?)(?=^## |\Z)", re.M | re.S)
    found = pattern.search(current)
    return found.group(1).strip() if found else ""


def save_details(runs: list[BackendRun], args: argparse.Namespace) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "transparency.json"
    documents: list[dict[str, Any]] = []

    def delay(d: DelayRun) -> dict[str, Any]:
        document: dict[str, Any] = asdict(d)
        document["appends"] = len(d.appends)  # the delays are kept, the event ids not
        document["errors"] = dict(d.errors)  # asdict turns a Counter into one of pairs
        return document

    for r in runs:
        documents.append(
            {
                "backend": r.backend,
                "detail": r.detail,
                "args": {k: v for k, v in vars(args).items() if k != "findings"},
                "delay": delay(r.delay),
                "what_if": delay(r.what_if),
                "archive": {**asdict(r.archive), "errors": dict(r.archive.errors)},
                "proofs": asdict(r.proofs),
                "server_notes": r.server_notes,
                "load_average": r.load_average,
                "profile": r.profile.splitlines(),
            }
        )
    path.write_text(json.dumps(documents, indent=1, default=str))
    return path


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.transparency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backends",
        type=backends_option,
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="duration of the appends under load (default 30)",
    )
    parser.add_argument(
        "--leaves",
        type=int,
        default=1_000_000,
        help="leaves of the tree the proofs are timed on (default 1000000)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=20_000,
        help="leaves per LogTables.extend while filling (default 20000)",
    )
    parser.add_argument(
        "--proofs",
        type=int,
        default=1000,
        help="random leaves whose inclusion proof is timed (default 1000)",
    )
    parser.add_argument(
        "--consistency", type=int, default=200, help="consistency proofs timed (default 200)"
    )
    parser.add_argument(
        "--archive-requests", type=int, default=20, help="timed GETs of the archive (default 20)"
    )
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="measure the delay again with TransparencyLog.catch_up replaced "
        "in the server process by one that stops after a short batch",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the archive export and the proofs in-process",
    )
    parser.add_argument(
        "--findings",
        type=Path,
        help="a Markdown file whose text goes under 'Findings' in the report "
        "(default: keep the section's current findings)",
    )
    parser.add_argument(
        "--no-write", action="store_true", help=f"print only; do not update {DOC.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.leaves < 2 or args.batch < 1:
        parser.error("--seconds must be positive, --leaves at least 2, --batch positive")
    if min(args.proofs, args.consistency, args.archive_requests) < 1:
        parser.error("--proofs, --consistency and --archive-requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    command = " ".join(["PYTHONPATH=. .venv/bin/python -m bench.transparency", *argv])
    started = time.perf_counter()
    before = product_fingerprint()
    runs = [run_backend(backend, args) for backend in args.backends]
    fingerprints = fingerprints_since(before)
    for text in (delay_table(runs), archive_table(runs), fill_table(runs), proof_table(runs)):
        print(text, end="\n\n")
    for r in runs:
        for note in r.server_notes:
            print(f"{r.backend}: {note}")
    path = save_details(runs, args)
    _log(f"raw figures in {path.relative_to(ROOT)}; total {time.perf_counter() - started:,.0f} s")
    if not args.no_write:
        findings = args.findings.read_text() if args.findings else existing_findings(DOC)
        write_section(HEADING, section(runs, args, command, findings, fingerprints))
        _log(f"written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
