"""The ``ledger`` console script as an operator runs it: migrate, token create, serve."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bootstrap.settings import Settings
from cli.context import opened_ledger
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.integration.test_append_only import postgres, service_database  # noqa: F401 (fixtures)

LEDGER = str(Path(sys.executable).with_name("ledger"))


def run(database: Database, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER_DATABASE_URL": _url(database), **settings}
    return subprocess.run(
        [LEDGER, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(empty_database: Database) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "LEDGER_DATABASE_URL": _url(empty_database)}
    server = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("ledger serve did not become ready within 30 s")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_migrate_is_idempotent(empty_database: Database) -> None:
    first, second = run(empty_database, "migrate"), run(empty_database, "migrate")
    assert first.returncode == second.returncode == 0, first.stderr
    assert "applied: 0001_core" in first.stdout
    assert "already up to date" in second.stdout


def test_token_create_prints_the_token_alone_on_the_last_line(empty_database: Database) -> None:
    created = run(
        empty_database,
        "token",
        "create",
        "--role",
        "department",
        "--division",
        "530925",
        "--department",
        "civil_affairs",
        "--name",
        "民政局",
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ldg_")
    assert " " not in token
    listed = run(empty_database, "token", "list")
    assert "civil_affairs" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # the secret may itself hold "_"
    refused = run(empty_database, "token", "create", "--role", "department", "--division", "53")
    assert refused.returncode != 0
    assert "department" in refused.stderr


def test_a_refused_rules_file_is_named_not_a_traceback(
    empty_database: Database, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("floors = [", encoding="utf-8")
    result = run(
        empty_database,
        "token",
        "create",
        "--role",
        "admin",
        "--division",
        "53",
        LEDGER_RULES_FILE=str(rules),
    )
    assert result.returncode == 1
    assert "the rules configuration is refused: not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_auto_migrate_off_the_cli_leaves_the_schema_to_ledger_migrate(
    empty_database: Database,
) -> None:
    listed = run(empty_database, "token", "list", LEDGER_AUTO_MIGRATE="false")
    assert listed.returncode != 0  # no tables: nothing migrated them
    assert "applied: 0001_core" in run(empty_database, "migrate").stdout


def test_the_service_role_creates_tokens_with_auto_migrate_off(
    service_database: Database,
) -> None:
    """The deployment's service role may not read ``schema_migrations`` (README): with
    ``LEDGER_AUTO_MIGRATE=false`` the CLI runs as that role, as the service does."""
    created = run(
        service_database,
        *("token", "create", "--role", "recorder", "--division", "53"),
        LEDGER_AUTO_MIGRATE="false",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().splitlines()[-1].startswith("ldg_")


def test_the_cli_opens_postgresql_with_the_configured_pool_and_lock_timeout(
    service_database: Database,
) -> None:
    settings = Settings(
        database_url=_url(service_database),
        auto_migrate=False,
        pool_size=3,
        lock_timeout_s=7,
    )
    with opened_ledger(settings) as ledger:
        assert ledger.env["POSTGRES_POOL_SIZE"] == "3"
        assert ledger.env["POSTGRES_LOCK_TIMEOUT"] == "7"


def test_serve_answers_an_append_and_a_read(served: str, empty_database: Database) -> None:
    token = (
        run(empty_database, "token", "create", "--role", "recorder", "--division", "53")
        .stdout.strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {token}"}
    appended = httpx.post(
        f"{served}/v1/households/hh-cli/events",
        headers=headers,
        json={"events": [f.registered(), f.survey()]},
    )
    assert appended.status_code == 201, appended.text
    state = httpx.get(f"{served}/v1/households/hh-cli", headers=headers).json()
    assert state["version"] == 2
    assert state["latest_survey"]["per_capita_net_income"] == 6000
    assert appended.headers["x-request-id"]


def test_a_revoked_token_is_refused(served: str, empty_database: Database) -> None:
    token = (
        run(empty_database, "token", "create", "--role", "auditor", "--division", "53")
        .stdout.strip()
        .splitlines()[-1]
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{served}/v1/feed", headers=headers).status_code == 200
    assert run(empty_database, "token", "revoke", token.split("_")[1]).returncode == 0
    assert httpx.get(f"{served}/v1/feed", headers=headers).status_code == 401


def test_projections_rebuild_reports_its_position(empty_database: Database) -> None:
    token = (
        run(empty_database, "token", "create", "--role", "recorder", "--division", "53")
        .stdout.strip()
        .splitlines()[-1]
    )
    assert token
    from fastapi.testclient import TestClient

    from api.app import create_app
    from bootstrap.settings import Settings

    with TestClient(create_app(Settings(database_url=_url(empty_database)))) as client:
        client.post(
            "/v1/households/hh-r/events",
            headers={"Authorization": f"Bearer {token}"},
            json={"events": f.county_household(1)},
        )
    rebuilt = run(empty_database, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "rebuilt up to log position" in rebuilt.stdout


def test_an_external_projection_process_keeps_the_lists_current(empty_database: Database) -> None:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": _url(empty_database),
        "LEDGER_PROJECTIONS": "external",
        "LEDGER_PROJECTION_WAIT_S": "20",
    }
    port = free_port()
    server = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    follower = None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = (
            run(empty_database, "token", "create", "--role", "recorder", "--division", "53")
            .stdout.strip()
            .splitlines()[-1]
        )
        headers = {"Authorization": f"Bearer {token}"}
        assert (
            httpx.post(
                f"{base}/v1/households/hh-x/events",
                headers=headers,
                json={"events": f.county_household(1)},
            ).status_code
            == 201
        )
        follower = subprocess.Popen(
            [LEDGER, "projections", "run", "--poll-interval", "0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        listed = httpx.get(f"{base}/v1/completeness", headers=headers, timeout=30).json()
        assert [i["household_id"] for i in listed["items"]] == ["hh-x"]
    finally:
        for process in (follower, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
