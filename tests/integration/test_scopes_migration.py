"""Migration 0009 keeps what was promised before it: an idempotency key stored before keys
had owners still replays to the token that used it — and to no one else — and a
material uploaded before it is still its uploader's."""

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap import open_ledger
from bootstrap.settings import Settings
from ledger.appending import AppendPipeline
from ledger.domain.commands import AppendBatch, request_digest
from ledger.persistence import postgres, sqlite
from ledger.persistence.database import Database
from ledger.persistence.migrate import migration_scripts
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


def test_a_key_stored_before_owners_replays_to_its_token_only(empty_database: Database) -> None:
    _migrate_before_0009(empty_database)
    body = {"events": [f.registered(), f.survey()]}
    batch = AppendBatch.model_validate(body)
    ledger = open_ledger(empty_database, pool_size=2)
    try:
        ours = create_token(ledger.tables, role="recorder", division="530925")
        theirs = create_token(ledger.tables, role="recorder", division="530925")
        caller = authenticate(ledger.tables, ours)
        response = AppendPipeline(ledger).append("hh-1", batch.events, caller).response
    finally:
        ledger.close()
    # The row as the service wrote it before migration 0009: no owner.
    _sql(empty_database)(
        "INSERT INTO idempotency_keys (idempotency_key, request_digest, household_id, "
        "response, created_at) VALUES (?, ?, ?, ?, ?)",
        (
            "before-0009",
            request_digest("hh-1", batch),
            "hh-1",
            orjson.dumps(response).decode(),
            datetime.now(UTC).isoformat(),
        ),
    )

    with TestClient(create_app(Settings(database_url=_url(empty_database)))) as client:

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
    empty_database: Database, tmp_path: Any
) -> None:
    _migrate_before_0009(empty_database)
    content = "入户调查表".encode() * 100
    with TestClient(
        create_app(Settings(database_url=_url(empty_database), auto_migrate=False))
    ) as client:
        tables = services_of(client).ledger.tables
        token = create_token(tables, role="recorder", division="530925")
        headers = {"Authorization": f"Bearer {token}"}
        # Uploaded as the service did before 0009: only the `materials` row.
        stored = services_of(client).materials.put([content])
        _sql(empty_database)(
            "INSERT INTO materials (sha256, size, media_type, file_name, uploaded_at, "
            "uploaded_by, uploader_division) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                stored.sha256,
                stored.size,
                "image/jpeg",
                "调查表.jpg",
                datetime.now(UTC).isoformat(),
                token.split("_")[1],
                "530925",
            ),
        )
    with TestClient(create_app(Settings(database_url=_url(empty_database)))) as client:
        download = client.get(f"/v1/materials/{stored.sha256}", headers=headers)
        assert download.status_code == 200, download.text
        assert download.content == content
