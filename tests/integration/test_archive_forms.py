"""A household's trace archive in either form (CONTRACT §7.3, §4), on both databases: an
auditor's opens each personal value with its salt, an evaluator's carries commitments;
each re-hashes every event and verifies in full with the ledger's public key, before and
after an erasure. Its readable report shows the values to the one, shortened
commitments to the other, and an erased value as 已删除 to both."""

import base64
import json
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.personal import (
    MEMBER_FIELDS,
    commitment,
    fields_of,
    get_at,
    hashed_form,
    is_clear_of_personal_values,
    is_commitment,
)
from ledger.materials import MaterialStore
from ledger.transparency.archive import FORMAT, ArchiveSources, write_archive
from ledger.transparency.log import TransparencyLog
from ledger.transparency.verify import verify_archive
from tests import factories as f
from tests.e2e.test_cli import LEDGER
from tests.integration.test_concurrency import commands

HEAD = {"name": "张建国", "id_number": f.id_number(1, "19750314"), "birth_date": "1975-03-14"}
SPOUSE = {"name": "李秀梅", "id_number": f.id_number(2, "19781102"), "birth_date": "1978-11-02"}
RECORDER = "赵录入"
MATERIAL = {**f.MATERIAL, "name": "家访照片-0042.jpg"}
# Every personal value of the household, as appended (both events' actor is 李四).
VALUES = [*HEAD.values(), *SPOUSE.values(), "李四", RECORDER, "家访照片-0042"]
PERSONAL_FIELDS = 11  # 2 actors, 2 recorders, 2 members × 3, 1 material


@pytest.fixture
def log(ledger: HouseholdLedger, appends: AppendPipeline) -> TransparencyLog:
    """A household of two members, registered and surveyed, in a signed checkpoint."""
    members = [f.member("m1", **HEAD), f.member("m2", "spouse", sex="F", **SPOUSE)]
    recorder = Caller(token_id="t-rec", name=RECORDER, role="recorder", division="53")  # type: ignore[arg-type]
    survey = {**f.survey(), "materials": [MATERIAL]}
    appends.append("hh-1", commands(f.registered(members=members), survey), recorder)
    transparency = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    transparency.checkpoint(fresh=True)
    return transparency


def archive(ledger: HouseholdLedger, log: TransparencyLog, role: str, folder: Path) -> Path:
    path = folder / f"hh-1-{role}.zip"
    materials = MaterialStore(folder / "materials")
    sources = ArchiveSources(ledger, log, materials, config.load_default())
    caller = Caller(token_id=f"t-{role}", name="读者", role=role, division="53")  # type: ignore[arg-type]
    write_archive(sources, "hh-1", caller, path)
    return path


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def events_of(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in files["events.jsonl"].splitlines()]


@pytest.mark.parametrize(
    ("role", "form", "opened", "committed"),
    [("auditor", "opened", PERSONAL_FIELDS, 0), ("evaluator", "committed", 0, PERSONAL_FIELDS)],
)
def test_an_auditors_and_an_evaluators_archive_each_verify_in_full_with_the_public_key(
    ledger: HouseholdLedger,
    log: TransparencyLog,
    tmp_path: Path,
    role: str,
    form: str,
    opened: int,
    committed: int,
) -> None:
    path = archive(ledger, log, role, tmp_path)
    verified = verify_archive(path, log.public_key)
    assert verified.origin_verified
    assert (verified.events, verified.opened, verified.committed) == (2, opened, committed)
    assert verified.summary().startswith(
        "OK: household hh-1: 2 events re-hashed (personal values: "
        f"{opened} opened and checked, {committed} as commitments)"
    )
    manifest = json.loads(entries(path)["manifest.json"])
    assert (manifest["format"], manifest["personal_data"]) == (FORMAT, form)
    assert FORMAT == "ledger-trace-archive/3"
    assert "masked" not in manifest
    assert all("masked" not in event for event in events_of(entries(path)))


def test_ledger_verify_exits_0_for_both_archives_given_the_public_key(
    ledger: HouseholdLedger, log: TransparencyLog, tmp_path: Path
) -> None:
    key = tmp_path / "public-key.json"
    key.write_text(json.dumps({"public_key": log.public_key}))
    for role in ("auditor", "evaluator"):
        path = archive(ledger, log, role, tmp_path)
        verified = subprocess.run(
            [LEDGER, "verify", str(path), "--public-key", str(key)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith("OK: household hh-1: 2 events re-hashed"), role


def test_an_auditors_archive_opens_each_value_with_the_salt_of_its_commitment(
    ledger: HouseholdLedger, log: TransparencyLog, tmp_path: Path
) -> None:
    files = entries(archive(ledger, log, "auditor", tmp_path))
    served = events_of(files)
    stored = {str(e.id): e.hash for e in ledger.stream("hh-1")}
    assert served[0]["data"]["members"][1] | SPOUSE == served[0]["data"]["members"][1]
    assert served[0]["actor"]["name"] == "李四"
    assert served[0]["recorded_by"]["name"] == RECORDER
    assert served[1]["materials"][0]["name"] == MATERIAL["name"]
    for event in served:
        assert event["erased"] == []
        pointers = [found.pointer for found in fields_of(event)]
        assert sorted(event["openings"]) == sorted(pointers)
        hashed = hashed_form(event)
        for found in fields_of(event):  # each value and its salt make the stored commitment
            salt = base64.b64decode(event["openings"][found.pointer])
            assert get_at(hashed, found.path) == commitment(salt, get_at(event, found.path))
        assert event["hash"] == stored[event["id"]]
    report = files["report.html"].decode()
    for value in VALUES:
        assert value in report
    assert "committed-notice" not in report


def test_an_evaluators_archive_holds_commitments_and_no_personal_value_outside_materials(
    ledger: HouseholdLedger, log: TransparencyLog, tmp_path: Path
) -> None:
    files = entries(archive(ledger, log, "evaluator", tmp_path))
    for name, content in files.items():
        for value in [*VALUES, "19750314", "19781102"]:  # an ID number's birth segment too
            assert value.encode() not in content, f"{value} in {name}"
    served = events_of(files)
    stored = ledger.stream("hh-1")
    for event, original in zip(served, stored, strict=True):
        assert is_clear_of_personal_values(event)
        assert "openings" not in event
        assert event["erased"] == []
        assert event["hash"] == original.hash
    head_name = served[0]["data"]["members"][0]["name"]
    report = files["report.html"].decode()
    assert f"{head_name[:10]}…" in report, "a commitment shows by its first 8 digits"
    assert head_name not in report
    assert 'id="committed-notice"' in report
    assert "加盐承诺" in files["README.txt"].decode()


@pytest.mark.parametrize("role", ["auditor", "evaluator"])
def test_after_an_erasure_both_archives_verify_and_show_the_erased_member_as_erased(
    ledger: HouseholdLedger, log: TransparencyLog, tmp_path: Path, role: str
) -> None:
    erased = ledger.personal.erase_member("hh-1", "m2", datetime.now(UTC))
    assert len(erased) == 3
    path = archive(ledger, log, role, tmp_path)
    verified = verify_archive(path, log.public_key)
    assert verified.origin_verified
    assert verified.opened + verified.committed == PERSONAL_FIELDS
    assert verified.opened == (PERSONAL_FIELDS - 3 if role == "auditor" else 0)

    files = entries(path)
    registration = events_of(files)[0]
    assert registration["erased"] == [f"/data/members/1/{name}" for name in MEMBER_FIELDS]
    spouse = registration["data"]["members"][1]
    assert all(is_commitment(spouse[name]) for name in SPOUSE)
    for name, content in files.items():
        for value in [*SPOUSE.values(), "19781102"]:
            assert value.encode() not in content, f"{value} in {name}"
    report = files["report.html"].decode()
    assert report.count("已删除") >= 3, "her name, ID number and birth date"
    assert (HEAD["name"] in report) is (role == "auditor")
