"""``ledger import`` of an NDJSON county through the real CLI: a fresh database, the file
written by ``ledger demo --households N --ndjson FILE``, then the import timed (wall
clock, process start included), and the same file imported again, which must append
nothing. The stored events are counted in the database before and after each run.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.common import cli, log, service_env
from ledger.persistence.database import EVENTS_TABLE, Database

IMPORT_TIMEOUT_S = 4 * 3600.0
COUNT_EVENTS = f"SELECT COUNT(*) FROM {EVENTS_TABLE}"  # noqa: S608 (a constant table name)


@dataclass(frozen=True)
class ImportRun:
    households: int
    events_in_file: int
    first_s: float
    stored_after_first: int
    second_s: float
    stored_after_second: int
    first_summary: str  # the CLI's own last line
    second_summary: str

    @property
    def rate(self) -> float:
        """Events a second over the first run's wall time."""
        return self.stored_after_first / self.first_s if self.first_s else 0.0

    @property
    def appended_again(self) -> int:
        return self.stored_after_second - self.stored_after_first


def unavailable(env: dict[str, str]) -> str | None:
    """Why ``ledger import`` or ``ledger demo --ndjson`` cannot run here, if they cannot."""
    try:
        cli(env, "import", "--help")
        demo = cli(env, "demo", "--help")
    except RuntimeError:
        return "`ledger import` or `ledger demo` is not in this checkout yet"
    return None if "--ndjson" in demo else "`ledger demo` cannot write NDJSON yet"


def stored_events(url: str) -> int:
    database = Database.from_url(url)
    if database.kind == "sqlite":
        with contextlib.closing(sqlite3.connect(database.path)) as connection:
            return int(connection.execute(COUNT_EVENTS).fetchone()[0])
    with psycopg.connect(url) as connection:
        row = connection.execute(COUNT_EVENTS).fetchone()
        return int(row[0]) if row else 0


def _timed_import(env: dict[str, str], path: Path) -> tuple[float, str]:
    before = time.perf_counter()
    output = cli(env, "import", str(path), "--operator", "bench", timeout_s=IMPORT_TIMEOUT_S)
    return time.perf_counter() - before, output.strip().splitlines()[-1]


def run(url: str, households: int) -> ImportRun:
    """Writes the county, imports it twice into ``url`` (migrated here)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = service_env(url, Path(tmp))
        cli(env, "migrate")
        path = Path(tmp) / "county.ndjson"
        cli(
            env,
            "demo",
            "--households",
            str(households),
            "--ndjson",
            str(path),
            timeout_s=IMPORT_TIMEOUT_S,
        )
        with path.open("rb") as lines:
            events = sum(len(json.loads(line)["events"]) for line in lines if line.strip())
        log(f"importing {households:,} households, {events:,} events …")
        first_s, first_summary = _timed_import(env, path)
        after_first = stored_events(url)
        log("importing the same file again …")
        second_s, second_summary = _timed_import(env, path)
        return ImportRun(
            households,
            events,
            first_s,
            after_first,
            second_s,
            stored_events(url),
            first_summary,
            second_summary,
        )
