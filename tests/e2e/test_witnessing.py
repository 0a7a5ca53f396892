"""Witnessing end to end (CONTRACT §7.4): ``ledger serve`` with a 2-of-2 witness policy
and two ``ledger witness serve`` processes, over real HTTP on 127.0.0.1, on both
databases. ``/log/checkpoint`` serves only what both witnesses cosigned."""

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.transparency import signing
from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.note import Ed25519Signer, parse, vkey
from ledger.transparency.c2sp.policy import Policy, Verdict, check_checkpoint, parse_policy
from ledger.transparency.notes import LogIdentity
from ledger.transparency.witness import StateFile, add_log, cosigner, witness_key
from tests import factories as f
from tests.conftest import _url
from tests.e2e import backups
from tests.e2e.servers import LedgerProcess, free_port, recorder_token
from tests.e2e.test_openapi_examples import assert_answered_as_documented
from tests.e2e.witnesses import WitnessProcess

ORIGIN = "ledger.example.gov.cn/fpjc/witnessed"


def _witness_vkey(name: str, key_file: Path) -> str:
    """What ``ledger witness vkey`` prints, without its start-up (tests/e2e/test_witness.py
    runs the command itself)."""
    return vkey(cosigner(name, witness_key(key_file)).verifier)


class WitnessServer(WitnessProcess):
    """``ledger witness serve`` as an audit office runs it, trusting this test's log, on a
    port kept across restarts."""

    def __init__(self, directory: Path, name: str, log_vkey: str) -> None:
        super().__init__(
            directory / f"{name}.state",
            directory / f"{name}.pem",
            directory / f"{name}.log",
            name=f"{name}.example/witness",
        )
        self.vkey = _witness_vkey(self.name, self.key)
        self.url = self.base
        add_log(StateFile(self.state), ORIGIN, log_vkey)  # as ``ledger witness add-log``


def _until(condition: Callable[[], bool], within: float, failure: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(0.05)


def _log_vkey(note_key: str) -> str:
    key = signing.load_or_create_key(note_key, what="note key", setting="LEDGER_NOTE_KEY")
    return LogIdentity(ORIGIN, Ed25519Signer(ORIGIN, key)).vkey


def _policy(directory: Path, log_vkey: str, witnesses: list[tuple[str, str, str]]) -> Path:
    lines = [f"log {log_vkey}"]
    lines += [f"witness {name} {vkey} {url}" for name, vkey, url in witnesses]
    lines += ["group both all w1 w2", "quorum both"]
    path = directory / "policy.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[dict[str, WitnessServer]]:
    log_vkey = _log_vkey(os.environ["LEDGER_NOTE_KEY"])
    made = {name: WitnessServer(tmp_path, name, log_vkey) for name in ("w1", "w2")}
    try:
        for server in made.values():
            server.spawn()  # both start at once: the program takes seconds to import
        for server in made.values():
            server.wait_listening()
        yield made
    finally:
        for server in made.values():
            server.stop()


def _published(base: str, policy: Policy) -> Verdict | None:
    answer = httpx.get(f"{base}/log/checkpoint", timeout=5)
    if answer.status_code == 503:
        assert answer.json()["code"] == "CHECKPOINT_NOT_WITNESSED"
        return None
    assert answer.status_code == 200, answer.text
    return check_checkpoint(policy, answer.text)


def _published_size(base: str, policy: Policy) -> int:
    verdict = _published(base, policy)
    if verdict is None:
        return 0
    assert verdict.quorum_met
    assert verdict.cosigned_by == {"w1", "w2"}
    return verdict.checkpoint.size


def test_the_published_checkpoint_waits_for_both_witnesses(
    database: Database, tmp_path: Path, witnesses: dict[str, WitnessServer]
) -> None:
    policy_file = _policy(
        tmp_path,
        _log_vkey(os.environ["LEDGER_NOTE_KEY"]),
        [(n, w.vkey, w.url) for n, w in witnesses.items()],
    )
    policy = parse_policy(policy_file.read_text(encoding="utf-8"))
    auth = {"Authorization": f"Bearer {recorder_token(database)}"}
    ledger_env = {
        "LEDGER_LOG_ORIGIN": ORIGIN,
        "LEDGER_WITNESS_POLICY": str(policy_file),
        "LEDGER_WITNESS_INTERVAL_S": "0.2",
        "LEDGER_WITNESS_TIMEOUT_S": "1",
        "LEDGER_CHECKPOINT_INTERVAL_S": "0.1",
    }
    ledger = LedgerProcess(_url(database), tmp_path / "ledger.log", **ledger_env)
    ledger.start()
    try:
        with httpx.Client(base_url=ledger.base, headers=auth, timeout=10) as http:

            def append(*household_ids: str) -> None:
                for household_id in household_ids:
                    answer = http.post(
                        f"/v1/households/{household_id}/events",
                        json={"events": [f.registered()]},
                    )
                    assert answer.status_code == 201, answer.text

            def latest() -> dict[str, Any]:
                body: dict[str, Any] = http.get("/v1/checkpoints/latest").json()
                return body

            append("hh-1", "hh-2", "hh-3")
            _until(lambda: _published_size(ledger.base, policy) == 3, 15, ledger.output())
            assert len(latest()["cosignatures"]) == 2
            at_3 = backups.backup(database, tmp_path / "backup-at-3")

            witnesses["w1"].kill()
            append("hh-4", "hh-5")
            # w2 cosigns the new tree; the quorum needs w1 too, so 3 stays published.
            _until(
                lambda: latest()["tree_size"] == 5 and len(latest()["cosignatures"]) == 1,
                15,
                ledger.output(),
            )
            assert _published_size(ledger.base, policy) == 3

            witnesses["w1"].start()
            _until(lambda: _published_size(ledger.base, policy) == 5, 15, ledger.output())
            assert len(latest()["cosignatures"]) == 2

            metrics = http.get("/metrics").text
            assert 'ledger_witness_cosigned_tree_size{witness="w1"} 5.0' in metrics
            assert "ledger_checkpoint_published_tree_size 5.0" in metrics
            failed = re.search(
                r'ledger_witness_submission_failures_total\{witness="w1"\} (\S+)', metrics
            )
            assert failed is not None
            assert float(failed[1]) >= 1
    finally:
        ledger.stop()
    assert "witness_submission_failed" in ledger.output()
    witnessed = {name: _monitored(w) for name, w in witnesses.items()}
    assert {c.size for c in witnessed.values()} == {5}

    # The database restored from the backup taken at 3 events: the restarted service
    # refuses to sign and to append, names the sizes, and neither witness moves.
    backups.restore(database, at_3)
    restarted = LedgerProcess(_url(database), tmp_path / "restarted.log", **ledger_env)
    restarted.start(ready=False)
    try:
        with httpx.Client(base_url=restarted.base, headers=auth, timeout=10) as http:
            refused = http.post("/v1/households/hh-6/events", json={"events": [f.registered()]})
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "LOG_FORK"
            for said in (refused.json()["detail"], http.get("/readyz").json()["detail"]):
                assert "signed 5 events" in said
                assert "holds 3" in said
            assert http.get("/readyz").status_code == 503
            time.sleep(1)  # the checkpointer's and the witness client's rounds
            assert http.get("/v1/checkpoints/latest?fresh=true").json()["tree_size"] == 3
            assert _published_size(restarted.base, policy) == 3
    finally:
        restarted.stop()
    assert {name: _monitored(w) for name, w in witnesses.items()} == witnessed


def _monitored(witness: WitnessServer) -> Checkpoint:
    """A witness's latest cosigned checkpoint, from its monitoring endpoint."""
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    answer = httpx.get(f"{witness.url}/{origin_hash}/checkpoint", timeout=5)
    assert answer.status_code == 200, answer.text
    return parse_checkpoint(parse(answer.text).text)


def test_a_log_whose_witnesses_never_answered_publishes_no_checkpoint(
    database: Database, tmp_path: Path
) -> None:
    log_vkey = _log_vkey(os.environ["LEDGER_NOTE_KEY"])
    nobody = [
        (
            name,
            _witness_vkey(f"{name}.example/witness", tmp_path / f"{name}.pem"),
            f"http://127.0.0.1:{free_port()}",
        )
        for name in ("w1", "w2")
    ]
    settings = Settings(
        database_url=_url(database),
        log_origin=ORIGIN,
        witness_policy=str(_policy(tmp_path, log_vkey, nobody)),
        witness_interval_s=0.2,
        witness_timeout_s=0.5,
    )
    with TestClient(create_app(settings)) as client:
        document = client.get("/openapi.json").json()
        answer = client.get("/log/checkpoint")
        assert (answer.status_code, answer.json()["code"]) == (503, "CHECKPOINT_NOT_WITNESSED")
        assert answer.headers["retry-after"]
        assert_answered_as_documented(document, "/log/checkpoint", "get", answer)
        assert client.get("/log/vkey").text.strip() == log_vkey
