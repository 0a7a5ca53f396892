"""Read scale (issue 6, item 5): ``GET /v1/completeness`` answered by the primary alone and
by a service reading a hot standby, side by side on one machine.

A private primary and a streaming hot standby of it (``tests/e2e/clusters.py``: initdb,
``pg_basebackup -R -X stream``, ``fsync = off`` — this measures reads), a county generated
in-process (``demo``, one ``HouseholdLedger.append`` per household) and
projected, then two ``ledger serve`` processes on the same primary: one alone, one with
``LEDGER_READ_DATABASE_URL`` naming the standby. The client alternates requests between
them (so drift on the shared CPUs hits both alike) and counts where each was answered from
(``Ledger-Read-From``). ``sync`` is what a standby read does first (the primary's flushed
position, then the standby's replay of it), timed in-process.

    .venv/bin/python -m bench.replica --households 2000 --requests 300
"""

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench.common import errors_text, percentile
from bootstrap import migrate, open_ledger, open_views
from demo import SHUANGJIANG, household
from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.database import Database
from ledger.persistence.replication import standby_env, wal_positions
from ledger.tokens import create_token
from projections.runner import ProjectionRunner
from tests.e2e.clusters import PrivateCluster, postgres_bin
from tests.e2e.servers import LedgerProcess

QUERY = "/v1/completeness"
COUNTY = SHUANGJIANG.code


@dataclass
class Latency:
    """One server's answers to the same query."""

    server: str
    seconds: list[float] = field(default_factory=list)
    read_from: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)

    @property
    def p50_ms(self) -> float:
        return percentile(self.seconds, 50) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 95) * 1000


@dataclass(frozen=True)
class ReplicaBench:
    households: int
    events: int
    latencies: list[Latency]
    sync: Latency  # the catch-up check a standby read makes first, in-process


@contextmanager
def replicated_clusters() -> Iterator[tuple[PrivateCluster, PrivateCluster]]:
    """A private primary and a hot standby streaming from it."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)")
    primary, standby = PrivateCluster(bin_dir), PrivateCluster(bin_dir)
    try:
        primary.init()
        primary.start()
        standby.init_standby_of(primary)
        standby.start()
        primary.wait_streaming()
        yield primary, standby
    finally:
        standby.remove()
        primary.remove()


def fill(database: Database, households: int) -> int:
    """Appends the county's households and projects them; returns how many events."""
    migrate(database)
    ledger = open_ledger(database, pool_size=2)
    try:
        caller = Caller("bench-generator", "bench", CallerRole.RECORDER, COUNTY)
        events = 0
        appends = AppendPipeline(ledger)
        for n in range(households):
            household_id, _, history = household(n)
            appends.append(
                household_id, AppendBatch.model_validate({"events": history}).events, caller
            )
            events += len(history)
        ProjectionRunner(ledger, open_views(ledger), config.load_default()).catch_up()
        return events
    finally:
        ledger.close()


def evaluator_token(database: Database) -> str:
    ledger = open_ledger(database, pool_size=1)
    try:
        return create_token(ledger.tables, role="evaluator", division=COUNTY)
    finally:
        ledger.close()


def time_sync(primary: Database, standby: Database, samples: int) -> Latency:
    primary_ledger = open_ledger(primary, pool_size=1)
    standby_ledger = HouseholdLedger(
        standby_env(standby, pool_size=1), personal_key=primary_ledger.personal.key
    )
    on_primary = wal_positions(primary_ledger.recorder)
    on_standby = wal_positions(standby_ledger.recorder)
    sync = Latency("sync: primary flush position, standby replay")
    try:
        for _ in range(samples):
            started = time.perf_counter()
            replay = on_standby.replay(on_primary.flushed())
            sync.seconds.append(time.perf_counter() - started)
            sync.read_from["caught up" if replay.behind_bytes == 0 else "behind"] += 1
    finally:
        standby_ledger.close()
        primary_ledger.close()
    return sync


def run(households: int = 2000, requests: int = 300, warmup: int = 20) -> ReplicaBench:
    """Measures ``GET /v1/completeness?division=<county>`` p50/p95 through a service on the
    primary alone and one reading a hot standby, ``requests`` each, alternating."""
    with (
        replicated_clusters() as (primary_cluster, standby_cluster),
        tempfile.TemporaryDirectory(prefix="bench-replica-") as work,
    ):
        with psycopg.connect(primary_cluster.url(), autocommit=True) as admin:
            admin.execute('CREATE DATABASE "ledger"')
        primary = Database.from_url(primary_cluster.url("ledger"))
        standby = Database.from_url(standby_cluster.url("ledger"))
        events = fill(primary, households)
        token = evaluator_token(primary)
        standby_cluster.wait_replayed(primary_cluster)
        common = {
            "LEDGER_SIGNING_KEY": str(Path(work) / "key.pem"),
            "LEDGER_MATERIALS_DIR": str(Path(work) / "materials"),
            "LEDGER_RATE_LIMIT_PER_S": "0",
        }
        alone = LedgerProcess(primary_cluster.url("ledger"), Path(work) / "alone.log", **common)
        reading = LedgerProcess(
            primary_cluster.url("ledger"),
            Path(work) / "standby.log",
            LEDGER_READ_DATABASE_URL=standby_cluster.url("ledger"),
            **common,
        )
        latencies = [Latency("primary alone"), Latency("reads on the standby")]
        try:
            alone.start()
            reading.start()
            clients = [
                httpx.Client(
                    base_url=p.base, timeout=30, headers={"Authorization": f"Bearer {token}"}
                )
                for p in (alone, reading)
            ]
            for n in range(warmup + requests):
                for client, latency in zip(clients, latencies, strict=True):
                    started = time.perf_counter()
                    answer = client.get(QUERY, params={"division": COUNTY})
                    if n < warmup:
                        continue
                    latency.seconds.append(time.perf_counter() - started)
                    latency.read_from[answer.headers.get("Ledger-Read-From", "primary")] += 1
                    if answer.status_code != 200:
                        latency.errors[answer.status_code] += 1
            for client in clients:
                client.close()
        finally:
            reading.stop()
            alone.stop()
        return ReplicaBench(households, events, latencies, time_sync(primary, standby, requests))


def table(result: ReplicaBench) -> str:
    lines = [
        f"{result.households:,} households, {result.events:,} events; "
        f"`GET {QUERY}?division={COUNTY}`, first page",
        "",
        "| server | requests | p50 ms | p95 ms | answered from | errors |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for latency in [*result.latencies, result.sync]:
        answered = ", ".join(f"{name} {count}" for name, count in latency.read_from.items())
        errors = errors_text({str(status): n for status, n in latency.errors.items()})
        lines.append(
            f"| {latency.server} | {len(latency.seconds)} | {latency.p50_ms:.1f} | "
            f"{latency.p95_ms:.1f} | {answered} | {errors} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    print(table(run(args.households, args.requests)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
