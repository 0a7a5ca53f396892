"""``kill -9`` of ``ledger serve`` in the middle of a bulk ingest, then a restart on the same
database: every acknowledged event is there as acknowledged, no batch is half-written,
the unacknowledged batches can be re-sent with their keys, the read models resume and
equal a rebuild, and the audit holds against a fresh checkpoint."""

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bootstrap import open_ledger, open_views
from ledger.config import load_default
from ledger.persistence.database import Database
from ledger.transparency.audit import audit
from projections.runner import ProjectionRunner
from projections.views import APPLICATION
from tests import factories as f
from tests.conftest import _url
from tests.e2e.servers import LedgerProcess, recorder_token
from tests.integration.test_projections import snapshot

CLIENTS = 4
HOUSEHOLDS_PER_CLIENT = 5
TIMEOUT = httpx.Timeout(30)  # bounds every request: a hang fails the test
UNLIMITED = {"LEDGER_RATE_LIMIT_PER_S": "0"}  # one token ingests as fast as it can


@dataclass
class Batch:
    household_id: str
    key: str
    events: list[dict[str, Any]]
    receipt: dict[str, Any] | None = None  # the 201 body, if one came back
    error: str | None = None  # why not

    def identities(self) -> list[tuple[str, Any]]:
        """What tells this batch's events apart: each carries a unique latitude."""
        return [identity(e) for e in self.events]


def identity(event: dict[str, Any]) -> tuple[str, Any]:
    return event["type"], event["data"].get("lat")


@dataclass
class Client:
    """One writer: its own households, each household's batches sent in order."""

    number: int
    token: str
    sent: list[Batch] = field(default_factory=list)
    _serial: int = 0

    def households(self) -> list[str]:
        return [f"hh-{self.number}-{n:02d}" for n in range(HOUSEHOLDS_PER_CLIENT)]

    def next_batch(self, household_id: str, first: bool) -> Batch:
        """20–100 events: the registration and a procedure first, then locations."""
        size = 20 + (len(self.sent) * 37 + self.number * 11) % 81
        events = f.county_household(len(self.sent)) if first else []
        if first:  # each writer's households in a village of its own
            events[0] = {
                **events[0],
                "data": {**events[0]["data"], "village_code": f"5309251012{self.number:02d}"},
            }
        while len(events) < size:
            self._serial += 1
            events.append(
                f.event(
                    "LocationRecorded",
                    {"lat": 20 + self.number + self._serial / 100_000, "lon": 99.8},
                )
            )
        return Batch(household_id, str(uuid.uuid4()), events)

    def ingest(self, base: str) -> None:
        """Sends batches round-robin over its households until one is not acknowledged
        (the killed server refuses the next one: a writer that also stopped when told to
        could see the order after its last receipt and end with no failed batch)."""
        with httpx.Client(
            base_url=base, timeout=TIMEOUT, headers={"Authorization": f"Bearer {self.token}"}
        ) as http:
            for round_ in range(1000):
                for household_id in self.households():
                    batch = self.next_batch(household_id, first=round_ == 0)
                    self.sent.append(batch)
                    try:
                        answer = http.post(
                            f"/v1/households/{household_id}/events",
                            json={"events": batch.events},
                            headers={"Idempotency-Key": batch.key},
                        )
                    except httpx.TransportError as error:
                        batch.error = f"transport: {type(error).__name__}: {error}"
                        return
                    if answer.status_code != 201:
                        batch.error = f"HTTP {answer.status_code}: {answer.text}"
                        return
                    batch.receipt = answer.json()


def history(http: httpx.Client, household_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 1000}
    while True:
        answer = http.get(f"/v1/households/{household_id}/events", params=params)
        if answer.status_code == 404 and not events:
            return []  # the registration itself was not written
        assert answer.status_code == 200, answer.text
        events += answer.json()["items"]
        if answer.json()["next"] is None:
            return events
        params["cursor"] = answer.json()["next"]


def wait_for_projections(http: httpx.Client, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = http.get("/readyz").json()
        if ready.get("projection_position", -1) >= ready.get("log_position", 0):
            return dict(ready)
        time.sleep(0.1)
    raise TimeoutError(f"projections did not catch up within {timeout} s: {ready}")


@pytest.fixture
def servers() -> Iterator[list[LedgerProcess]]:
    """``ledger serve`` processes on one database, one after another; stopped at the end."""
    started: list[LedgerProcess] = []
    yield started
    for server in started:
        server.stop()


def test_a_server_killed_mid_ingest_loses_no_acknowledged_event_and_writes_no_half_batch(
    database: Database, servers: list[LedgerProcess], tmp_path: Path
) -> None:
    token = recorder_token(database)
    first = LedgerProcess(_url(database), tmp_path / "first.log", **UNLIMITED)
    servers.append(first)
    first.start()

    # Writers ingest until the server dies under them.
    clients = [Client(n, token) for n in range(CLIENTS)]
    threads = [threading.Thread(target=c.ingest, args=(first.base,)) for c in clients]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        any(b.receipt is not None for b in c.sent) for c in clients
    ):
        time.sleep(0.05)
    time.sleep(1.0)  # every writer is in full flow: kill in the middle of it
    first.kill()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a writer hung on the killed server"
    batches = [b for c in clients for b in c.sent]
    acknowledged = [b for b in batches if b.receipt is not None]
    unacknowledged = [b for b in batches if b.receipt is None]
    assert len(acknowledged) >= CLIENTS, first.output()[-2000:]
    assert len(unacknowledged) == CLIENTS  # each writer stops at its first failure
    assert all((b.error or "").startswith("transport") for b in unacknowledged), [
        b.error for b in unacknowledged
    ]  # the connection broke: never an HTTP error

    second = LedgerProcess(_url(database), tmp_path / "second.log", **UNLIMITED)
    servers.append(second)
    second.start()
    with httpx.Client(
        base_url=second.base, timeout=TIMEOUT, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        # Every household holds exactly its acknowledged batches, and the batch that was
        # in flight either wholly or not at all.
        written: dict[str, bool] = {}  # unacknowledged batch → found whole in the history
        for client in clients:
            for household_id in client.households():
                sent = [b for b in client.sent if b.household_id == household_id]
                stored = history(http, household_id)
                acked = [b for b in sent if b.receipt is not None]
                acked_events = [e for b in acked for e in b.identities()]
                assert [identity(e) for e in stored[: len(acked_events)]] == acked_events
                receipts = [r for b in acked for r in b.receipt["events"]]  # type: ignore[index]
                assert [(e["id"], e["version"], e["hash"]) for e in stored[: len(receipts)]] == [
                    (r["id"], r["version"], r["hash"]) for r in receipts
                ]
                rest = [identity(e) for e in stored[len(acked_events) :]]
                pending = [b for b in sent if b.receipt is None]
                assert rest in ([], *(b.identities() for b in pending)), household_id
                for batch in pending:
                    written[batch.key] = rest == batch.identities()

        # Re-sending the unacknowledged batches with their keys: the original answer for
        # one that was written, a fresh append for one that was not; never twice.
        for batch in unacknowledged:
            before = len(history(http, batch.household_id))
            answer = http.post(
                f"/v1/households/{batch.household_id}/events",
                json={"events": batch.events},
                headers={"Idempotency-Key": batch.key},
            )
            assert answer.status_code == 201, answer.text
            replayed = answer.headers.get("Idempotent-Replayed") == "true"
            assert replayed == written[batch.key]
            stored = history(http, batch.household_id)
            assert len(stored) == before + (0 if replayed else len(batch.events))
            assert [identity(e) for e in stored[-len(batch.events) :]] == batch.identities()
            assert [(e["id"], e["hash"]) for e in stored[-len(batch.events) :]] == [
                (r["id"], r["hash"]) for r in answer.json()["events"]
            ]

        # Every batch sent is now there once, in order.
        total, households = 0, 0
        for client in clients:
            for household_id in client.households():
                expected = [
                    i for b in client.sent if b.household_id == household_id for i in b.identities()
                ]
                assert [identity(e) for e in history(http, household_id)] == expected
                total, households = total + len(expected), households + bool(expected)

        ready = wait_for_projections(http)
        checkpoint = http.get("/v1/checkpoints/latest", params={"fresh": "true"})
        assert checkpoint.status_code == 200, checkpoint.text
        assert checkpoint.json()["tree_size"] == total
    second.stop()

    # The read models the restarted server resumed equal a rebuild from zero; the audit
    # re-hashes every event against the signed checkpoints.
    ledger = open_ledger(database, pool_size=2)
    try:
        views = open_views(ledger)
        assert views.max_tracking_id(APPLICATION) == ready["log_position"]
        live = snapshot(views)
        assert len(live["household_view"]) == households
        ProjectionRunner(ledger, views, load_default()).rebuild()
        assert snapshot(views) == live
        report = audit(ledger, ledger.stores.merkle)
        assert report.holds, report.findings
        assert (report.events, report.unsequenced) == (total, 0)
    finally:
        ledger.close()
