"""CONTRACT §7.4 over HTTP: the checkpoint as a C2SP signed note and the log's verifier
key; the origin fixed by the first note; the note key kept like the signing key."""

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.transparency.c2sp.checkpoint import parse_checkpoint
from ledger.transparency.c2sp.note import open_note, parse_vkey
from ledger.transparency.signing import KeyFileError
from tests import factories as f
from tests.conftest import _url
from tests.e2e.conftest import Append


def test_the_checkpoint_note_verifies_with_the_served_vkey_and_matches_the_json_checkpoint(
    client: TestClient, auth: dict[str, str], append: Append
) -> None:
    assert append("hh-note", f.registered(), f.survey()).status_code == 201
    json_checkpoint = client.get("/v1/checkpoints/latest?fresh=true", headers=auth).json()

    vkey = client.get("/log/vkey")
    note = client.get("/log/checkpoint")  # no token: public

    assert vkey.status_code == note.status_code == 200
    assert note.headers["content-type"] == "text/plain; charset=utf-8"
    assert "max-age" in note.headers["cache-control"]
    verifier = parse_vkey(vkey.text)
    opened = open_note(note.text, [verifier])
    checkpoint = parse_checkpoint(opened.note.text)
    assert checkpoint.origin == verifier.name
    assert checkpoint.size == json_checkpoint["tree_size"] == 2
    assert checkpoint.root == bytes.fromhex(json_checkpoint["root_hash"])


def test_a_tampered_note_does_not_verify(client: TestClient, append: Append) -> None:
    assert append("hh-tamper", f.registered()).status_code == 201
    verifier = parse_vkey(client.get("/log/vkey").text)
    text = client.get("/log/checkpoint").text
    lines = text.split("\n")
    lines[2] = base64.b64encode(hashlib.sha256(b"another tree").digest()).decode()
    with pytest.raises(ValueError, match="does not verify"):
        open_note("\n".join(lines), [verifier])


def test_the_origin_is_configured_then_fixed(database: Database, tmp_path: object) -> None:
    origin = "ledger.example.gov.cn/fpjc/530925"
    settings = Settings(database_url=_url(database), log_origin=origin)
    with TestClient(create_app(settings)) as client:
        assert client.get("/log/vkey").text.startswith(origin + "+")
        assert client.get("/log/checkpoint").text.startswith(origin + "\n0\n")

    moved = Settings(database_url=_url(database), log_origin="ledger.example.gov.cn/other")
    with pytest.raises(KeyFileError, match=re.escape(origin)), TestClient(create_app(moved)):
        pass
    unset = Settings(database_url=_url(database))  # keeps the signed one
    with TestClient(create_app(unset)) as client:
        assert client.get("/log/vkey").text.startswith(origin + "+")


def test_a_lost_note_key_is_not_replaced_once_notes_are_signed(
    database: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    with TestClient(create_app(Settings(database_url=_url(database)))) as client:
        assert client.get("/log/checkpoint").status_code == 200
    monkeypatch.setenv("LEDGER_NOTE_KEY", f"{tmp_path}/elsewhere/note-key.pem")
    restarted = create_app(Settings(database_url=_url(database)))
    with pytest.raises(KeyFileError, match="LEDGER_NOTE_KEY"), TestClient(restarted):
        pass


@pytest.mark.parametrize("origin", ["has space/x", "a+b", "", "x" * 256])
def test_an_origin_that_is_no_key_name_is_refused(origin: str) -> None:
    with pytest.raises(ValueError, match="schema-less URL"):
        Settings(log_origin=origin)


def test_a_witness_policy_that_does_not_list_this_log_is_refused_at_start(
    database: Database, tmp_path: object
) -> None:
    other = "ledger.invalid/other+00000000+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    policy = f"{tmp_path}/policy.txt"
    with open(policy, "w") as file:
        file.write(f"log {other}\nquorum none\n")
    settings = Settings(database_url=_url(database), witness_policy=policy)
    with pytest.raises(KeyFileError, match="policy"), TestClient(create_app(settings)):
        pass
