"""A service whose start is refused half-way closes what it had opened: its pool's
connections end with the refusal, not whenever the garbage collector (running in one of
the pool's own threads, where closing it fails) gets to them."""

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.transparency.signing import KeyFileError
from tests.conftest import POSTGRES_URL, _url, fresh_postgres


@pytest.fixture
def postgres_database(postgres_server: Database) -> Iterator[Database]:
    yield from fresh_postgres(postgres_server)


def connections_to(database: Database, *, settle_s: float = 5.0) -> int:
    """The connections open to ``database``, once those being closed are gone: a server
    process leaves pg_stat_activity a moment after its client hung up (seen in CI: 2 still
    listed right after a refused start). A connection left open stays listed."""
    deadline = time.monotonic() + settle_s
    while True:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database.name,)
            ).fetchone()
        assert row is not None
        if int(row[0]) == 0 or time.monotonic() > deadline:
            return int(row[0])
        time.sleep(0.1)


def test_a_start_refused_for_a_signing_key_others_can_read_leaves_no_connection_open(
    postgres_database: Database, tmp_path: Path
) -> None:
    key = tmp_path / "signing-key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n")
    key.chmod(0o644)
    settings = Settings(
        database_url=_url(postgres_database),
        signing_key=str(key),
        materials_dir=str(tmp_path / "materials"),
    )
    with pytest.raises(KeyFileError), TestClient(create_app(settings)):
        pass
    assert connections_to(postgres_database) == 0
