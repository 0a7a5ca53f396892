"""Erasure (CONTRACT §7.3, §7.8): an admin erases a member; every archive made before or
after still verifies, the erased fields are served as commitments to everyone, only
admins erase, a member is erased once, and no store still holds an erased value."""

import json
import sqlite3
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.domain.personal import is_clear_of_personal_values, is_commitment
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.conftest import Append, problem_code
from tests.e2e.test_cli import LEDGER, run
from tests.logs import rendered_logs

NAME = "欧阳静雯"
BIRTH_DATE = "1958-03-07"
ID_NUMBER = f.id_number(417, "19580307")
ERASED_VALUES = (NAME, ID_NUMBER, BIRTH_DATE)
FILE_NAME = f"{NAME}的申请书.jpg"
RECORDER_NAME = "明文令牌名称甲乙丙"  # a token's name: kept in clear on purpose
KEPT = "王建国"  # the other member's name: not erased


@dataclass
class Household:
    client: TestClient
    admin: dict[str, str]
    auditor: dict[str, str]
    evaluator: dict[str, str]
    recorder: dict[str, str]

    def erase(self, member_id: str = "m2", basis: str = "本人申请删除", **headers: str) -> Any:
        return self.client.post(
            "/v1/households/hh-1/erasures",
            json={"member_id": member_id, "basis": basis},
            headers={**self.admin, **headers},
        )

    def events(self, reader: dict[str, str]) -> list[dict[str, Any]]:
        answer = self.client.get("/v1/households/hh-1/events", headers=reader)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


def stores_holding(database: Database, value: str) -> list[str]:
    """Where ``value`` is stored in clear: ``table.column`` of every column of every table
    (cast to text; bytes read as UTF-8, what does not decode skipped), and ``raw`` when the
    bytes of SQLite's database or write-ahead log file hold it."""
    if database.kind == "sqlite":
        found = _sqlite_columns_holding(database.path, value)
        raw = b"".join(
            Path(p).read_bytes()
            for p in (database.path, f"{database.path}-wal")
            if Path(p).exists()
        )
        return sorted(found) + (["raw"] if value.encode() in raw else [])
    return sorted(_postgres_columns_holding(database, value))


def _text(cell: Any) -> str:
    if isinstance(cell, bytes | memoryview):
        return bytes(cell).decode("utf-8", errors="ignore")
    if isinstance(cell, dict | list):
        return json.dumps(cell, ensure_ascii=False, default=str)
    return str(cell)


def _sqlite_columns_holding(path: str, value: str) -> set[str]:
    found = set()
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                cells = connection.execute(
                    f'SELECT "{column}" FROM "{table}"'
                )  # names from the schema
                if any(value in _text(cell) for (cell,) in cells if cell is not None):
                    found.add(f"{table}.{column}")
    return found


def _postgres_columns_holding(database: Database, value: str) -> set[str]:
    found = set()
    with psycopg.connect(_url(database)) as connection:
        columns = connection.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE')"
        ).fetchall()
        for schema, table, column in columns:
            cells = connection.execute(
                f'SELECT "{column}" FROM "{schema}"."{table}"'
            )  # names from the schema
            if any(value in _text(cell) for (cell,) in cells if cell is not None):
                found.add(f"{table}.{column}")
    return found


def bearer(make_token: Callable[..., str], role: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role, **kwargs)}"}


@pytest.fixture
def household(append: Append, client: TestClient, make_token: Callable[..., str]) -> Household:
    """hh-1: m2 is NAME, born BIRTH_DATE, ID_NUMBER; an actor of the same name recorded
    a member update; a material named after her was uploaded and cited."""
    recorder = bearer(make_token, "recorder", name=RECORDER_NAME)
    upload = client.post(
        "/v1/materials",
        headers=recorder,
        files={"file": (FILE_NAME, b"a signed application form", "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    material = {
        "sha256": upload.json()["sha256"],
        "kind": "application_form",
        "name": FILE_NAME,
        "media_type": "image/jpeg",
        "size": 25,
    }
    registration = f.registered(
        members=[
            f.member("m1", name=KEPT),
            f.member(
                "m2", "spouse", sex="F", name=NAME, id_number=ID_NUMBER, birth_date=BIRTH_DATE
            ),
        ]
    )
    as_herself = {**f.ACTOR, "id": "self-m2", "name": NAME, "role": "household"}
    answer = client.post(
        "/v1/households/hh-1/events",
        json={
            "events": [
                registration,
                f.event("ApplicationSigned", {"member_id": "m2"}, materials=[material]),
                f.event(
                    "MemberUpdated", {"member_id": "m2", "health": "chronic"}, actor=as_herself
                ),
            ]
        },
        headers=recorder,
    )
    assert answer.status_code == 201, answer.text
    return Household(
        client,
        bearer(make_token, "admin", name="管理员"),
        bearer(make_token, "auditor"),
        bearer(make_token, "evaluator"),
        recorder,
    )


def archive(household: Household, reader: dict[str, str], path: Path) -> Path:
    answer = household.client.get("/v1/households/hh-1/archive", headers=reader)
    assert answer.status_code == 200, answer.text
    path.write_bytes(answer.content)
    return path


def archived_events(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as zipped:
        return [json.loads(line) for line in zipped.read("events.jsonl").splitlines()]


def verify(path: Path, public_key: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER, "verify", str(path), "--public-key", str(public_key)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_archives_made_before_and_after_an_erasure_verify_and_the_after_ones_hold_commitments(
    household: Household, database: Database, tmp_path: Path
) -> None:
    public_key = tmp_path / "public-key.json"
    public_key.write_text(household.client.get("/v1/checkpoints/public-key").text)
    before = [
        archive(household, household.auditor, tmp_path / "auditor-before.zip"),
        archive(household, household.evaluator, tmp_path / "evaluator-before.zip"),
    ]
    with rendered_logs() as logs:
        erased = household.erase()
    assert erased.status_code == 201, erased.text
    receipt = erased.json()
    # m2's name, ID number and birth date; the actor's name equal to hers; the file name.
    assert receipt["erased"] == 5
    assert [e["type"] for e in receipt["events"]] == ["PersonalDataErased"]
    assert receipt["version"] == 4
    after = [
        archive(household, household.auditor, tmp_path / "auditor-after.zip"),
        archive(household, household.evaluator, tmp_path / "evaluator-after.zip"),
    ]
    for path in before + after:
        result = verify(path, public_key)
        assert result.returncode == 0, (path.name, result.stdout, result.stderr)
    audit = run(database, "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr

    expected = {"/data/members/1/name", "/data/members/1/id_number", "/data/members/1/birth_date"}
    for path in after:
        registered, signed, updated, recorded = archived_events(path)
        assert set(registered["erased"]) == expected
        assert signed["erased"] == ["/materials/0/name"]
        assert updated["erased"] == ["/actor/name"]
        assert recorded["type"] == "PersonalDataErased"
        assert recorded["data"]["member_id"] == "m2"
        assert recorded["actor"]["role"] == "system"
        for event, pointer in ((registered, "members"), (signed, None), (updated, None)):
            served = json.dumps(event, ensure_ascii=False)
            assert not any(value in served for value in ERASED_VALUES), path.name
            if pointer:
                assert all(is_commitment(event["data"]["members"][1][k]) for k in ("name",))
        assert NAME not in path.read_bytes().decode("utf-8", errors="ignore")
    auditor_after = archived_events(after[0])
    assert auditor_after[0]["data"]["members"][0]["name"] == KEPT  # the other stays open
    assert "/data/members/0/name" in auditor_after[0]["openings"]
    assert all(is_clear_of_personal_values(e) for e in archived_events(after[1]))
    assert not any(value in logs.getvalue() for value in ERASED_VALUES)


def test_every_reader_is_served_the_erased_fields_as_commitments(household: Household) -> None:
    assert household.erase().status_code == 201
    for reader in (household.admin, household.auditor, household.recorder, household.evaluator):
        registered, signed, updated, recorded = household.events(reader)
        assert "/data/members/1/name" in registered["erased"]
        assert is_commitment(registered["data"]["members"][1]["name"])
        assert is_commitment(signed["materials"][0]["name"])
        assert is_commitment(updated["actor"]["name"])
        assert recorded["recorded_by"]["role"] == "admin"
        served = json.dumps([registered, signed, updated, recorded], ensure_ascii=False)
        assert not any(value in served for value in ERASED_VALUES)
        state = household.client.get("/v1/households/hh-1", headers=reader).json()
        assert not any(value in json.dumps(state, ensure_ascii=False) for value in ERASED_VALUES)
    assert household.events(household.auditor)[0]["data"]["members"][0]["name"] == KEPT
    material = household.client.get(
        f"/v1/materials/{household.events(household.auditor)[1]['materials'][0]['sha256']}",
        headers=household.recorder,
    )
    assert NAME not in material.headers.get("content-disposition", "")


def test_a_member_is_erased_once_and_an_unknown_member_not_at_all(household: Household) -> None:
    assert household.erase().status_code == 201
    again = household.erase()
    assert again.status_code == 409, again.text
    assert problem_code(again) == "RULE_VIOLATION"
    assert again.json()["errors"][0]["field"] == "data.member_id"
    unknown = household.erase("m9")
    assert (unknown.status_code, problem_code(unknown)) == (409, "RULE_VIOLATION")
    assert unknown.json()["errors"][0]["field"] == "data.member_id"


def test_only_an_admin_of_the_households_division_erases(
    household: Household, make_token: Callable[..., str]
) -> None:
    for role in ("evaluator", "recorder", "auditor", "intake"):
        refused = household.erase(**bearer(make_token, role))
        assert (refused.status_code, problem_code(refused)) == (403, "FORBIDDEN"), role
    elsewhere = household.erase(**bearer(make_token, "admin", division="44"))
    assert (elsewhere.status_code, problem_code(elsewhere)) == (404, "UNKNOWN_HOUSEHOLD")
    nobody = household.client.post(
        "/v1/households/nobody/erasures",
        json={"member_id": "m2", "basis": "x"},
        headers=household.admin,
    )
    assert (nobody.status_code, problem_code(nobody)) == (404, "UNKNOWN_HOUSEHOLD")
    assert household.events(household.auditor)[0]["erased"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"member_id": "m2", "basis": "a\x07bell"}, "basis"),
        ({"member_id": "m2", "basis": ""}, "basis"),
        ({"member_id": "m2", "basis": "x" * 4001}, "basis"),
        ({"member_id": "m 2", "basis": "x"}, "member_id"),
        ({"member_id": "m2"}, "basis"),
    ],
)
def test_an_invalid_erasure_is_refused_naming_its_field(
    household: Household, body: dict[str, Any], field: str
) -> None:
    refused = household.client.post(
        "/v1/households/hh-1/erasures", json=body, headers=household.admin
    )
    assert (refused.status_code, problem_code(refused)) == (422, "VALIDATION_FAILED")
    assert [e["field"] for e in refused.json()["errors"]] == [field]


def test_an_erasure_is_never_recorded_on_its_own(household: Household) -> None:
    """PersonalDataErased through the events route would say erased and erase nothing."""
    event = f.event("PersonalDataErased", {"member_id": "m2", "basis": "x"})
    refused = household.client.post(
        "/v1/households/hh-1/events", json={"events": [event]}, headers=household.admin
    )
    assert (refused.status_code, problem_code(refused)) == (403, "FORBIDDEN")
    assert household.erase().status_code == 201


def test_ledger_erase_erases_and_refuses_a_second_time(
    household: Household, database: Database
) -> None:
    done = run(database, "erase", "hh-1", "--member", "m2", "--basis", "本人申请")
    assert done.returncode == 0, done.stderr
    assert "5 personal fields" in done.stdout
    registered = household.events(household.auditor)[0]
    assert is_commitment(registered["data"]["members"][1]["name"])
    again = run(database, "erase", "hh-1", "--member", "m2", "--basis", "本人申请")
    assert again.returncode == 1
    assert "the erasure is refused" in again.stderr
    assert "already erased" in again.stderr
    unknown = run(database, "erase", "nobody", "--member", "m2", "--basis", "x")
    assert unknown.returncode == 1
    assert "not registered" in unknown.stderr


def test_no_store_holds_an_erased_value(household: Household, database: Database) -> None:
    services = services_of(household.client)
    vault = services.ledger.personal
    # Before: ID numbers and birth dates are nowhere in clear, not even in the raw files
    # (a backup alone reveals nothing); the name only in the uploads' file names.
    assert stores_holding(database, ID_NUMBER) == stores_holding(database, BIRTH_DATE) == []
    assert stores_holding(database, NAME) == [
        "material_uploads.file_name",
        "materials.file_name",
        *(["raw"] if database.kind == "sqlite" else []),
    ]
    assert "api_tokens.name" in stores_holding(database, RECORDER_NAME)  # the search finds
    opened = [vault.open_row(r) for r in services.ledger.stores.personal.of_household("hh-1")]
    assert {NAME, ID_NUMBER, BIRTH_DATE} <= {o.value for o in opened if o is not None}

    assert household.erase().status_code == 201

    for value in ERASED_VALUES:
        assert stores_holding(database, value) == [], value
    assert "api_tokens.name" in stores_holding(database, RECORDER_NAME)
    assert stores_holding(database, KEPT) == []  # sealed, as before
    rows = services.ledger.stores.personal.of_household("hh-1")
    values = [o.value for o in map(vault.open_row, rows) if o is not None]
    assert KEPT in values
    assert not any(v in ERASED_VALUES or (isinstance(v, str) and NAME in v) for v in values)
