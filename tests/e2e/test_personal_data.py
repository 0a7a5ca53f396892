"""Evaluators never see a name, an ID number or a birth date — in any read, list, export or
archive — but their commitments, while auditors see the values with their openings; every
served event re-hashes, in either form, and tampering with an archive still fails."""

import base64
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cli import main
from ledger.domain.personal import (
    MEMBER_FIELDS,
    fields_of,
    hashed_form,
    is_clear_of_personal_values,
    is_commitment,
    rehash,
)
from tests import factories as f
from tests.e2e.conftest import Append

HEAD, SPOUSE, CHILD = "欧阳娜娜", "王小红", "岩温"
ACTOR = {**f.ACTOR, "name": "赵调查"}
RECORDER = "周录入"
FILE_NAME = f"{HEAD}采集表.jpg"
ID_NUMBERS = (f.id_number(11), f.id_number(12), f.id_number(13, "20150301"))
SECRETS = (HEAD, SPOUSE, CHILD, ACTOR["name"], RECORDER, FILE_NAME, *ID_NUMBERS)
# What an evaluator is not served either: the members' birth dates, as dates and as the
# ID numbers' birth segments (characters 7–14).
BIRTHS = ("1980-01-01", "19800101", "2015-03-01", "20150301")


def _event(type_: str, data: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {**f.event(type_, data, **envelope), "actor": ACTOR}


@pytest.fixture
def seeded(append: Append, client: TestClient, make_token: Callable[..., str]) -> str:
    """hh-1: three named members with ID numbers, a survey citing a stored file named after
    the head, an enrollment without its procedure (gaps) and an unanswered application
    (a look-back candidate); recorded by a named recorder."""
    recorder = {"Authorization": f"Bearer {make_token(name=RECORDER)}"}
    upload = client.post(
        "/v1/materials",
        headers=recorder,
        files={"file": (FILE_NAME, b"scan of a survey form", "image/jpeg")},
    )
    assert upload.status_code == 201, upload.text
    material = {
        "sha256": upload.json()["sha256"],
        "kind": "survey_form",
        "name": FILE_NAME,
        "media_type": "image/jpeg",
        "size": 21,
    }
    registration = f.registered(
        members=[
            f.member("m1", name=HEAD, id_number=ID_NUMBERS[0]),
            f.member("m2", "spouse", sex="F", name=SPOUSE, id_number=ID_NUMBERS[1]),
        ]
    )
    registration["actor"] = ACTOR
    child = f.member(
        "m3",
        "child",
        name=CHILD,
        id_number=ID_NUMBERS[2],
        birth_date="2015-03-01",
        labor="not_applicable",
    )
    response = append(
        "hh-1",
        registration,
        _event("MemberAdded", {"member": child, "reason": "birth"}),
        _event("AssistanceApplied", {"channel": "village", "summary": "医疗支出大"}),
        {**f.survey(), "actor": ACTOR, "materials": [material]},
        f.marked("enrolled", "sudden_hardship"),
        headers=recorder,
    )
    assert response.status_code == 201, response.text
    return "hh-1"


@pytest.fixture
def reader(make_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    return lambda role: {"Authorization": f"Bearer {make_token(role=role)}"}


def _leaks(text: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    return [secret for secret in secrets if secret in text]


def _json_reads(client: TestClient, auth: dict[str, str]) -> Iterator[tuple[str, str]]:
    now = datetime.now(UTC).isoformat()
    for path, params in (
        ("/v1/households/hh-1", {}),
        ("/v1/households/hh-1", {"as_of": now}),
        ("/v1/households/hh-1/events", {}),
        ("/v1/feed", {}),
        ("/v1/households/hh-1/completeness", {}),
        ("/v1/completeness", {}),
        ("/v1/lookback", {}),
        ("/v1/reports/summary", {}),
    ):
        response = client.get(path, params=params, headers=auth)
        assert response.status_code == 200, (path, response.text)
        yield f"{path} {params}", response.text


def _exports(client: TestClient, auth: dict[str, str]) -> Iterator[tuple[str, str]]:
    for path in ("/v1/completeness", "/v1/lookback"):
        csv = client.get(path, params={"format": "csv"}, headers=auth)
        assert csv.status_code == 200, csv.text
        assert len(csv.text.splitlines()) > 1, f"{path}: the export lists the household"
        yield f"{path} csv", csv.content.decode("utf-8")
        xlsx = client.get(path, params={"format": "xlsx"}, headers=auth)
        assert xlsx.status_code == 200, xlsx.text
        sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
        assert sheet is not None
        yield (
            f"{path} xlsx",
            "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row),
        )


def _archive(client: TestClient, auth: dict[str, str], path: Path) -> dict[str, str]:
    response = client.get("/v1/households/hh-1/archive", headers=auth)
    assert response.status_code == 200, response.text
    path.write_bytes(response.content)
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8", errors="replace")
            for name in archive.namelist()
        }


def test_an_evaluator_sees_no_name_id_number_or_birth_date_anywhere(
    seeded: str, client: TestClient, reader: Callable[[str], dict[str, str]], tmp_path: Path
) -> None:
    evaluator = reader("evaluator")
    for what, text in [*_json_reads(client, evaluator), *_exports(client, evaluator)]:
        assert _leaks(text, SECRETS + BIRTHS) == [], what
    for name, text in _archive(client, evaluator, tmp_path / "committed.zip").items():
        assert _leaks(text, SECRETS + BIRTHS) == [], name


def test_lists_and_exports_are_not_empty_so_the_evaluator_check_means_something(
    seeded: str, client: TestClient, reader: Callable[[str], dict[str, str]]
) -> None:
    evaluator = reader("evaluator")
    for path in ("/v1/completeness", "/v1/lookback"):
        items = client.get(path, headers=evaluator).json()["items"]
        assert [item["household_id"] for item in items] == ["hh-1"], path


def test_an_evaluator_sees_commitments_and_every_served_event_re_hashes(
    seeded: str, client: TestClient, reader: Callable[[str], dict[str, str]]
) -> None:
    evaluator, auditor = reader("evaluator"), reader("auditor")
    state = client.get("/v1/households/hh-1", headers=evaluator).json()
    assert [m["member_id"] for m in state["members"]] == ["m1", "m2", "m3"]
    assert all(is_commitment(m[name]) for m in state["members"] for name in MEMBER_FIELDS), state[
        "members"
    ]
    committed = client.get("/v1/households/hh-1/events", headers=evaluator).json()["items"]
    opened = client.get("/v1/households/hh-1/events", headers=auditor).json()["items"]
    assert [(e["hash"], e["prev_hash"]) for e in committed] == [
        (e["hash"], e["prev_hash"]) for e in opened
    ]
    feed = client.get("/v1/feed", headers=evaluator).json()["items"]
    for event in [*committed, *feed]:
        assert is_clear_of_personal_values(event), event
        assert "openings" not in event
        assert event["erased"] == []
        assert "masked" not in event
        assert rehash(event) == event["hash"], event["id"]
    # The evaluator's form is the stored form: what an auditor's openings make of the
    # values in clear is exactly what the evaluator was served.
    assert [_unserved(hashed_form(e)) for e in opened] == [_unserved(e) for e in committed]


def _unserved(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what is served beside its hashed form."""
    return {k: v for k, v in event.items() if k not in ("openings", "erased")}


def test_an_auditor_sees_every_name_and_id_number(
    seeded: str, client: TestClient, reader: Callable[[str], dict[str, str]], tmp_path: Path
) -> None:
    auditor = reader("auditor")
    reads = dict(_json_reads(client, auditor))
    assert set(_leaks(reads["/v1/households/hh-1 {}"])) == {HEAD, SPOUSE, CHILD, *ID_NUMBERS}
    assert set(_leaks(reads["/v1/households/hh-1/events {}"])) == set(SECRETS)
    assert set(_leaks(reads["/v1/feed {}"])) == set(SECRETS)
    files = _archive(client, auditor, tmp_path / "plain.zip")
    assert set(_leaks(files["events.jsonl"])) == set(SECRETS)
    assert {HEAD, SPOUSE, CHILD, *ID_NUMBERS} <= set(_leaks(files["report.html"]))
    assert json.loads(files["manifest.json"])["personal_data"] == "opened"
    opened = client.get("/v1/households/hh-1/events", headers=auditor).json()["items"]
    for event in opened:
        assert set(event["openings"]) == {found.pointer for found in fields_of(event)}
        assert event["erased"] == []
        assert rehash(event) == event["hash"], event["id"]


# An evaluator's archive verifies, and is as tamper-evident as any.


def _verify(path: Path) -> Result:
    return CliRunner().invoke(main, ["verify", str(path)])


def _rewritten(path: Path, rewrite: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(path) as original:
        members = {name: original.read(name) for name in original.namelist()}
    rewrite(members)
    tampered = path.with_name(f"tampered-{path.name}")
    with zipfile.ZipFile(tampered, "w") as out:
        for name, content in members.items():
            out.writestr(name, content)
    return tampered


def _edit_event(
    members: dict[str, bytes], version: int, edit: Callable[[dict[str, Any]], None]
) -> None:
    lines = members["events.jsonl"].splitlines()
    event = json.loads(lines[version - 1])
    edit(event)
    lines[version - 1] = json.dumps(event, ensure_ascii=False).encode()
    members["events.jsonl"] = b"\n".join(lines) + b"\n"


@pytest.fixture
def committed_archive(
    seeded: str, client: TestClient, reader: Callable[[str], dict[str, str]], tmp_path: Path
) -> Path:
    path = tmp_path / "committed.zip"
    files = _archive(client, reader("evaluator"), path)
    assert json.loads(files["manifest.json"])["personal_data"] == "committed"
    return path


def test_an_evaluators_archive_verifies_with_every_event_re_hashed(
    committed_archive: Path, client: TestClient
) -> None:
    key = committed_archive.with_name("public-key.json")
    key.write_text(client.get("/v1/checkpoints/public-key").text)
    result = CliRunner().invoke(main, ["verify", str(committed_archive), "--public-key", str(key)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "OK: household hh-1: 5 events re-hashed (personal values: 0 opened and checked, "
    )
    assert "as commitments), hash chain intact" in result.stdout


def _set_hash(event: dict[str, Any]) -> None:
    event["hash"] = "0" * 64


def _restore_a_name(event: dict[str, Any]) -> None:
    event["data"]["members"][0]["name"] = "王大锤"


def _break_the_chain(event: dict[str, Any]) -> None:
    """Another predecessor, the event re-hashed to match: only the chain tells."""
    event["prev_hash"] = "0" * 64
    event["hash"] = rehash(event)


def _claim_an_erasure(event: dict[str, Any]) -> None:
    event["erased"] = ["/data/members/0/name"]  # not hashed: the signed file digest tells


def _drop_the_last_event(members: dict[str, bytes]) -> None:
    members["events.jsonl"] = b"".join(members["events.jsonl"].splitlines(keepends=True)[:-1])


def _claim_opened(members: dict[str, bytes]) -> None:
    manifest = json.loads(members["manifest.json"])
    manifest["personal_data"] = "opened"
    members["manifest.json"] = json.dumps(manifest).encode()


def _forge_proof(members: dict[str, bytes]) -> None:
    proofs = json.loads(members["proofs.json"])
    proofs[2]["leaf_index"] += 1
    members["proofs.json"] = json.dumps(proofs).encode()


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        (lambda m: _edit_event(m, 3, _set_hash), "the event was altered"),
        (lambda m: _edit_event(m, 1, _restore_a_name), "the event was altered"),
        (lambda m: _edit_event(m, 3, _break_the_chain), "the chain is broken"),
        (_drop_the_last_event, "events were removed"),
        (
            lambda m: _edit_event(m, 1, _claim_an_erasure),
            "events.jsonl was changed after the archive",
        ),
        (_forge_proof, "is not in the signed tree"),
        (_claim_opened, "the signature of manifest.json does not hold"),
    ],
)
def test_an_evaluators_tampered_archive_still_fails(
    committed_archive: Path, rewrite: Callable[[dict[str, bytes]], None], reason: str
) -> None:
    result = _verify(_rewritten(committed_archive, rewrite))
    assert result.exit_code == 1
    assert reason in result.output


def _swap_a_name(event: dict[str, Any]) -> None:
    event["data"]["members"][0]["name"] = "王大锤"  # its opening kept


def _mark_masked(event: dict[str, Any]) -> None:
    event["data"]["members"][0]["health"] = "serious_illness"
    event["masked"] = True  # hoping to skip the re-hash, as v1 allowed


def _drop_an_opening(event: dict[str, Any]) -> None:
    del event["openings"]["/data/members/0/name"]  # the name then hashed as it is


def _open_with_another_salt(event: dict[str, Any]) -> None:
    event["openings"]["/data/members/0/name"] = base64.b64encode(b"\0" * 32).decode()


@pytest.mark.parametrize(
    "forge", [_swap_a_name, _mark_masked, _drop_an_opening, _open_with_another_salt]
)
def test_an_opened_event_whose_values_or_openings_were_changed_does_not_re_hash(
    seeded: str,
    client: TestClient,
    reader: Callable[[str], dict[str, str]],
    tmp_path: Path,
    forge: Callable[[dict[str, Any]], None],
) -> None:
    plain = tmp_path / "plain.zip"
    _archive(client, reader("auditor"), plain)
    result = _verify(_rewritten(plain, lambda m: _edit_event(m, 1, forge)))
    assert result.exit_code == 1
    assert "does not match its hash" in result.output
    assert "the event was altered" in result.output
