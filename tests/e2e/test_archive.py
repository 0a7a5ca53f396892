"""The trace archive: served over HTTP and by the CLI, verified offline by `ledger verify`
with nothing but the zip (and the public key), and every kind of tampering caught."""

import hashlib
import json
import os
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from cli import main
from ledger.domain import merkle
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.conftest import Append, problem_code
from tests.e2e.test_cli import LEDGER

Rewrite = Callable[[dict[str, bytes]], None]


def _material(client: TestClient, auth: dict[str, str], content: bytes) -> dict[str, Any]:
    response = client.post(
        "/v1/materials", headers=auth, files={"file": ("公示照片.jpg", content, "image/jpeg")}
    )
    assert response.status_code == 201, response.text
    return {
        "sha256": response.json()["sha256"],
        "kind": "notice_photo",
        "name": "公示照片.jpg",
        "media_type": "image/jpeg",
        "size": len(content),
    }


@pytest.fixture
def archive(append: Append, client: TestClient, auth: dict[str, str], tmp_path: Path) -> Path:
    """A household of five events, one citing a stored material, archived over HTTP."""
    photo = _material(client, auth, b"\xff\xd8 a photo of the notice")
    survey = f.survey()
    survey["materials"] = [photo, f.MATERIAL]  # the second is cited but not stored
    assert append("other", f.registered()).status_code == 201  # leaves before ours
    response = append(
        "hh-1",
        f.registered(),
        survey,
        f.marked("enrolled", "sudden_hardship"),
        f.event("MemberUpdated", {"member_id": "m2", "health": "chronic"}),
        f.event("MemberUpdated", {"member_id": "m1", "labor": "partial"}),
    )
    assert response.status_code == 201, response.text
    download = client.get("/v1/households/hh-1/archive", headers=auth)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    assert "hh-1-trace-archive.zip" in download.headers["content-disposition"]
    path = tmp_path / "hh-1.zip"
    path.write_bytes(download.content)
    return path


@pytest.fixture
def public_key(client: TestClient, tmp_path: Path) -> Path:
    path = tmp_path / "public-key.json"
    path.write_text(client.get("/v1/checkpoints/public-key").text)
    return path


def _verify(path: Path, *options: str) -> Result:
    """``ledger verify`` in-process (the subprocess route is tested once, below)."""
    return CliRunner().invoke(main, ["verify", str(path), *options])


def _tampered(path: Path, rewrite: Rewrite) -> Path:
    with zipfile.ZipFile(path) as original:
        members = {name: original.read(name) for name in original.namelist()}
    rewrite(members)
    tampered = path.with_name("tampered.zip")
    with zipfile.ZipFile(tampered, "w") as out:
        for name, content in members.items():
            out.writestr(name, content)
    return tampered


def _events(members: dict[str, bytes]) -> list[bytes]:
    return members["events.jsonl"].splitlines(keepends=True)


def test_the_archive_holds_what_the_contract_lists(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        events = [json.loads(line) for line in zipped.read("events.jsonl").splitlines()]
        materials = json.loads(zipped.read("materials.json"))
        report = zipped.read("report.html").decode()
        manifest = json.loads(zipped.read("manifest.json"))
    assert {
        "manifest.json",
        "events.jsonl",
        "chain.json",
        "checkpoint.json",
        "public-key.json",
        "proofs.json",
        "materials.json",
        "report.html",
    } <= names
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert manifest["head_hash"] == events[-1]["hash"]
    stored = [m for m in materials if m["included"]]
    assert len(stored) == 1
    assert f"materials/{stored[0]['sha256']}" in names
    assert f"materials/{f.MATERIAL['sha256']}" not in names  # cited, never uploaded
    assert "痕迹资料" in report


def test_an_untouched_archive_verifies_offline(archive: Path, public_key: Path) -> None:
    result = subprocess.run(
        [LEDGER, "verify", str(archive), "--public-key", str(public_key)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: household hh-1: 5 events")
    assert _verify(archive, "--public-key", str(public_key)).exit_code == 0


def test_archived_proofs_verify_against_the_archived_checkpoint(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        events = [json.loads(line) for line in zipped.read("events.jsonl").splitlines()]
        proofs = {p["event_id"]: p for p in json.loads(zipped.read("proofs.json"))}
        root = bytes.fromhex(json.loads(zipped.read("checkpoint.json"))["root_hash"])
    for event in events:
        proof = proofs[event["id"]]
        assert merkle.verify_inclusion(
            proof["leaf_index"],
            proof["tree_size"],
            hashlib.sha256(b"\x00" + bytes.fromhex(event["hash"])).digest(),
            [bytes.fromhex(h) for h in proof["path"]],
            root,
        )


def _change_one_character(members: dict[str, bytes]) -> None:
    lines = _events(members)
    lines[1] = (
        lines[1].replace("大文一组".encode(), "大文二组".encode(), 1)
        if "大文一组".encode() in lines[1]
        else lines[1].replace(b"9000", b"9001", 1)
    )
    members["events.jsonl"] = b"".join(lines)


def _drop_middle_event(members: dict[str, bytes]) -> None:
    lines = _events(members)
    members["events.jsonl"] = b"".join(lines[:2] + lines[3:])


def _drop_last_event(members: dict[str, bytes]) -> None:
    members["events.jsonl"] = b"".join(_events(members)[:-1])


def _swap_events(members: dict[str, bytes]) -> None:
    lines = _events(members)
    lines[3], lines[4] = lines[4], lines[3]
    members["events.jsonl"] = b"".join(lines)


def _alter_material(members: dict[str, bytes]) -> None:
    [name] = [n for n in members if n.startswith("materials/")]
    members[name] = members[name] + b"!"


def _alter_report(members: dict[str, bytes]) -> None:
    members["report.html"] = members["report.html"].replace("痕迹".encode(), "痕跡".encode(), 1)


def _alter_checkpoint(members: dict[str, bytes]) -> None:
    checkpoint = json.loads(members["checkpoint.json"])
    checkpoint["tree_size"] += 1
    members["checkpoint.json"] = json.dumps(checkpoint).encode()


def _alter_proof(members: dict[str, bytes]) -> None:
    proofs = json.loads(members["proofs.json"])
    proofs[0]["path"][0] = "00" * 32
    members["proofs.json"] = json.dumps(proofs).encode()


def _drop_proof(members: dict[str, bytes]) -> None:
    members["proofs.json"] = json.dumps(json.loads(members["proofs.json"])[1:]).encode()


@pytest.mark.parametrize(
    ("rewrite", "message"),
    [
        (_change_one_character, "content does not match its hash"),
        (_drop_middle_event, "expected version 3"),
        (_drop_last_event, "events were removed"),
        (_swap_events, "expected version 4"),
        (_alter_material, "the material was altered"),
        (_alter_report, "report.html was changed"),
        (_alter_checkpoint, "checkpoint's signature does not hold"),
        (_alter_proof, "not in the signed tree"),
        (_drop_proof, "has no inclusion proof"),
    ],
)
def test_tampering_fails_verification_and_says_what(
    archive: Path, rewrite: Rewrite, message: str
) -> None:
    result = _verify(_tampered(archive, rewrite))
    assert result.exit_code == 1
    assert result.stderr.startswith("FAILED:")
    assert message in result.stderr, result.stderr


def test_an_archive_signed_by_another_key_is_refused(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"public_key": "A" * 43 + "="}))
    result = _verify(archive, "--public-key", str(other))
    assert result.exit_code == 1
    assert "not with the given public key" in result.stderr


def test_a_file_that_is_not_an_archive_fails_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    result = _verify(junk)
    assert result.exit_code == 1
    assert "not a readable zip archive" in result.stderr


def test_a_household_outside_the_division_has_no_archive(
    archive: Path, client: TestClient, make_token: Callable[..., str]
) -> None:
    elsewhere = {"Authorization": f"Bearer {make_token(role='auditor', division='44')}"}
    response = client.get("/v1/households/hh-1/archive", headers=elsewhere)
    assert (response.status_code, problem_code(response)) == (404, "UNKNOWN_HOUSEHOLD")
    missing = client.get(
        "/v1/households/nobody/archive",
        headers={"Authorization": f"Bearer {make_token(role='auditor')}"},
    )
    assert (missing.status_code, problem_code(missing)) == (404, "UNKNOWN_HOUSEHOLD")


def test_the_cli_exports_the_archive_the_api_serves(
    archive: Path, client: TestClient, public_key: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "exported.zip"
    env = _env(client)
    result = subprocess.run(
        [LEDGER, "archive", "export", "hh-1", "-o", str(exported)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(archive) as served, zipfile.ZipFile(exported) as cli:
        assert set(served.namelist()) == set(cli.namelist())
        assert served.read("events.jsonl") == cli.read("events.jsonl")
    assert _verify(exported, "--public-key", str(public_key)).exit_code == 0
    unknown = subprocess.run(
        [LEDGER, "archive", "export", "nobody", "-o", str(exported)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unknown.returncode == 1
    assert "not registered" in unknown.stderr


def _env(client: TestClient) -> dict[str, str]:
    """The CLI on the test app's database, key and materials (the key is in os.environ)."""
    url = services_of(client).settings.database_url
    return {**os.environ, "LEDGER_DATABASE_URL": url}
