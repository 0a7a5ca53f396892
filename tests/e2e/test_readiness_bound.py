"""/readyz answers within a second while the database is away (an orchestrator's probe
times out at about that), where a pool connection used to be awaited for 5 s. PostgreSQL
only: it is reached through a proxy on loopback that the test closes or blackholes."""

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from tests.conftest import _url, fresh_postgres
from tests.e2e.proxy import Proxy

BOUND_S = 2.0  # generous: the check waits 0.8 s


@pytest.fixture
def proxied(postgres_server: Database) -> Iterator[tuple[Database, Proxy]]:
    for database in fresh_postgres(postgres_server):
        proxy = Proxy(database.host, database.port)
        try:
            yield (
                Database(
                    kind="postgres",
                    host="127.0.0.1",
                    port=proxy.port,
                    user=database.user,
                    password=database.password,
                    name=database.name,
                ),
                proxy,
            )
        finally:
            proxy.close()


@pytest.mark.parametrize("away", ["refuse", "blackhole"])
def test_readyz_answers_503_within_the_bound_while_postgres_is_away(
    proxied: tuple[Database, Proxy], away: str
) -> None:
    database, proxy = proxied
    with TestClient(create_app(Settings(database_url=_url(database), pool_size=2))) as client:
        assert client.get("/readyz").status_code == 200
        getattr(proxy, away)()
        for _ in range(4):  # each probe, not only the first: none waits for a connection
            started = time.monotonic()
            ready = client.get("/readyz")
            took = time.monotonic() - started
            assert ready.status_code == 503, ready.text
            assert ready.json()["code"] == "NOT_READY"
            assert took < BOUND_S, f"/readyz took {took:.2f} s"
        proxy.forward()  # back, so that the app stops without waiting for the database
