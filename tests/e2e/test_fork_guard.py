"""The fork guard (CONTRACT §7.4) with ``ledger serve`` as an operator runs it: a database
restored from an old backup (a ``pg_dump`` restored with ``pg_restore``; a copy of the
SQLite file) stops the log — appends 503 ``LOG_FORK`` naming the sizes, ``/readyz`` not
ready, no checkpoint signed, the last good one still served, ``ledger audit`` failing —
until the full database is back; a history that differs at a published size is named as
such; and a witness's cosigned checkpoint trips it when the ``.signed`` file is gone."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from ledger.persistence.database import Database
from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.note import Ed25519Signer, open_note, parse, parse_vkey
from ledger.transparency.c2sp.witness_protocol import AddCheckpoint
from ledger.transparency.notes import LogIdentity
from ledger.transparency.signing import load_or_create_key
from tests import factories as f
from tests.conftest import POSTGRES_URL, _url
from tests.e2e import backups
from tests.e2e.servers import LEDGER, LedgerProcess, free_port, recorder_token
from tests.e2e.test_openapi_examples import APPEND, assert_answered_as_documented

ORIGIN = "ledger.example.gov.cn/fpjc/530925"
TIMEOUT = httpx.Timeout(30)


class Ledger:
    """``ledger serve`` on the test's database, started and stopped as the test says."""

    def __init__(self, database: Database, tmp_path: Path, **env: str) -> None:
        self.database, self.tmp_path = database, tmp_path
        self.token = recorder_token(database)
        self.env = {
            "LEDGER_LOG_ORIGIN": ORIGIN,
            "LEDGER_CHECKPOINT_INTERVAL_S": "0.2",
            "LEDGER_RATE_LIMIT_PER_S": "0",
            **env,
        }
        self.note_key = Path(os.environ["LEDGER_NOTE_KEY"])
        self.signed_file = Path(f"{self.note_key}.signed")
        self.starts = 0

    @contextmanager
    def serving(self, **env: str) -> Iterator[LedgerProcess]:
        """The service, up (answering ``/healthz``; ``/readyz`` is the test's to ask)."""
        self.starts += 1
        process = LedgerProcess(
            _url(self.database), self.tmp_path / f"serve-{self.starts}.log", **self.env, **env
        )
        try:
            process.start(ready=False)
            yield process
        finally:
            process.stop()

    def append(self, process: LedgerProcess, household_id: str) -> httpx.Response:
        return httpx.post(
            f"{process.base}/v1/households/{household_id}/events",
            json={"events": [f.registered(), f.survey()]},
            headers=self.auth(),
            timeout=TIMEOUT,
        )

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def fresh_checkpoint(self, process: LedgerProcess) -> dict[str, object]:
        answer = httpx.get(
            f"{process.base}/v1/checkpoints/latest?fresh=true", headers=self.auth(), timeout=TIMEOUT
        )
        assert answer.status_code == 200, answer.text
        checkpoint: dict[str, object] = answer.json()
        return checkpoint

    def signed(self) -> Checkpoint:
        return parse_checkpoint(parse(self.signed_file.read_text()).text)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, "LEDGER_DATABASE_URL": _url(self.database)}
        return subprocess.run(
            [LEDGER, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    # Backups, as an operator takes and restores them

    def backup(self, name: str) -> Path:
        return backups.backup(self.database, self.tmp_path / f"backup-{name}")

    def restore(self, backup: Path) -> None:
        backups.restore(self.database, backup)


def _wait_ready(process: LedgerProcess, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while httpx.get(f"{process.base}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, httpx.get(f"{process.base}/readyz").text
        time.sleep(0.05)


def _note_size(process: LedgerProcess) -> int:
    answer = httpx.get(f"{process.base}/log/checkpoint", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return parse_checkpoint(parse(answer.text).text).size


def _assert_stopped(ledger: Ledger, process: LedgerProcess, *words: str) -> None:
    """Appends refused naming ``words``, not ready naming them, the fork gauge up, the
    last good checkpoint served and nothing signed."""
    refused = ledger.append(process, "hh-refused")
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "LOG_FORK"
    document = httpx.get(f"{process.base}/openapi.json", timeout=TIMEOUT).json()
    assert_answered_as_documented(document, APPEND, "post", refused)
    ready = httpx.get(f"{process.base}/readyz", timeout=TIMEOUT)
    assert ready.status_code == 503
    for word in words:
        assert word in refused.json()["detail"], refused.json()["detail"]
        assert word in ready.json()["detail"], ready.json()["detail"]
    assert "ledger_log_fork 1.0" in httpx.get(f"{process.base}/metrics", timeout=TIMEOUT).text


def test_a_database_restored_from_an_old_backup_stops_the_log_until_the_full_one_is_back(
    database: Database, tmp_path: Path
) -> None:
    ledger = Ledger(database, tmp_path)
    with ledger.serving() as process:
        _wait_ready(process)
        assert ledger.append(process, "hh-1").status_code == 201
        assert ledger.fresh_checkpoint(process)["tree_size"] == 2
        if database.kind == "postgres":  # pg_dump while serving, as a nightly job does
            old = ledger.backup("old")
    if database.kind == "sqlite":
        old = ledger.backup("old")
    with ledger.serving() as process:
        assert ledger.append(process, "hh-2").status_code == 201
        assert ledger.fresh_checkpoint(process)["tree_size"] == 4
        assert _note_size(process) == 4
    assert ledger.signed().size == 4
    assert ledger.signed_file.stat().st_mode & 0o777 == 0o600
    full = ledger.backup("full")

    ledger.restore(old)
    with ledger.serving() as process:
        _assert_stopped(ledger, process, "signed 4 events", "holds 2", str(ledger.signed_file))
        # Read-only still works: the last good checkpoint, JSON and note, fresh or not.
        assert ledger.fresh_checkpoint(process)["tree_size"] == 2
        time.sleep(1)  # five checkpointer rounds: none signs
        assert _note_size(process) == 2
        assert ledger.fresh_checkpoint(process)["tree_size"] == 2
    assert ledger.signed().size == 4  # never lowered

    audited = ledger.cli("audit")
    assert audited.returncode == 1, audited.stdout + audited.stderr
    assert "fork guard: the log signed 4 events" in audited.stdout
    assert "the database holds 2" in audited.stdout
    lines = tmp_path / "more.ndjson"
    lines.write_text(json.dumps({"household_id": "hh-9", "events": [f.registered()]}) + "\n")
    imported = ledger.cli("import", str(lines))
    assert imported.returncode != 0
    assert "LOG_FORK" in imported.stderr
    assert "holds 2" in imported.stderr

    # Another history of the same length, signed by a copy of the note key kept without
    # its .signed file (what the runbook warns against): the guard names the difference.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy2(ledger.note_key, elsewhere / "note-key.pem")
    with ledger.serving(LEDGER_NOTE_KEY=str(elsewhere / "note-key.pem")) as process:
        _wait_ready(process)
        assert ledger.append(process, "hh-other").status_code == 201
        assert ledger.fresh_checkpoint(process)["tree_size"] == 4
    with ledger.serving() as process:
        _assert_stopped(ledger, process, "signed 4 events", "another root")
        assert _note_size(process) == 4  # the forked one the copy signed: never this guard

    ledger.restore(full)
    with ledger.serving() as process:
        _wait_ready(process)
        assert "ledger_log_fork 0.0" in httpx.get(f"{process.base}/metrics").text
        assert ledger.append(process, "hh-3").status_code == 201
        assert ledger.fresh_checkpoint(process)["tree_size"] == 6
    assert ledger.signed().size == 6
    assert ledger.cli("audit").returncode == 0


@contextmanager
def _witness(tmp_path: Path, log_vkey: str) -> Iterator[tuple[str, str]]:
    """``ledger witness serve`` trusting the log: its URL and vkey."""
    key, state = tmp_path / "witness-key.pem", tmp_path / "witness-state"
    name = "audit.lincang.gov.cn/witness"
    vkey = subprocess.run(
        [LEDGER, "witness", "vkey", "--name", name, "--key", str(key)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        [
            LEDGER,
            "witness",
            "add-log",
            "--state",
            str(state),
            "--origin",
            ORIGIN,
            "--vkey",
            log_vkey,
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    with (tmp_path / "witness.log").open("ab") as output:
        witness = subprocess.Popen(
            [
                LEDGER,
                "witness",
                "serve",
                "--name",
                name,
                "--state",
                str(state),
                "--key",
                str(key),
                "--port",
                str(port),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{url}/{'0' * 64}/checkpoint", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, (tmp_path / "witness.log").read_text()
                    time.sleep(0.05)
            yield url, vkey
        finally:
            witness.terminate()
            witness.wait(timeout=15)


def _wait_cosigned(url: str, size: int) -> None:
    monitored = f"{url}/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
    deadline = time.monotonic() + 30
    while True:
        answer = httpx.get(monitored, timeout=TIMEOUT)
        if answer.status_code == 200 and parse_checkpoint(parse(answer.text).text).size >= size:
            return
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.1)


def _add_checkpoint(url: str, old_size: int, proof: list[bytes], note: str) -> httpx.Response:
    body = AddCheckpoint(old_size, tuple(proof), note).body()
    return httpx.post(f"{url}/add-checkpoint", content=body, timeout=TIMEOUT)


def test_a_witness_that_cosigned_more_than_the_database_holds_stops_the_log(
    database: Database, tmp_path: Path
) -> None:
    note_key = load_or_create_key(os.environ["LEDGER_NOTE_KEY"])
    identity = LogIdentity(ORIGIN, Ed25519Signer(ORIGIN, note_key))
    with _witness(tmp_path, identity.vkey) as (url, witness_vkey):
        policy = tmp_path / "policy.txt"
        policy.write_text(f"log {identity.vkey}\nwitness w1 {witness_vkey} {url}\nquorum none\n")
        ledger = Ledger(
            database, tmp_path, LEDGER_WITNESS_POLICY=str(policy), LEDGER_WITNESS_INTERVAL_S="0.2"
        )
        with ledger.serving() as process:
            _wait_ready(process)
            assert ledger.append(process, "hh-1").status_code == 201
            assert ledger.fresh_checkpoint(process)["tree_size"] == 2
        old = ledger.backup("old")
        with ledger.serving() as process:
            assert ledger.append(process, "hh-2").status_code == 201
            assert ledger.fresh_checkpoint(process)["tree_size"] == 4
            note = httpx.get(f"{process.base}/log/checkpoint").text
            _wait_cosigned(url, 4)  # by the ledger's own witness client

        ledger.restore(old)
        ledger.signed_file.unlink()  # only the witness remembers now
        with ledger.serving() as process:
            _assert_stopped(ledger, process, "witness w1 cosigned 4 events", "holds 2")
            assert _note_size(process) == 2

        # The forked tree a restored log would sign next never gets the witness's
        # cosignature: not at the published size, not beside it.
        served = parse_checkpoint(parse(note).text)
        other_root = hashlib.sha256(b"another history").digest()
        for size, old_size in ((4, 4), (5, 4), (3, 2)):
            forked = identity.sign(size, other_root).format()
            proof = [hashlib.sha256(b"made up").digest()]
            answer = _add_checkpoint(url, old_size, proof if size > old_size else [], forked)
            assert answer.status_code in (409, 422), (size, old_size, answer.text)
        witness_says = httpx.get(
            f"{url}/{hashlib.sha256(ORIGIN.encode()).hexdigest()}/checkpoint"
        ).text
        opened = open_note(witness_says, [identity.verifier, parse_vkey(witness_vkey)])
        assert len(opened.verified) == 2
        assert parse_checkpoint(opened.note.text).root == served.root

    # A witness that does not answer is no evidence of a fork: said in the logs, and the
    # service (which now remembers nothing) is ready.
    with ledger.serving() as process:
        _wait_ready(process)
        assert "witness_unreachable" in process.output()


def test_the_signed_file_is_a_note_of_the_log(database: Database, tmp_path: Path) -> None:
    """The file beside the note key is the signed note itself, verifiable with /log/vkey."""
    ledger = Ledger(database, tmp_path)
    with ledger.serving() as process:
        _wait_ready(process)
        assert ledger.append(process, "hh-1").status_code == 201
        root = bytes.fromhex(str(ledger.fresh_checkpoint(process)["root_hash"]))
        vkey = parse_vkey(httpx.get(f"{process.base}/log/vkey").text)
    opened = open_note(ledger.signed_file.read_text(), [vkey])
    assert parse_checkpoint(opened.note.text) == Checkpoint(ORIGIN, 2, root)


LOG_TABLES = ("merkle_leaves", "merkle_nodes", "checkpoints", "log_notes", "log_cosignatures")
NEW_ORIGIN = "ledger.example.gov.cn/fpjc/530925/2"


def test_with_no_newer_copy_the_operator_starts_a_new_log_as_the_runbook_says(
    database: Database, tmp_path: Path
) -> None:
    """docs/runbook-fork.md, resolution 2: the events, without the old log's tables, copied
    into a new database served under a new origin with new keys (a new log from size 0)."""
    ledger = Ledger(database, tmp_path)
    with ledger.serving() as process:
        _wait_ready(process)
        assert ledger.append(process, "hh-1").status_code == 201
        ledger.fresh_checkpoint(process)
    old = ledger.backup("old")
    with ledger.serving() as process:
        assert ledger.append(process, "hh-2").status_code == 201
        assert ledger.fresh_checkpoint(process)["tree_size"] == 4
    ledger.restore(old)  # and no newer copy exists

    new_database = _events_only_copy(database, tmp_path)
    try:
        keys = tmp_path / "new-log"
        keys.mkdir()
        new_log = Ledger(new_database, tmp_path)
        new_log.env |= {
            "LEDGER_LOG_ORIGIN": NEW_ORIGIN,
            "LEDGER_NOTE_KEY": str(keys / "note-key.pem"),
            "LEDGER_SIGNING_KEY": str(keys / "signing-key.pem"),
        }
        with new_log.serving() as process:
            _wait_ready(process)
            assert new_log.append(process, "hh-3").status_code == 201
            assert new_log.fresh_checkpoint(process)["tree_size"] == 4
            note = httpx.get(f"{process.base}/log/checkpoint").text
            vkey = parse_vkey(httpx.get(f"{process.base}/log/vkey").text)
        checkpoint = parse_checkpoint(open_note(note, [vkey]).note.text)
        assert (checkpoint.origin, checkpoint.size) == (NEW_ORIGIN, 4)
        assert new_log.cli("audit").returncode == 0
        assert ledger.signed().size == 4  # the old log's memory is untouched
    finally:
        if new_database.kind == "postgres":
            with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{new_database.name}" WITH (FORCE)')


def _events_only_copy(database: Database, tmp_path: Path) -> Database:
    """The runbook's commands: everything but the old log's tables' rows."""
    if database.kind == "sqlite":
        target = tmp_path / "v2" / "ledger.db"
        target.parent.mkdir()
        dump = subprocess.run(
            ["sqlite3", str(database.path), ".dump"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        kept = "".join(
            line
            for line in dump.splitlines(keepends=True)
            if not re.match(rf'INSERT INTO "?({"|".join(LOG_TABLES)})"? ', line)
        )
        subprocess.run(["sqlite3", str(target)], input=kept, text=True, check=True, timeout=120)
        return Database.from_url(f"sqlite:///{target}")
    events_only = tmp_path / "events-only.dump"
    excluded = [f"--exclude-table-data={table}" for table in LOG_TABLES]
    subprocess.run(
        ["pg_dump", "--format=custom", *excluded, f"--file={events_only}", _url(database)],
        check=True,
        timeout=120,
    )
    new_database = database.with_name(f"{database.name}_v2")
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{new_database.name}"')
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={_url(new_database)}", str(events_only)],
        check=True,
        timeout=120,
    )
    return new_database
