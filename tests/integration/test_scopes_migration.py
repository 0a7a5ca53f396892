"""Migration 0009 keeps what was promised before it: an idempotency key stored before keys
had owners still replays to the token that used it — and to no one else — and a
material uploaded before it is still its uploader's.

Since contract v2 (§7.3) a database holding events is not migrated past 0011 (its events
were hashed by v1), and a key is only ever stored with its append's events: a key without
an owner no longer comes from a migrated ledger, but the service still honours one as
0009 leaves it (owner ``''``), and that is what is checked. A ledger holding tokens and
materials but no event still migrates, so a material uploaded before 0009 still does."""

import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap import migrate
from bootstrap.settings import Settings
from ledger.appending import AppendPipeline
from ledger.domain.commands import AppendBatch, request_digest
from ledger.materials import MaterialStore
from ledger.persistence import postgres, sqlite
from ledger.persistence.database import Database
from ledger.persistence.migrate import migration_scripts
from ledger.persistence.tables import UNKNOWN_OWNER
from ledger.tokens import authenticate, create_token
from tests import factories as f
from tests.conftest import _url, services_of

BEFORE = "0009"


def _migrate_before_0009(database: Database) -> None:
    kind = "sqlite" if database.kind == "sqlite" else "postgres"
    scripts = [(v, sql) for v, sql in migration_scripts(kind) if v < BEFORE]
    if database.kind == "sqlite":
        sqlite.apply_migrations(database.path, scripts)
    else:
        postgres.apply_migrations(database, scripts)


def _sql(database: Database) -> Callable[[str, tuple[Any, ...]], None]:
    def run(statement: str, params: tuple[Any, ...]) -> None:
        if database.kind == "sqlite":
            with sqlite3.connect(database.path) as connection:
                connection.execute(statement, params)
        else:
            with psycopg.connect(_url(database), autocommit=True) as connection:
                connection.execute(statement.replace("?", "%s"), params)

    return run


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def test_a_key_stored_before_owners_replays_to_its_token_only(database: Database) -> None:
    body = {"events": [f.registered(), f.survey()]}
    batch = AppendBatch.model_validate(body)
    with TestClient(create_app(Settings(database_url=_url(database)))) as client:
        ledger = services_of(client).ledger
        ours = create_token(ledger.tables, role="recorder", division="530925")
        theirs = create_token(ledger.tables, role="recorder", division="530925")
        caller = authenticate(ledger.tables, ours)
        response = AppendPipeline(ledger).append("hh-1", batch.events, caller).response
        # The row as migration 0009 left one written before it: no owner.
        _sql(database)(
            "INSERT INTO idempotency_keys (idempotency_key, token_id, request_digest, "
            "household_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                "before-0009",
                UNKNOWN_OWNER,
                request_digest("hh-1", batch, ledger.personal.request_key),
                "hh-1",
                orjson.dumps(response).decode(),
                datetime.now(UTC).isoformat(),
            ),
        )

        def post(token: str) -> Any:
            return client.post(
                "/v1/households/hh-1/events",
                json={"events": [f.survey()]},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "before-0009"},
            )

        def retry(token: str) -> Any:
            return client.post(
                "/v1/households/hh-1/events",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "before-0009"},
            )

        replayed = retry(ours)
        assert replayed.status_code == 201, replayed.text
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert replayed.json() == response
        assert post(ours).json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        # Another token's request with that key is its own: here, a registration refused.
        other = retry(theirs)
        assert (other.status_code, other.json()["code"]) == (409, "ALREADY_REGISTERED")
        assert post(theirs).status_code == 201


def test_a_material_uploaded_before_0009_is_still_its_uploaders(
    empty_database: Database, tmp_path: Path
) -> None:
    _migrate_before_0009(empty_database)
    sql = _sql(empty_database)
    content = "入户调查表".encode() * 100
    # The file where the app finds it (tests/conftest.py), and its token and `materials`
    # row as the service wrote them before 0009 (no `material_uploads` then).
    stored = MaterialStore(tmp_path / "materials").put([content])
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = datetime.now(UTC).isoformat()
    sql(
        "INSERT INTO api_tokens (token_id, secret_sha256, name, role, division, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            token_id,
            hashlib.sha256(secret.encode()).hexdigest(),
            "录入员",
            "recorder",
            "530925",
            now,
        ),
    )
    sql(
        "INSERT INTO materials (sha256, size, media_type, file_name, uploaded_at, "
        "uploaded_by, uploader_division) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (stored.sha256, stored.size, "image/jpeg", "调查表.jpg", now, token_id, "530925"),
    )
    migrate(empty_database)  # no event: a v1 ledger of tokens and materials reaches v2
    headers = {"Authorization": f"Bearer ldg_{token_id}_{secret}"}
    with TestClient(create_app(Settings(database_url=_url(empty_database)))) as client:
        download = client.get(f"/v1/materials/{stored.sha256}", headers=headers)
        assert download.status_code == 200, download.text
        assert download.content == content
        other = create_token(services_of(client).ledger.tables, role="recorder", division="53")
        refused = client.get(
            f"/v1/materials/{stored.sha256}", headers={"Authorization": f"Bearer {other}"}
        )
        assert refused.status_code == 404, refused.text
