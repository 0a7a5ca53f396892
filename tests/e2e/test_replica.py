"""Reads from a real PostgreSQL streaming replica (``LEDGER_READ_DATABASE_URL``).

A private primary and a hot standby of it (``pg_basebackup -R -X stream``) for the module;
each test gets its own database on the primary (which the standby replays) and the app
served over real HTTP. Where a statement ran is counted with ``pg_stat_statements`` on each
server, so "served from the standby" is the standby's own word, not the app's header.
"""

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from eventsourcing.persistence import InternalError
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap import migrate, open_ledger
from bootstrap.settings import Settings
from bootstrap.standby import CATCH_UP_BOUND_S, RECHECK_AFTER_S, Standby
from ledger.persistence.database import Database
from ledger.tokens import create_token
from ledger.transparency.verify import verify_archive
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.clusters import PrivateCluster, require_postgres_bin
from tests.e2e.servers import served_in_thread
from tests.e2e.test_postgres_restart import until

COMPLETENESS_PAGE = "SELECT DISTINCT household_id FROM gap_view%"  # lists' first statement
TOKEN_LOOKUP = "%FROM api_tokens WHERE token_id%"
EVENTS_READ = "SELECT * FROM %ledger_events% WHERE originator_id = %"  # a stream


@dataclass(frozen=True)
class Replication:
    primary: PrivateCluster
    standby: PrivateCluster


@pytest.fixture(scope="module")
def replication() -> Iterator[Replication]:
    bin_dir = require_postgres_bin("READ REPLICA TESTS")
    primary, standby = PrivateCluster(bin_dir), PrivateCluster(bin_dir)
    try:
        primary.init("shared_preload_libraries = 'pg_stat_statements'\n")
        primary.start()
        with psycopg.connect(primary.url(), autocommit=True) as admin:
            admin.execute("CREATE EXTENSION pg_stat_statements")
        standby.init_standby_of(primary)
        standby.start()
        primary.wait_streaming()
        yield Replication(primary, standby)
    finally:
        standby.remove()
        primary.remove()


@dataclass(frozen=True)
class Served:
    http: httpx.Client
    primary: Database
    standby: Database
    replication: Replication
    tokens: dict[str, str]  # role → bearer token

    def get(self, path: str, role: str = "evaluator", **params: Any) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.auth(role))

    def append(self, household_id: str, *events: dict[str, Any]) -> httpx.Response:
        return self.http.post(
            f"/v1/households/{household_id}/events",
            json={"events": list(events)},
            headers=self.auth("recorder"),
        )

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def calls(self, server: PrivateCluster, statement: str) -> int:
        """How often statements like ``statement`` ran on ``server`` in this database."""
        with psycopg.connect(server.url(), autocommit=True) as connection:
            row = connection.execute(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s "
                "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s "
                "AND s.query LIKE %s",
                (self.primary.name, statement),
            ).fetchone()
        return int(row[0]) if row else 0

    def counts(self, statement: str) -> tuple[int, int]:
        """(on the primary, on the standby)."""
        return (
            self.calls(self.replication.primary, statement),
            self.calls(self.replication.standby, statement),
        )


@pytest.fixture
def served(replication: Replication, tmp_path: Path) -> Iterator[Served]:
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(replication.primary.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    primary = Database.from_url(replication.primary.url(name))
    standby = Database.from_url(replication.standby.url(name))
    migrate(primary)
    ledger = open_ledger(primary, pool_size=1)
    try:
        tokens = {
            role: create_token(ledger.tables, role=role, division="53")
            for role in ("recorder", "auditor", "evaluator", "admin")
        }
    finally:
        ledger.close()
    replication.standby.wait_replayed(replication.primary)  # its database, tables, tokens
    settings = Settings(
        database_url=replication.primary.url(name),
        read_database_url=replication.standby.url(name),
        pool_size=3,
        checkpoint_interval_s=0.5,
        rate_limit_per_s=0,
    )
    with served_in_thread(settings) as (base, _), httpx.Client(base_url=base, timeout=30) as http:
        yield Served(http, primary, standby, replication, tokens)


def test_readers_are_answered_from_the_standby_and_appends_go_to_the_primary(
    served: Served,
) -> None:
    for n in range(4):
        appended = served.append(f"hh-{n}", *f.county_household(n))
        assert appended.status_code == 201, appended.text
        assert appended.headers["Ledger-Read-From"] == "primary"

    lists_before, tokens_before = served.counts(COMPLETENESS_PAGE), served.counts(TOKEN_LOOKUP)
    for role in ("evaluator", "auditor", "evaluator"):
        listed = served.get("/v1/completeness", role, division="530925")
        assert listed.status_code == 200, listed.text
        assert listed.headers["Ledger-Read-From"] == "standby"
        assert {item["household_id"] for item in listed.json()["items"]} >= {"hh-0", "hh-1"}
    lists_after, tokens_after = served.counts(COMPLETENESS_PAGE), served.counts(TOKEN_LOOKUP)
    # Three list pages and three token lookups ran on the standby, none on the primary.
    assert (lists_after[0] - lists_before[0], lists_after[1] - lists_before[1]) == (0, 3)
    assert (tokens_after[0] - tokens_before[0], tokens_after[1] - tokens_before[1]) == (0, 3)

    events_before = served.counts(EVENTS_READ)
    for path in (
        "/v1/households/hh-3",
        "/v1/households/hh-3/events",
        "/v1/households/hh-3/completeness",
        "/v1/feed",
    ):
        answer = served.get(path, "auditor")
        assert answer.status_code == 200, answer.text
        assert answer.headers["Ledger-Read-From"] == "standby"
    events_after = served.counts(EVENTS_READ)
    assert events_after[0] == events_before[0]  # no stream was read on the primary
    assert events_after[1] > events_before[1]

    # The auditor's unmasked reads were logged on the primary (the standby refuses
    # writes) and, replayed, are read back by an admin from the standby.
    logged = served.get("/v1/access-log", "admin", household_id="hh-3")
    assert logged.headers["Ledger-Read-From"] == "standby"
    assert len(logged.json()["items"]) == 3  # state, history, feed


def test_a_read_right_after_an_append_sees_it_on_the_standby(served: Served) -> None:
    assert served.append("hh-ryw", f.registered()).status_code == 201
    for version in range(2, 12):
        appended = served.append("hh-ryw", f.survey())
        assert appended.json()["events"][0]["version"] == version, appended.text
        state = served.get("/v1/households/hh-ryw")
        assert (state.json()["version"], state.headers["Ledger-Read-From"]) == (version, "standby")
        listed = served.get("/v1/completeness", division="530925")
        assert listed.headers["Ledger-Read-From"] == "standby"
        assert listed.status_code == 200, listed.text


def test_integrity_reads_on_the_standby_sign_and_sequence_on_the_primary(
    served: Served, tmp_path: Path
) -> None:
    # Appended a moment ago: neither sequenced nor covered by a checkpoint yet, so the
    # standby's log asks the primary to sequence and sign, then waits to replay that.
    appended = served.append("hh-log", *f.county_household(0))
    event_ids = [event["id"] for event in appended.json()["events"]]
    proof = served.get("/v1/proofs/inclusion", "auditor", event_id=event_ids[-1])
    assert proof.status_code == 200, proof.text
    assert proof.headers["Ledger-Read-From"] == "standby"
    assert proof.json()["tree_size"] == len(event_ids)

    assert served.append("hh-log", f.survey()).status_code == 201
    fresh = served.get("/v1/checkpoints/latest", "auditor", fresh="true")
    assert (fresh.json()["tree_size"], fresh.headers["Ledger-Read-From"]) == (
        len(event_ids) + 1,
        "standby",
    )

    assert served.append("hh-log", f.survey()).status_code == 201
    archive = served.get("/v1/households/hh-log/archive", "auditor")
    assert archive.status_code == 200, archive.text
    assert archive.headers["Ledger-Read-From"] == "standby"
    (tmp_path / "hh-log.zip").write_bytes(archive.content)
    public_key = served.get("/v1/checkpoints/public-key").json()["public_key"]
    verified = verify_archive(tmp_path / "hh-log.zip", public_key)
    assert verified.events == len(event_ids) + 2


def pause_replay(server: PrivateCluster, paused: bool) -> None:
    with psycopg.connect(server.url(), autocommit=True) as connection:
        connection.execute(
            "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
        )


def test_a_lagging_standby_hands_reads_to_the_primary_until_it_catches_up(served: Served) -> None:
    assert served.append("hh-lag", f.registered()).status_code == 201
    pause_replay(served.replication.standby, True)
    try:
        assert served.append("hh-lag", f.survey()).status_code == 201
        started = time.monotonic()
        state = served.get("/v1/households/hh-lag")
        assert time.monotonic() - started < CATCH_UP_BOUND_S + 1
        # Not older than the append before it: the primary answered, and says so.
        assert (state.json()["version"], state.headers["Ledger-Read-From"]) == (2, "primary")
        replica = served.get("/readyz").json()["replica"]
        assert replica["reads"] == "primary"
        assert "behind" in replica["detail"]
        started = time.monotonic()
        listed = served.get("/v1/completeness", division="530925")
        assert listed.headers["Ledger-Read-From"] == "primary"  # at once, without waiting
        assert time.monotonic() - started < CATCH_UP_BOUND_S
    finally:
        pause_replay(served.replication.standby, False)
    time.sleep(RECHECK_AFTER_S)
    state = served.get("/v1/households/hh-lag")
    assert (state.json()["version"], state.headers["Ledger-Read-From"]) == (2, "standby")
    assert served.get("/readyz").json()["replica"]["reads"] == "standby"


def test_a_stopped_standby_hands_reads_to_the_primary_without_an_error(served: Served) -> None:
    assert served.append("hh-down", *f.county_household(1)).status_code == 201
    served.replication.standby.stop("fast")
    try:
        for path, role in (
            ("/v1/households/hh-down", "auditor"),
            ("/v1/households/hh-down/events", "evaluator"),
            ("/v1/completeness", "evaluator"),
            ("/v1/feed", "auditor"),
            ("/v1/households/hh-down/archive", "auditor"),
        ):
            started = time.monotonic()
            answer = served.get(path, role)
            assert answer.status_code == 200, answer.text
            assert answer.headers["Ledger-Read-From"] == "primary"
            assert time.monotonic() - started < 3, f"{path} waited for the stopped standby"
        ready = served.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["replica"]["reads"] == "primary"
        assert served.append("hh-down", f.survey()).status_code == 201
        # A service started while its standby is down starts, and reads on the primary.
        settings = Settings(
            database_url=served.replication.primary.url(served.primary.name),
            read_database_url=served.replication.standby.url(served.standby.name),
        )
        with TestClient(create_app(settings)) as client:
            state = client.get("/v1/households/hh-down", headers=served.auth("auditor"))
        assert (state.status_code, state.headers["Ledger-Read-From"]) == (200, "primary")
    finally:
        served.replication.standby.start()
    served.replication.primary.wait_streaming()
    until(
        lambda: served.get("/v1/households/hh-down").headers["Ledger-Read-From"] == "standby",
        within=RECHECK_AFTER_S + 3,
        what="reads back on the standby",
    )
    state = served.get("/v1/households/hh-down")
    assert (state.status_code, state.headers["Ledger-Read-From"]) == (200, "standby")
    assert state.json()["version"] == len(f.county_household(1)) + 1


def test_a_standby_refuses_writes_with_a_problem_not_a_500(served: Served) -> None:
    # Misconfigured: the primary's URL names the standby. Reads work; appends are a 503
    # problem. (PostgreSQL says "read-only transaction" — then the detail says so — or, in
    # psycopg's pipeline mode, sometimes only "pipeline aborted".)
    settings = Settings(
        database_url=served.replication.standby.url(served.standby.name), auto_migrate=False
    )
    with TestClient(create_app(settings)) as client:
        for n in range(3):
            refused = client.post(
                f"/v1/households/hh-{n}/events",
                json={"events": [f.registered()]},
                headers=served.auth("recorder"),
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "SERVICE_UNAVAILABLE"
            assert refused.headers["Retry-After"]
        state = client.get("/v1/households/hh-0", headers=served.auth("auditor"))
        assert state.status_code == 404, state.text  # reads work; nothing was written


def test_no_session_on_the_read_database_may_write_even_if_it_is_not_a_standby(
    served: Served, tmp_path: Path
) -> None:
    # The primary itself given as the read database (as a promoted standby would be).
    settings = Settings(database_url=served.replication.primary.url(served.primary.name))
    app = create_app(settings)
    with TestClient(app) as client:
        standby = Standby(served.primary, services_of(client).primary, pool_size=settings.pool_size)
        try:
            assert not standby.caught_up()  # not a standby: reads stay on the primary
            with pytest.raises(InternalError, match="read-only transaction"):
                create_token(standby.source.ledger.tables, role="admin", division="53")
        finally:
            standby.close()


@pytest.mark.parametrize(
    ("database_url", "read_url", "refusal"),
    [
        ("sqlite:///ledger.db", "postgresql://127.0.0.1/ledger", "SQLite ledger has no replicas"),
        ("postgresql://127.0.0.1/ledger", "sqlite:///replica.db", "must be a postgresql:// URL"),
    ],
)
def test_a_read_database_is_refused_at_start_where_it_cannot_work(
    database_url: str, read_url: str, refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        create_app(Settings(database_url=database_url, read_database_url=read_url))
