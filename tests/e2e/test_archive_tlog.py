"""The trace archive's proof files (CONTRACT §7.4): every event's `tlog/<id>.tlog-proof`
(c2sp.org/tlog-proof@v1, the cosigned checkpoint note) and `tlog/policy.txt`, and
`ledger verify --policy` checking them against a witness policy obtained separately
(exit 0 only with the quorum met, 1 for any mismatch, 3 without a key or a policy).

The witnesses' cosignatures are made here with real keys over the note the service
stored, and stored the way the witness client stores them; each archive is downloaded
over HTTP from the app and checked by `ledger verify`."""

import base64
import hashlib
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from cli import main
from ledger.domain.integrity import canonical_json
from ledger.persistence.database import Database
from ledger.persistence.log_tables import StoredCosignature
from ledger.tokens import create_token
from ledger.transparency import signing
from ledger.transparency.archive import FORMAT_2, TLOG_POLICY, manifest_content, tlog_proof_name
from ledger.transparency.c2sp.note import CosignatureSigner, Ed25519Signer, parse, vkey
from ledger.transparency.c2sp.policy import check_checkpoint, parse_policy
from ledger.transparency.c2sp.proof import parse_proof
from ledger.transparency.notes import LogIdentity
from tests import factories as f
from tests.conftest import _url, services_of
from tests.e2e.test_archive_hostile import _entries, _write, ledger_verify

ORIGIN = "ledger.example.gov.cn/fpjc/530925"
WITNESSES = ("audit.lincang.gov.cn/witness", "audit.yunnan.gov.cn/witness", "witness.example.org")


@dataclass
class Witnessed:
    """A service whose policy asks two of three witnesses, the witnesses' keys, its files."""

    client: TestClient
    auth: dict[str, str]
    policy: Path
    signers: dict[str, CosignatureSigner]  # by the policy's name
    log_vkey: str
    tmp: Path

    def cosign(self, *names: str, size: int | None = None) -> int:
        """Cosignatures by the witnesses ``names`` of the stored note of ``size`` (default:
        the latest), stored as the witness client stores them; returns the size."""
        tables = services_of(self.client).ledger.stores.merkle
        stored = tables.note(size) if size is not None else tables.latest_note()
        assert stored is not None
        text = parse(stored.note).text
        cosignatures = []
        for name in names:
            signature = self.signers[name].sign(text, int(time.time()))
            cosignatures.append(
                StoredCosignature(
                    stored.tree_size,
                    signature.name,
                    signature.key_id.hex(),
                    signature.line(),
                    int(time.time()),
                )
            )
        tables.add_cosignatures(cosignatures)
        return stored.tree_size

    def fresh_size(self) -> int:
        latest = self.client.get("/v1/checkpoints/latest?fresh=true", headers=self.auth)
        assert latest.status_code == 200, latest.text
        return int(latest.json()["tree_size"])

    def archive(self, household_id: str, name: str = "archive.zip") -> Path:
        download = self.client.get(f"/v1/households/{household_id}/archive", headers=self.auth)
        assert download.status_code == 200, download.text
        path = self.tmp / name
        path.write_bytes(download.content)
        return path


def policy_text(log_vkey: str, signers: dict[str, CosignatureSigner]) -> str:
    names = list(signers)
    lines = [f"log {log_vkey} https://{ORIGIN}/log/"]
    lines += [f"witness {n} {vkey(s.verifier)} https://{n}.example/" for n, s in signers.items()]
    return "\n".join([*lines, f"group two 2 {' '.join(names)}", "quorum two", ""])


@pytest.fixture
def witnessed(
    database: Database, tmp_path: Path, make_witnessed: Callable[[Database, Path], Witnessed]
) -> Witnessed:
    return make_witnessed(database, tmp_path)


@pytest.fixture
def make_witnessed() -> Iterator[Callable[[Database, Path], Witnessed]]:
    clients: list[TestClient] = []

    def make(database: Database, tmp: Path) -> Witnessed:
        note_key = signing.load_or_create_key(tmp / "note-key.pem")
        log_vkey = LogIdentity(ORIGIN, Ed25519Signer(ORIGIN, note_key)).vkey
        signers = {
            f"w{n}": CosignatureSigner(name, Ed25519PrivateKey.generate())
            for n, name in enumerate(WITNESSES, 1)
        }
        policy = tmp / "policy.txt"
        policy.write_text(policy_text(log_vkey, signers))
        settings = Settings(
            database_url=_url(database),
            log_origin=ORIGIN,
            note_key=str(tmp / "note-key.pem"),
            witness_policy=str(policy),
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        token = create_token(services_of(client).ledger.tables, role="recorder", division="53")
        auth = {"Authorization": f"Bearer {token}"}
        return Witnessed(client, auth, policy, signers, log_vkey, tmp)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def append(w: Witnessed, household_id: str, *events: dict[str, object]) -> None:
    response = w.client.post(
        f"/v1/households/{household_id}/events", headers=w.auth, json={"events": list(events)}
    )
    assert response.status_code == 201, response.text


def household(w: Witnessed, household_id: str = "hh-1") -> None:
    append(
        w,
        household_id,
        f.registered(),
        f.survey(),
        f.event("MemberUpdated", {"member_id": "m2", "health": "chronic"}),
    )


def verify(path: Path, *options: str) -> Result:
    return CliRunner().invoke(main, ["verify", str(path), *options])


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def _reissued(path: Path, rewrite: Callable[[dict[str, bytes]], None], target: Path) -> Path:
    """The archive rewritten, then made consistent again the only way a forger can: the
    JSON checkpoint, the key and the manifest re-signed with a key of their own (which
    ``--policy`` alone does not vouch for: the tlog-proofs must catch what was changed)."""
    files = _members(path)
    rewrite(files)
    key = Ed25519PrivateKey.generate()
    checkpoint = json.loads(files["checkpoint.json"])
    checkpoint["signature"] = signing.sign(key, signing.signed_content(checkpoint))
    files["checkpoint.json"] = json.dumps(checkpoint).encode()
    files["public-key.json"] = json.dumps({"public_key": signing.public_key_text(key)}).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["public_key"] = signing.public_key_text(key)
    manifest["files"] = {
        name: hashlib.sha256(content).hexdigest()
        for name, content in files.items()
        if name != "manifest.json" and not name.startswith("materials/")
    }
    manifest["signature"] = signing.sign(key, manifest_content(manifest))
    files["manifest.json"] = canonical_json(manifest)
    return _write(target, list(files.items()))


def _proof_names(files: dict[str, bytes]) -> list[str]:
    return sorted(n for n in files if n.startswith("tlog/") and n != TLOG_POLICY)


# What the archive carries.


def test_the_archive_carries_a_tlog_proof_of_every_event_and_the_services_policy(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w3")
    files = _members(witnessed.archive("hh-1"))
    manifest = json.loads(files["manifest.json"])
    events = [json.loads(line) for line in files["events.jsonl"].splitlines()]
    proofs = {p["event_id"]: p for p in json.loads(files["proofs.json"])}
    assert manifest["format"] == "ledger-trace-archive/3"
    assert files[TLOG_POLICY] == witnessed.policy.read_bytes()
    assert _proof_names(files) == sorted(tlog_proof_name(e["id"]) for e in events)
    policy = parse_policy(witnessed.policy.read_text())
    for event in events:
        name = tlog_proof_name(event["id"])
        assert manifest["files"][name] == hashlib.sha256(files[name]).hexdigest()
        text = files[name].decode()
        assert text.startswith("c2sp.org/tlog-proof@v1\nindex ")
        proof = parse_proof(text)
        assert proof.index == proofs[event["id"]]["leaf_index"]
        verdict = check_checkpoint(policy, proof.checkpoint)
        assert verdict.checkpoint.origin == ORIGIN
        assert verdict.cosigned_by == {"w1", "w3"}
        assert verdict.quorum_met


def test_a_service_without_witnesses_archives_its_own_policy_which_verifies(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    response = client.post(
        "/v1/households/hh-1/events", headers=auth, json={"events": [f.registered()]}
    )
    assert response.status_code == 201, response.text
    download = client.get("/v1/households/hh-1/archive", headers=auth)
    archive = tmp_path / "hh-1.zip"
    archive.write_bytes(download.content)
    own = f"log {client.get('/log/vkey').text.strip()}\nquorum none\n"
    assert _members(archive)[TLOG_POLICY] == own.encode()
    policy = tmp_path / "policy.txt"
    policy.write_text(own)  # obtained separately: the served vkey
    result = verify(archive, "--policy", str(policy))
    assert result.exit_code == 0, result.output
    assert "cosigned by no witness (quorum none: met; checked against the given policy)" in (
        result.output
    )


# ledger verify --policy


def test_verify_with_the_policy_exits_0_and_names_the_witnesses_when_the_quorum_is_met(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    archive = witnessed.archive("hh-1")
    run = ledger_verify(archive, "--policy", str(witnessed.policy))  # the real process
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("OK: household hh-1: 3 events")
    assert "3 tlog-proofs prove each event" in run.stdout
    assert "cosigned by w1, w2 (quorum two: met; checked against the given policy)" in run.stdout
    alone = verify(archive)
    assert alone.exit_code == 3, alone.output
    assert "checked against the archive's own policy only" in alone.output
    key = witnessed.tmp / "public-key.json"
    key.write_text(witnessed.client.get("/v1/checkpoints/public-key").text)
    both = verify(archive, "--public-key", str(key), "--policy", str(witnessed.policy))
    assert both.exit_code == 0, both.output


def test_the_newest_note_meeting_the_quorum_is_chosen_over_a_newer_uncosigned_one(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    cosigned = witnessed.cosign("w2", "w3", size=witnessed.fresh_size())
    append(witnessed, "hh-later", f.registered())
    assert witnessed.fresh_size() > cosigned  # a newer note, which no witness cosigned
    files = _members(witnessed.archive("hh-1"))
    for name in _proof_names(files):
        assert parse_proof(files[name].decode()).checkpoint.split("\n")[1] == str(cosigned)
    result = verify(witnessed.tmp / "archive.zip", "--policy", str(witnessed.policy))
    assert result.exit_code == 0, result.output


def test_a_quorum_not_met_is_a_mismatch_with_the_policy_and_not_with_the_key(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w3")  # one of the two the quorum asks
    archive = witnessed.archive("hh-1")
    result = verify(archive, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "is cosigned by w3: the given policy's quorum two is not met" in result.output
    key = witnessed.tmp / "public-key.json"
    key.write_text(witnessed.client.get("/v1/checkpoints/public-key").text)
    with_key = verify(archive, "--public-key", str(key))
    assert with_key.exit_code == 0, with_key.output
    assert "cosigned by w3 (quorum two: NOT met; checked against the archive's own" in (
        with_key.output
    )


def test_a_policy_naming_other_witnesses_is_not_met(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2", "w3")
    archive = witnessed.archive("hh-1")
    others = {
        f"o{n}": CosignatureSigner(f"other{n}.example/witness", Ed25519PrivateKey.generate())
        for n in (1, 2, 3)
    }
    policy = witnessed.tmp / "other-witnesses.txt"
    policy.write_text(policy_text(witnessed.log_vkey, others))
    result = verify(archive, "--policy", str(policy))
    assert result.exit_code == 1, result.output
    assert "cosigned by no witness of the policy: the given policy's quorum two" in result.output


def test_a_policy_of_another_log_is_a_mismatch(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    archive = witnessed.archive("hh-1")
    another = LogIdentity.generated(ORIGIN)  # the same name, another key
    policy = witnessed.tmp / "another-log.txt"
    policy.write_text(policy_text(another.vkey, witnessed.signers))
    result = verify(archive, "--policy", str(policy))
    assert result.exit_code == 1, result.output
    assert "is not signed by a log of the given policy: no known key signed" in result.output


def test_an_altered_inclusion_path_is_a_mismatch(witnessed: Witnessed) -> None:
    household(witnessed)
    append(witnessed, "hh-2", f.registered())  # so that every path has a hash
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")

    def alter_path(files: dict[str, bytes]) -> None:
        name = _proof_names(files)[0]
        lines = files[name].decode().split("\n")
        digest = bytearray(base64.b64decode(lines[2]))
        digest[0] ^= 1
        lines[2] = base64.b64encode(bytes(digest)).decode()
        files[name] = "\n".join(lines).encode()

    forged = _reissued(witnessed.archive("hh-1"), alter_path, witnessed.tmp / "path.zip")
    result = verify(forged, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "is not in the log: its inclusion path fails against the root" in result.output


def test_a_note_re_signed_by_another_key_is_a_mismatch(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    forger = LogIdentity.generated(ORIGIN)

    def re_sign(files: dict[str, bytes]) -> None:
        for name in _proof_names(files):
            proof = parse_proof(files[name].decode())
            note = parse(proof.checkpoint)
            # The forger's signature in the log's place, the witnesses' cosignatures kept.
            forged = note.text + "\n" + forger.signer.sign(note.text).line()
            forged += "".join(s.line() for s in note.signatures[1:])
            head = files[name].decode().partition("\n\n")[0]
            files[name] = (head + "\n\n" + forged).encode()

    forged = _reissued(witnessed.archive("hh-1"), re_sign, witnessed.tmp / "re-signed.zip")
    result = verify(forged, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "not signed by a log of the given policy: no known key signed" in result.output


def test_an_archive_forged_with_its_own_log_and_policy_fails_against_the_real_policy(
    witnessed: Witnessed,
) -> None:
    """The archive's tlog/policy.txt is never trusted: only the policy given."""
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    forger = LogIdentity.generated(ORIGIN)

    def own_log(files: dict[str, bytes]) -> None:
        files[TLOG_POLICY] = f"log {forger.vkey}\nquorum none\n".encode()
        for name in _proof_names(files):
            proof = parse_proof(files[name].decode())
            forged = forger.sign(1, bytes(32)).format()
            head = files[name].decode().partition("\n\n")[0]
            files[name] = (head + "\n\n" + forged).encode()
            assert proof.checkpoint != forged

    forged = _reissued(witnessed.archive("hh-1"), own_log, witnessed.tmp / "own-log.zip")
    consistent = verify(forged)
    assert consistent.exit_code == 1  # its own notes do not even prove its events
    result = verify(forged, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "not signed by a log of the given policy" in result.output


# The hostile-archive properties hold for the new entries.


def test_a_duplicate_tlog_entry_is_a_mismatch(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    archive = witnessed.archive("hh-1")
    entries = _entries(archive)
    name = _proof_names(dict(entries))[0]
    duplicated = _write(
        witnessed.tmp / "duplicate.zip", [(name, b"c2sp.org/tlog-proof@v1\n"), *entries]
    )
    result = verify(duplicated, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert f"holds '{name}' twice" in result.output


def test_an_unlisted_tlog_entry_and_a_listed_proof_of_no_event_are_mismatches(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    archive = witnessed.archive("hh-1")
    entries = _entries(archive)
    name = _proof_names(dict(entries))[0]
    stray = "tlog/00000000-0000-4000-8000-000000000000.tlog-proof"
    unlisted = _write(witnessed.tmp / "unlisted.zip", [*entries, (stray, dict(entries)[name])])
    result = verify(unlisted, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert f"the entry {stray!r} is not listed in the signed manifest.json" in result.output

    def add_stray(files: dict[str, bytes]) -> None:
        files[stray] = files[name]

    listed = _reissued(archive, add_stray, witnessed.tmp / "listed.zip")
    result = verify(listed, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert f"{stray} is not the proof of an event of this archive" in result.output


def test_a_missing_tlog_proof_is_a_mismatch(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")

    def drop(files: dict[str, bytes]) -> None:
        del files[_proof_names(files)[-1]]

    forged = _reissued(witnessed.archive("hh-1"), drop, witnessed.tmp / "dropped.zip")
    result = verify(forged, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "has no tlog/" in result.output


def test_the_last_event_dropped_is_a_mismatch_with_the_policy_alone(witnessed: Witnessed) -> None:
    """Every remaining event still proves its inclusion: what shows the drop to a verifier
    holding only the policy is the manifest's note, signed by the log's note key."""
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")

    def drop_the_last_event(files: dict[str, bytes]) -> None:
        events = files["events.jsonl"].splitlines(keepends=True)
        last = json.loads(events[-1])
        files["events.jsonl"] = b"".join(events[:-1])
        del files[tlog_proof_name(last["id"])]
        proofs = [p for p in json.loads(files["proofs.json"]) if p["event_id"] != last["id"]]
        files["proofs.json"] = json.dumps(proofs).encode()
        manifest = json.loads(files["manifest.json"])
        manifest["version"] = last["version"] - 1
        manifest["head_hash"] = last["prev_hash"]
        files["manifest.json"] = json.dumps(manifest).encode()

    archive = witnessed.archive("hh-1")
    assert verify(archive, "--policy", str(witnessed.policy)).exit_code == 0
    forged = _reissued(archive, drop_the_last_event, witnessed.tmp / "shortened.zip")
    result = verify(forged, "--policy", str(witnessed.policy))
    assert result.exit_code == 1, result.output
    assert "manifest.json was altered" in result.output


def test_a_format_2_archive_still_verifies_with_the_key_but_has_nothing_for_a_policy(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")
    files = _members(witnessed.archive("hh-1"))
    for name in [n for n in files if n.startswith("tlog/")]:
        del files[name]
    manifest = json.loads(files["manifest.json"])
    manifest["format"] = FORMAT_2
    manifest["files"] = {n: d for n, d in manifest["files"].items() if not n.startswith("tlog/")}
    key = services_of(witnessed.client).transparency.key
    manifest["signature"] = signing.sign(key, manifest_content(manifest))
    files["manifest.json"] = canonical_json(manifest)
    old = _write(witnessed.tmp / "format-2.zip", list(files.items()))
    public_key = witnessed.tmp / "public-key.json"
    public_key.write_text(witnessed.client.get("/v1/checkpoints/public-key").text)
    result = verify(old, "--public-key", str(public_key))
    assert result.exit_code == 0, result.output
    assert "tlog-proofs" not in result.output
    with_policy = verify(old, "--policy", str(witnessed.policy))
    assert with_policy.exit_code == 1, with_policy.output
    assert "ledger-trace-archive/2 archive, which carries no tlog proofs" in with_policy.output


def test_a_policy_file_that_is_no_policy_is_refused(witnessed: Witnessed) -> None:
    household(witnessed)
    witnessed.fresh_size()
    archive = witnessed.archive("hh-1")
    bad = witnessed.tmp / "bad-policy.txt"
    bad.write_text("log not-a-vkey\nquorum none\n")
    result = verify(archive, "--policy", str(bad))
    assert result.exit_code == 1, result.output
    assert "is not a tlog-policy: line 1" in result.output
