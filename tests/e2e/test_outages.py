"""When PostgreSQL goes away under the running service: 503s, never 500s or hangs."""

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.state import app_state
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import POSTGRES_URL, _url, fresh_postgres


@pytest.fixture
def doomed(postgres_server: Database) -> Iterator[Database]:
    yield from fresh_postgres(postgres_server)


def test_a_lost_database_is_a_503_and_readyz_tells(doomed: Database) -> None:
    app = create_app(Settings(database_url=_url(doomed), pool_size=2))
    with TestClient(app) as client:
        from ledger.tokens import create_token

        token = create_token(app_state(app).running().ledger.tables, role="recorder", division="53")
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            client.post(
                "/v1/households/hh-1/events", headers=headers, json={"events": [f.registered()]}
            ).status_code
            == 201
        )
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{doomed.name}" WITH (FORCE)')
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["code"] == "NOT_READY"
        read = client.get("/v1/households/hh-1", headers=headers)
        assert read.status_code == 503
        assert read.json()["code"] == "SERVICE_UNAVAILABLE"
        assert read.headers["Retry-After"] == "1"
