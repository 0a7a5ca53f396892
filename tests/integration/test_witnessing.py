"""The witness client against real witnesses over real HTTP on 127.0.0.1 (the witness's
own Starlette app served by uvicorn, or one told to misbehave) and real databases: what it
submits, what it stores, what it publishes, and what it reports as a disagreement."""

import base64
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.witness import witness_app
from bootstrap import open_ledger
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.persistence.database import Database
from ledger.transparency.c2sp.note import CosignatureSigner, vkey
from ledger.transparency.c2sp.policy import check_checkpoint, parse_policy
from ledger.transparency.c2sp.witness_protocol import SIZE_CONTENT_TYPE
from ledger.transparency.log import TransparencyLog
from ledger.transparency.notes import LogIdentity
from ledger.transparency.publication import CheckpointNotWitnessed
from ledger.transparency.witness import StateFile, Witness, add_log
from ledger.transparency.witnessing import Disagreement, WitnessClient
from tests import factories as f
from tests.e2e.servers import free_port

ORIGIN = "ledger.example/fpjc/witnessing-test"

Behaviour = Callable[[bytes], Response]


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", log_config=None)
    )
    thread = threading.Thread(target=server.run, name=f"witness-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class ServedWitness:
    """A real witness (``api.witness``'s decision and state file) that a test may tell to
    answer something else instead."""

    def __init__(self, directory: Path, name: str, log_vkey: str) -> None:
        self.name = name
        self.signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
        self.state = StateFile(directory / f"{name.replace('/', '_')}.json")
        add_log(self.state, ORIGIN, log_vkey)
        self.real = witness_app(Witness(self.signer, self.state))
        self.behaviour: Behaviour | None = None
        self.requests: list[bytes] = []
        self.url = ""

    @property
    def vkey(self) -> str:
        return vkey(self.signer.verifier)

    def app(self) -> Starlette:
        async def add_checkpoint(request: Request) -> Response:
            body = await request.body()
            self.requests.append(body)
            if self.behaviour is not None:
                return await run_in_threadpool(self.behaviour, body)
            witness = Witness(self.signer, self.state)
            answer = await run_in_threadpool(witness.add_checkpoint, body)
            return Response(answer.body, answer.status, media_type=answer.content_type)

        return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])


@pytest.fixture
def identity() -> LogIdentity:
    return LogIdentity.generated(ORIGIN)


@pytest.fixture
def witnesses(tmp_path: Path, identity: LogIdentity) -> Iterator[dict[str, ServedWitness]]:
    made = {n: ServedWitness(tmp_path, f"{n}.example/witness", identity.vkey) for n in ("w1", "w2")}
    with served(made["w1"].app()) as first, served(made["w2"].app()) as second:
        made["w1"].url, made["w2"].url = first, second
        yield made


def _log(
    ledger: HouseholdLedger, identity: LogIdentity, witnesses: dict[str, ServedWitness], quorum: str
) -> TransparencyLog:
    lines = [f"log {identity.vkey}"]
    lines += [f"witness {n} {w.vkey} {w.url}" for n, w in witnesses.items()]
    lines += ["group both all w1 w2", "group either any w1 w2", f"quorum {quorum}"]
    policy = parse_policy("\n".join(lines) + "\n")
    return TransparencyLog(ledger, Ed25519PrivateKey.generate(), identity=identity, policy=policy)


def _grow(log: TransparencyLog, caller: Caller, *household_ids: str) -> int:
    for household_id in household_ids:
        AppendPipeline(log.ledger).append(
            household_id, AppendBatch.model_validate({"events": [f.registered()]}).events, caller
        )
    return log.checkpoint(fresh=True).tree_size


def _client(
    log: TransparencyLog, *, timeout_s: float = 2.0, interval_s: float = 60.0
) -> WitnessClient:
    return WitnessClient(log, timeout_s=timeout_s, interval_s=interval_s)


def _stored_witnesses(log: TransparencyLog, size: int) -> set[str]:
    return {c.witness for c in log.tables.cosignatures(size)}


def test_both_witnesses_cosign_and_the_quorum_publishes_the_note(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    size = _grow(log, recorder_caller, "hh-1", "hh-2", "hh-3")
    with pytest.raises(CheckpointNotWitnessed):
        log.published_note()  # signed, but no witness has seen it
    client = _client(log)
    try:
        assert client.submit_round() == 2
        verdict = check_checkpoint(log.policy, log.published_note())
        assert (verdict.checkpoint.size, verdict.quorum_met) == (size, True)
        assert verdict.cosigned_by == {"w1", "w2"}
        grown = _grow(log, recorder_caller, "hh-4", "hh-5")
        assert client.submit_round(force=True) == 2
        later = check_checkpoint(log.policy, log.published_note())
        assert (later.checkpoint.size, later.quorum_met) == (grown, True)
        # The second submission carried a consistency proof from the size each cosigned.
        assert all(w.requests[-1].startswith(f"old {size}\n".encode()) for w in witnesses.values())
        assert len(log.cosignature_lines(grown)) == 2
        assert client.disagreements() == []
        assert client.witness_sizes() == {"w1": grown, "w2": grown}
    finally:
        client.stop()


def test_nothing_is_sent_when_every_witness_cosigned_the_latest_note(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    _grow(log, recorder_caller, "hh-1")
    client = _client(log)
    try:
        client.submit_round()
        assert client.submit_round(force=True) == 0
        assert [len(w.requests) for w in witnesses.values()] == [1, 1]
    finally:
        client.stop()


def test_a_growing_tree_is_submitted_at_most_once_an_interval(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    now = [1000.0]
    log = _log(ledger, identity, witnesses, "both")
    _grow(log, recorder_caller, "hh-1")
    client = WitnessClient(log, interval_s=60, timeout_s=2, clock=lambda: now[0])
    try:
        assert client.submit_round() == 2  # a new checkpoint is sent at once
        grown = _grow(log, recorder_caller, "hh-2")
        now[0] += 30
        assert client.submit_round() == 0
        now[0] += 31
        assert client.submit_round() == 2
        assert client.witness_sizes() == {"w1": grown, "w2": grown}
    finally:
        client.stop()


def _server_error(body: bytes) -> Response:
    return Response(b"internal error\n", 500, media_type="text/plain")


def _garbage(body: bytes) -> Response:
    return Response(b"\x00\xff not a signature line", 200, media_type="text/plain")


def _slow(body: bytes) -> Response:
    time.sleep(1.5)
    return Response(b"", 200)


@pytest.mark.parametrize(
    "behaviour", [_server_error, _garbage, _slow], ids=["500", "garbage", "timeout"]
)
def test_a_failing_witness_does_not_keep_the_other_from_cosigning(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
    behaviour: Behaviour,
) -> None:
    log = _log(ledger, identity, witnesses, "either")
    witnesses["w1"].behaviour = behaviour
    size = _grow(log, recorder_caller, "hh-1")
    client = _client(log, timeout_s=0.5, interval_s=60)
    try:
        started = time.monotonic()
        assert client.submit_round() == 1
        assert time.monotonic() - started < 5
        assert _stored_witnesses(log, size) == {"w2.example/witness"}
        assert client.failures() == {"w1": 1, "w2": 0}
        assert check_checkpoint(log.policy, log.published_note()).cosigned_by == {"w2"}
        # Retried soon (back-off from half a second), not after the 60 s interval.
        assert client.states["w1"].due - time.monotonic() <= 0.5
        witnesses["w1"].behaviour = None
        time.sleep(0.5)
        assert client.submit_round() == 1
        assert _stored_witnesses(log, size) == {"w1.example/witness", "w2.example/witness"}
    finally:
        client.stop()


def test_a_cosignature_that_does_not_verify_is_not_stored(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    forger = witnesses["w1"]
    # The witness's own key, over another text: a known key's line that fails.
    forger.behaviour = lambda body: Response(
        forger.signer.sign("some other checkpoint\n", int(time.time())).line().encode(), 200
    )
    size = _grow(log, recorder_caller, "hh-1")
    client = _client(log)
    try:
        assert client.submit_round() == 1
        assert _stored_witnesses(log, size) == {"w2.example/witness"}
        assert client.failures()["w1"] == 1
        with pytest.raises(CheckpointNotWitnessed):
            log.published_note()  # both are needed
    finally:
        client.stop()


def test_lines_of_unknown_keys_are_ignored(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    stranger = CosignatureSigner("stranger.example/witness", Ed25519PrivateKey.generate())
    w1 = witnesses["w1"]

    def with_a_stranger(body: bytes) -> Response:
        answer = Witness(w1.signer, w1.state).add_checkpoint(body)
        extra = stranger.sign("anything\n", int(time.time())).line().encode()
        return Response(extra + answer.body.encode(), answer.status)

    w1.behaviour = with_a_stranger
    size = _grow(log, recorder_caller, "hh-1")
    client = _client(log)
    try:
        assert client.submit_round() == 2
        assert _stored_witnesses(log, size) == {"w1.example/witness", "w2.example/witness"}
    finally:
        client.stop()


def test_a_witness_ahead_of_the_database_is_resynced_from_its_409(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    size = _grow(log, recorder_caller, "hh-1", "hh-2")
    # Another process (or a database restored without its cosignature rows) had w1 cosign.
    note = log.latest_note().note
    direct = httpx.post(f"{witnesses['w1'].url}/add-checkpoint", content=f"old 0\n\n{note}")
    assert direct.status_code == 200
    client = _client(log)
    try:
        assert client.submit_round() == 2
        assert witnesses["w1"].requests[-2].startswith(b"old 0\n")  # its 409 named size 2
        assert witnesses["w1"].requests[-1].startswith(f"old {size}\n".encode())
        grown = _grow(log, recorder_caller, "hh-3")
        assert client.submit_round(force=True) == 2
        assert check_checkpoint(log.policy, log.published_note()).checkpoint.size == grown
        assert client.disagreements() == []
    finally:
        client.stop()


def _size_answer(size: int) -> Response:
    return Response(f"{size}\n".encode(), 409, media_type=SIZE_CONTENT_TYPE)


def test_a_witness_holding_a_larger_tree_is_a_disagreement(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    witnesses["w1"].behaviour = lambda body: _size_answer(1000)
    size = _grow(log, recorder_caller, "hh-1")
    client = _client(log)
    try:
        assert client.submit_round() == 1
        [fact] = client.disagreements()
        assert (fact.witness, fact.witness_size, fact.our_size, fact.status) == (
            "w1",
            1000,
            size,
            409,
        )
        assert client.witness_sizes()["w1"] == 1000
        assert _stored_witnesses(log, size) == {"w2.example/witness"}
    finally:
        client.stop()


def test_a_422_on_the_proof_from_the_witness_size_is_a_disagreement(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    size = _grow(log, recorder_caller, "hh-1", "hh-2", "hh-3")
    answers = iter([_size_answer(1), Response(b"inconsistent\n", 422)])
    witnesses["w1"].behaviour = lambda body: next(answers)
    client = _client(log)
    try:
        client.submit_round()
        assert witnesses["w1"].requests[-1].startswith(b"old 1\n")
        proof_lines = witnesses["w1"].requests[-1].split(b"\n\n")[0].split(b"\n")[1:]
        assert [len(base64.b64decode(line)) for line in proof_lines] == [32, 32]
        assert client.disagreements() == [
            Disagreement("w1", 1, size, 422, "the witness refused the proof from size 1")
        ]
    finally:
        client.stop()


def test_the_background_thread_gathers_cosignatures_of_new_checkpoints(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    client = _client(log, interval_s=0.1)
    client.start(poll_s=0.05)
    try:
        size = _grow(log, recorder_caller, "hh-1", "hh-2")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(log.cosignature_lines(size)) < 2:
            time.sleep(0.02)
        assert check_checkpoint(log.policy, log.published_note()).checkpoint.size == size
    finally:
        client.stop()


def test_a_stopped_client_has_closed_its_connections(
    ledger: HouseholdLedger, identity: LogIdentity, witnesses: dict[str, ServedWitness]
) -> None:
    client = _client(_log(ledger, identity, witnesses, "both"))
    client.stop()
    assert client.http.is_closed


def test_a_published_note_gains_the_cosignatures_that_arrive_after_the_quorum(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "either")
    witnesses["w2"].behaviour = _server_error
    size = _grow(log, recorder_caller, "hh-1")
    client = _client(log)
    try:
        client.submit_round()
        assert check_checkpoint(log.policy, log.published_note()).cosigned_by == {"w1"}
        witnesses["w2"].behaviour = None
        client.submit_round(force=True)
        verdict = check_checkpoint(log.policy, log.published_note())
        assert (verdict.checkpoint.size, verdict.cosigned_by) == (size, frozenset({"w1", "w2"}))
    finally:
        client.stop()


def test_with_quorum_none_the_latest_note_is_published_at_once(
    ledger: HouseholdLedger, recorder_caller: Caller, identity: LogIdentity
) -> None:
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate(), identity=identity)
    assert log.published_note() == log.latest_note().note  # signs the first note itself
    size = _grow(log, recorder_caller, "hh-1", "hh-2")
    assert log.published_note().split("\n")[1] == str(size)


def test_a_witness_that_cosigned_a_newer_note_of_this_log_is_sent_that_note(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    _grow(log, recorder_caller, "hh-1")
    w1 = witnesses["w1"]
    raced: list[int] = []

    def another_process_signs_and_submits_first(body: bytes) -> Response:
        witness = Witness(w1.signer, w1.state)
        if not raced:
            raced.append(_grow(log, recorder_caller, "hh-2"))
            witness.add_checkpoint(f"old 0\n\n{log.latest_note().note}".encode())
        answer = witness.add_checkpoint(body)
        return Response(answer.body, answer.status, media_type=answer.content_type)

    w1.behaviour = another_process_signs_and_submits_first
    client = _client(log)
    try:
        client.submit_round()
        [newer] = raced
        assert _stored_witnesses(log, newer) == {"w1.example/witness"}
        assert w1.requests[-1].startswith(f"old {newer}\n".encode())
        assert client.disagreements() == []
        assert client.failures()["w1"] == 0
    finally:
        client.stop()


def test_two_processes_submitting_at_once_store_each_cosignature_once(
    database: Database,
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    identity: LogIdentity,
    witnesses: dict[str, ServedWitness],
) -> None:
    log = _log(ledger, identity, witnesses, "both")
    size = _grow(log, recorder_caller, "hh-1", "hh-2")
    other_ledger = open_ledger(database, pool_size=2)
    other_log = TransparencyLog(
        other_ledger, Ed25519PrivateKey.generate(), identity=identity, policy=log.policy
    )
    clients = [_client(log), _client(other_log)]
    try:
        rounds = [threading.Thread(target=c.submit_round) for c in clients]
        for thread in rounds:
            thread.start()
        for thread in rounds:
            thread.join(timeout=30)
        assert _stored_witnesses(log, size) == {"w1.example/witness", "w2.example/witness"}
        assert len(log.tables.cosignatures(size)) == 2
        assert all(c.disagreements() == [] for c in clients)
        assert check_checkpoint(log.policy, log.published_note()).checkpoint.size == size
    finally:
        for client in clients:
            client.stop()
        other_ledger.close()
