"""Real requests carrying a token, names and ID numbers leave none of them in the rendered
log lines; error responses never echo a token or a database password."""

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.state import app_state
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import POSTGRES_URL, fresh_postgres
from tests.e2e.test_cli import LEDGER
from tests.logs import rendered_logs

NAME = "欧阳娜娜"
ID_NUMBER = f.id_number(7)
WRONG_CHECK_DIGIT = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
PASSWORD = "secretpw"
UNREACHABLE = f"postgresql://user:{PASSWORD}@127.0.0.1:1/x"


def _household(id_number: str) -> dict[str, Any]:
    return f.registered(members=[f.member("m1", name=NAME, id_number=id_number)])


def test_appends_refusals_and_failures_log_no_token_name_or_id_number(
    client: TestClient, make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = make_token(role="recorder")
    auth = {"Authorization": f"Bearer {token}"}
    failing = TestClient(client.app, raise_server_exceptions=False)

    def explode(*_: Any, **__: Any) -> NoReturn:
        raise RuntimeError(f"could not decide on {ID_NUMBER} for {token} at {UNREACHABLE}")

    with rendered_logs() as logs:
        appended = client.post(
            "/v1/households/hh-1/events", headers=auth, json={"events": [_household(ID_NUMBER)]}
        )
        assert appended.status_code == 201, appended.text
        refused = client.post(
            "/v1/households/hh-2/events",
            headers=auth,
            json={"events": [_household(WRONG_CHECK_DIGIT)]},
        )
        assert refused.status_code == 422, refused.text
        # Some upstream systems key households by the head's ID number: it is in the path.
        assert client.get(f"/v1/households/{ID_NUMBER}", headers=auth).status_code == 404
        monkeypatch.setattr("ledger.appending.decide_sealed", explode)
        failed = failing.post(
            "/v1/households/hh-3/events", headers=auth, json={"events": [_household(ID_NUMBER)]}
        )
        assert failed.status_code == 500
    output = logs.getvalue()
    assert output.count('"event": "request"') == 4  # every request's line was captured
    assert "RuntimeError: could not decide on" in output  # and the traceback, redacted
    for secret in (token, token.split("_", 2)[2], NAME, ID_NUMBER, WRONG_CHECK_DIGIT, PASSWORD):
        assert secret not in output
    assert PASSWORD not in failed.text
    assert token not in failed.text


def test_a_refused_token_is_not_echoed(client: TestClient, make_token: Callable[..., str]) -> None:
    forged = make_token()[:-4] + "AAAA"
    with rendered_logs() as logs:
        response = client.get("/v1/households/hh-1", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert forged.split("_", 2)[2] not in response.text
    assert forged.split("_", 2)[2] not in logs.getvalue()


def test_a_service_that_cannot_reach_its_database_prints_no_password(tmp_path: Path) -> None:
    env = {**os.environ, "LEDGER_DATABASE_URL": UNREACHABLE}
    for command in (["serve", "--port", "0"], ["migrate"]):
        result = subprocess.run(
            [LEDGER, *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )
        assert result.returncode != 0
        assert "Connection refused" in result.stdout + result.stderr
        assert PASSWORD not in result.stdout + result.stderr


@pytest.fixture
def password_in_url(postgres_server: Database) -> Iterator[tuple[Database, str]]:
    """A PostgreSQL database reached through a URL with a password (the test server
    trusts local connections, so any password is accepted)."""
    for database in fresh_postgres(postgres_server):
        yield (
            database,
            (
                f"postgresql://{database.user}:{PASSWORD}@{database.host}:"
                f"{database.port}/{database.name}"
            ),
        )


def test_a_503_for_a_lost_database_echoes_no_password(
    password_in_url: tuple[Database, str],
) -> None:
    database, url = password_in_url
    app = create_app(Settings(database_url=url, pool_size=2))
    with TestClient(app) as client, rendered_logs() as logs:
        token = create_token(app_state(app).running().ledger.tables, role="recorder", division="53")
        auth = {"Authorization": f"Bearer {token}"}
        assert (
            client.post(
                "/v1/households/hh-1/events", headers=auth, json={"events": [f.registered()]}
            ).status_code
            == 201
        )
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{database.name}" WITH (FORCE)')
        read = client.get("/v1/households/hh-1", headers=auth)
        ready = client.get("/readyz")
    assert (read.status_code, ready.status_code) == (503, 503)
    for text in (read.text, ready.text, logs.getvalue()):
        assert PASSWORD not in text
