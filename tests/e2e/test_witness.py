"""``ledger witness serve`` over real HTTP on loopback, as a child process with real key and
state files: every answer of c2sp.org/tlog-witness, cosignatures that verify with the
printed vkey, a state that survives ``kill -9``, and no rollback under concurrent
submissions, from threads or from two processes on one state file."""

import hashlib
import random
import re
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.c2sp import note
from ledger.transparency.c2sp.checkpoint import parse_checkpoint
from ledger.transparency.c2sp.witness_protocol import MAX_BODY_BYTES, SIZE_CONTENT_TYPE
from tests.e2e.witnesses import WITNESS_NAME, WitnessProcess, witness_command
from tests.witness_log import SignedLog

TEXT = "text/plain; charset=utf-8"
LEAVES = 120


@dataclass
class Office:
    """An audit office's directory: the witness's key and state files, and a trusted log."""

    directory: Path
    log: SignedLog
    vkey: str  # the witness's, as ``ledger witness vkey`` printed it
    witnesses: list[WitnessProcess] = field(default_factory=list)

    @property
    def key(self) -> Path:
        return self.directory / "witness.key"

    @property
    def state(self) -> Path:
        return self.directory / "witness-state.json"

    def serve(self) -> WitnessProcess:
        log_file = self.directory / f"witness-{len(self.witnesses)}.log"
        witness = WitnessProcess(self.state, self.key, log_file).start()
        self.witnesses.append(witness)
        return witness

    def add_log(self, log: SignedLog) -> None:
        added = witness_command(
            self.directory, "add-log", "--state", str(self.state), "--origin", log.origin,
            "--vkey", log.vkey,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    printed = witness_command(
        tmp_path, "vkey", "--name", WITNESS_NAME, "--key", str(tmp_path / "witness.key")
    )
    assert printed.returncode == 0, printed.stderr
    made = Office(tmp_path, SignedLog(leaves=LEAVES), printed.stdout.strip())
    made.add_log(made.log)
    try:
        yield made
    finally:
        for witness in made.witnesses:
            witness.stop()
    assert not (tmp_path / "ledger.db").exists()  # the witness opened no ledger


def witness_verifier(office: Office) -> note.CosignatureVerifier:
    verifier = note.parse_vkey(office.vkey)
    assert isinstance(verifier, note.CosignatureVerifier)
    return verifier


def assert_cosigned(office: Office, response: httpx.Response, size: int) -> int:
    """The 200 holds one cosignature of the checkpoint at ``size`` by the printed vkey's
    key; returns its timestamp."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    verifier = witness_verifier(office)
    (cosignature,) = note.parse_signatures(response.text)
    opened = note.open_note(office.log.checkpoint(size) + response.text, [verifier])
    assert opened.signed_by(verifier)
    return note.cosignature_timestamp(cosignature)


def refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == TEXT
    assert response.text.strip(), "every refusal says why"
    return response.text


def monitored_size(base: str, log: SignedLog) -> int | None:
    response = httpx.get(f"{base}/{log.origin_hash()}/checkpoint", timeout=30)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return parse_checkpoint(note.parse(response.text).text).size


def test_a_checkpoint_and_its_successor_are_cosigned_with_the_printed_vkeys_key(
    office: Office,
) -> None:
    witness = office.serve()
    log = office.log

    first = assert_cosigned(office, witness.add_checkpoint(log.body(0, 8)), 8)
    second = assert_cosigned(office, witness.add_checkpoint(log.body(8, 100)), 100)

    now = time.time()
    assert 0 < first <= second <= now + 1


def test_a_malformed_body_an_unknown_origin_and_a_bad_signature_are_400_404_403(
    office: Office,
) -> None:
    witness = office.serve()
    log = office.log
    impostor = note.Ed25519Signer(log.origin, Ed25519PrivateKey.generate())
    good = note.parse(log.checkpoint(3))
    (signature,) = good.signatures
    flipped = bytes([signature.signature[0] ^ 0x80]) + signature.signature[1:]
    failing = note.Note(good.text, (note.Signature(signature.name, signature.key_id, flipped),))

    assert "old" in refused(witness.add_checkpoint(b"old 1\n"), 400)
    refused(witness.add_checkpoint(b"old 0\n\nnot a note"), 400)
    assert "unknown" in refused(
        witness.add_checkpoint(SignedLog("x.example/log", 2).body(0, 2)), 404
    )
    refused(
        witness.add_checkpoint(log.body(0, 3, checkpoint=log.checkpoint(3, signer=impostor))), 403
    )
    refused(witness.add_checkpoint(log.body(0, 3, checkpoint=failing.format())), 403)
    assert monitored_size(witness.base, log) is None


def test_old_sizes_above_the_checkpoint_or_off_the_cosigned_one_are_400_and_409(
    office: Office,
) -> None:
    witness = office.serve()
    log = office.log

    never = witness.add_checkpoint(log.body(3, 9))
    assert_cosigned(office, witness.add_checkpoint(log.body(0, 9)), 9)
    behind = witness.add_checkpoint(log.body(4, 20))
    ahead = witness.add_checkpoint(log.body(12, 20))

    refused(witness.add_checkpoint(log.body(30, 20, proof=())), 400)
    for response in (never, behind, ahead):
        assert response.status_code == 409
        assert response.headers["content-type"] == SIZE_CONTENT_TYPE
    assert (never.text, behind.text, ahead.text) == ("0\n", "9\n", "9\n")


def test_inconsistent_checkpoints_are_422(office: Office) -> None:
    witness = office.serve()
    log = office.log
    fork = log.fork(shared=6)

    empty_with_a_root = witness.add_checkpoint(
        log.body(0, 0, checkpoint=log.checkpoint(0, root=log.root(1)))
    )
    proof_from_nothing = witness.add_checkpoint(log.body(0, 16, proof=log.proof(8, 16)))
    assert_cosigned(office, witness.add_checkpoint(log.body(0, 16)), 16)
    wrong_proof = witness.add_checkpoint(log.body(16, 40, proof=log.proof(15, 40)))
    forked_successor = witness.add_checkpoint(fork.body(16, 40))
    forked_same_size = witness.add_checkpoint(fork.body(16, 16))

    assert "empty tree" in refused(empty_with_a_root, 422)
    assert "no consistency proof" in refused(proof_from_nothing, 422)
    assert "does not verify" in refused(wrong_proof, 422)
    assert "does not verify" in refused(forked_successor, 422)
    assert "different root" in refused(forked_same_size, 422)
    assert monitored_size(witness.base, log) == 16


def test_the_empty_tree_and_the_same_checkpoint_again_are_cosigned(office: Office) -> None:
    witness = office.serve()
    log = office.log

    assert_cosigned(office, witness.add_checkpoint(log.body(0, 0)), 0)
    assert_cosigned(office, witness.add_checkpoint(log.body(0, 5)), 5)
    assert_cosigned(office, witness.add_checkpoint(log.body(5, 5)), 5)


def test_a_body_over_the_bound_is_413_and_other_paths_and_methods_404_and_405(
    office: Office,
) -> None:
    witness = office.serve()

    too_large = witness.add_checkpoint(b"old 0\n" + b"A" * MAX_BODY_BYTES)
    unknown_path = httpx.post(f"{witness.base}/add-checkpoints", content=b"", timeout=30)
    wrong_method = httpx.get(f"{witness.base}/add-checkpoint", timeout=30)
    post_to_monitoring = httpx.post(
        f"{witness.base}/{office.log.origin_hash()}/checkpoint", timeout=30
    )

    refused(too_large, 413)
    refused(unknown_path, 404)
    assert "POST" in refused(wrong_method, 405)
    refused(post_to_monitoring, 405)


def test_the_monitoring_endpoint_serves_the_latest_checkpoint_with_both_signatures(
    office: Office,
) -> None:
    witness = office.serve()
    log = office.log
    other = SignedLog("second.example/log", leaves=4)
    office.add_log(other)  # trusted, never cosigned
    assert_cosigned(office, witness.add_checkpoint(log.body(0, 33)), 33)
    answer = witness.add_checkpoint(log.body(33, 64))

    served = httpx.get(f"{witness.base}/{log.origin_hash()}/checkpoint", timeout=30)
    never_cosigned = httpx.get(f"{witness.base}/{other.origin_hash()}/checkpoint", timeout=30)
    unknown = httpx.get(f"{witness.base}/{'0' * 64}/checkpoint", timeout=30)
    uppercase = httpx.get(f"{witness.base}/{log.origin_hash().upper()}/checkpoint", timeout=30)

    assert served.status_code == 200
    assert served.text == log.checkpoint(64) + answer.text
    opened = note.open_note(served.text, [log.signer.verifier, witness_verifier(office)])
    assert len(opened.verified) == 2
    for response in (never_cosigned, unknown, uppercase):
        refused(response, 404)


def test_a_cosigned_size_survives_kill_9_right_after_the_200(office: Office) -> None:
    witness = office.serve()
    log = office.log
    first = assert_cosigned(office, witness.add_checkpoint(log.body(0, 21)), 21)
    witness.kill()

    restarted = office.serve()

    assert monitored_size(restarted.base, log) == 21
    stale = restarted.add_checkpoint(log.body(0, 30))
    assert (stale.status_code, stale.text) == (409, "21\n")
    assert assert_cosigned(office, restarted.add_checkpoint(log.body(21, 30)), 30) >= first
    assert stat.S_IMODE(office.state.stat().st_mode) == 0o600


@dataclass
class Race:
    """Submissions from many threads, each catching up on 409s, and what a monitor saw."""

    log: SignedLog
    bases: list[str]
    accepted: list[tuple[float, int]] = field(default_factory=list)  # (sent at, size)
    seen: list[tuple[float, int]] = field(default_factory=list)  # (answered at, size)
    errors: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, sizes: list[int], seed: int) -> None:
        chooser = random.Random(seed)  # noqa: S311  # which server to try: no secret
        old = 0
        with httpx.Client(timeout=60) as client:
            for size in sizes:
                while old <= size:
                    base = chooser.choice(self.bases)
                    sent = time.monotonic()
                    response = client.post(
                        f"{base}/add-checkpoint", content=self.log.body(old, size)
                    )
                    if response.status_code == 409:
                        old = int(response.text)
                        continue
                    if response.status_code != 200:
                        self.errors.append(f"{size} from {old}: {response.status_code}")
                        break
                    with self.lock:
                        self.accepted.append((sent, size))
                    old = size
                    break

    def monitor(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.done.is_set():
                for base in self.bases:
                    response = client.get(f"{base}/{self.log.origin_hash()}/checkpoint")
                    if response.status_code == 200:
                        size = parse_checkpoint(note.parse(response.text).text).size
                        self.seen.append((time.monotonic(), size))
                time.sleep(0.005)  # leaves the CPU to the submissions it watches

    def run(self, threads: int) -> None:
        sizes = list(range(1, self.log.size + 1))
        random.Random(7).shuffle(sizes)  # noqa: S311  # a repeatable deal: no secret
        share = [sorted(sizes[i::threads]) for i in range(threads)]
        workers = [threading.Thread(target=self.submit, args=(share[i], i)) for i in range(threads)]
        monitor = threading.Thread(target=self.monitor)
        monitor.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=300)
        self.done.set()
        monitor.join(timeout=60)

    def assert_never_rolled_back(self) -> None:
        assert not self.errors, self.errors
        assert self.accepted
        seen_sizes = [size for _, size in self.seen]
        assert seen_sizes == sorted(seen_sizes), "a monitor saw the cosigned size go back"
        for sent, size in self.accepted:
            stored_before = [seen for at, seen in self.seen if at < sent]
            assert size >= max(stored_before, default=0), "a 200 below a size stored earlier"
        final = {monitored_size(base, self.log) for base in self.bases}
        assert final == {max(size for _, size in self.accepted)}


def test_concurrent_submissions_never_roll_the_cosigned_size_back(office: Office) -> None:
    witness = office.serve()
    race = Race(office.log, [witness.base])

    race.run(threads=8)

    race.assert_never_rolled_back()


def test_two_serve_processes_on_one_state_file_never_roll_the_size_back(office: Office) -> None:
    race = Race(office.log, [office.serve().base, office.serve().base])

    race.run(threads=8)

    race.assert_never_rolled_back()


def test_add_log_while_serving_takes_effect_and_loses_no_cosigned_size(office: Office) -> None:
    witness = office.serve()
    race = Race(office.log, [witness.base])
    late = SignedLog("late.example/log", leaves=9)
    racing = threading.Thread(target=race.run, kwargs={"threads": 6})

    racing.start()
    office.add_log(late)
    racing.join(timeout=300)

    race.assert_never_rolled_back()
    assert_cosigned(
        Office(office.directory, late, office.vkey), witness.add_checkpoint(late.body(0, 9)), 9
    )


def test_add_log_refuses_a_witness_key_another_name_or_a_second_key(office: Office) -> None:
    state_before = office.state.read_bytes()
    other_key = SignedLog(office.log.origin)

    def add(origin: str, vkey: str) -> str:
        result = witness_command(
            office.directory, "add-log", "--state", str(office.state), "--origin", origin,
            "--vkey", vkey,
        )  # fmt: skip
        assert result.returncode == 1, result.stdout
        return result.stderr

    assert "type 0x04" in add(office.log.origin, office.vkey)
    assert "not the origin" in add("another.example/log", office.log.vkey)
    assert "already trusted under another key" in add(office.log.origin, other_key.vkey)
    assert "not <name>+<hex id>+<base64 key>" in add(office.log.origin, "garbage")
    assert office.state.read_bytes() == state_before


def test_add_log_of_a_trusted_key_again_changes_nothing(office: Office) -> None:
    state_before = office.state.read_bytes()

    again = witness_command(
        office.directory, "add-log", "--state", str(office.state), "--origin",
        office.log.origin, "--vkey", office.log.vkey,
    )  # fmt: skip

    assert again.returncode == 0, again.stderr
    assert "already trusted" in again.stdout
    assert office.state.read_bytes() == state_before
    assert stat.S_IMODE(office.state.stat().st_mode) == 0o600


def test_vkey_prints_name_hex_id_and_base64_of_type_4_and_the_key(office: Office) -> None:
    again = witness_command(
        office.directory, "vkey", "--name", WITNESS_NAME, "--key", str(office.key)
    )
    other_name = witness_command(
        office.directory, "vkey", "--name", "other.example/w", "--key", str(office.key)
    )

    assert again.stdout.strip() == office.vkey
    match = re.fullmatch(
        re.escape(WITNESS_NAME) + r"\+([0-9a-f]{8})\+(B[A-P][A-Za-z0-9+/]{42})", office.vkey
    )
    assert match is not None, office.vkey
    verifier = witness_verifier(office)
    assert (
        match.group(1)
        == hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + verifier.public_key)
        .digest()[:4]
        .hex()
    )
    same_key = other_name.stdout.strip().split("+", 2)[2] == office.vkey.split("+", 2)[2]
    assert same_key  # one key file, two names: two vkeys of one key
    assert stat.S_IMODE(office.key.stat().st_mode) == 0o600


def test_a_key_file_others_can_read_or_a_name_with_a_space_is_refused(office: Office) -> None:
    office.key.chmod(0o644)
    readable = witness_command(
        office.directory, "vkey", "--name", WITNESS_NAME, "--key", str(office.key)
    )
    office.key.chmod(0o600)
    spaced = witness_command(
        office.directory, "vkey", "--name", "audit office", "--key", str(office.key)
    )

    assert readable.returncode == 1
    assert "chmod 600" in readable.stderr
    assert spaced.returncode == 2
    assert "space" in spaced.stderr


def test_a_state_made_writable_by_others_while_serving_is_503_and_nothing_cosigned(
    office: Office,
) -> None:
    witness = office.serve()
    office.state.chmod(0o664)

    answer = witness.add_checkpoint(office.log.body(0, 4))

    assert "chmod 600" in refused(answer, 503)
    office.state.chmod(0o600)
    assert monitored_size(witness.base, office.log) is None


def test_serve_refuses_a_state_file_others_may_write(office: Office) -> None:
    office.state.chmod(0o664)

    started = witness_command(
        office.directory, "serve", "--name", WITNESS_NAME, "--state", str(office.state),
        "--key", str(office.key), "--port", "0",
    )  # fmt: skip

    assert started.returncode == 1
    assert "chmod 600" in started.stderr
    office.state.chmod(0o600)
