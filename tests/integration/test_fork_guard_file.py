"""The fork guard's memory outside the database (CONTRACT §7.4): ``<note key>.signed`` is
written atomically, readable by its owner only, and never lowered — not by a smaller
checkpoint, not by several processes signing at once (an exclusive flock)."""

import hashlib
import multiprocessing
import random
from pathlib import Path

import pytest

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.errors import LogForked
from ledger.transparency.c2sp.checkpoint import parse_checkpoint
from ledger.transparency.c2sp.note import Ed25519Signer, parse
from ledger.transparency.fork_guard import ForkGuard, ForkGuardFileError, signed_file_of
from ledger.transparency.log import TransparencyLog
from ledger.transparency.notes import LogIdentity
from ledger.transparency.signing import load_or_create_key
from tests import factories as f

ORIGIN = "ledger.example.gov.cn/fpjc/530925"


def _identity(key_file: Path) -> LogIdentity:
    return LogIdentity(ORIGIN, Ed25519Signer(ORIGIN, load_or_create_key(key_file)))


def _root(size: int) -> bytes:
    return hashlib.sha256(str(size).encode()).digest()


def _guard(key_file: Path) -> ForkGuard:
    identity = _identity(key_file)
    return ForkGuard(
        None,
        signed_file=signed_file_of(key_file),
        origin=ORIGIN,
        log_verifiers=[identity.verifier],
    )


def _record(key_file: Path, size: int) -> None:
    _guard(key_file).record(size, _root(size), _identity(key_file).sign(size, _root(size)).format())


def _signed_size(key_file: Path) -> int:
    return parse_checkpoint(parse(signed_file_of(key_file).read_text()).text).size


def _record_many(key_file: str, sizes: list[int]) -> None:
    for size in sizes:
        _record(Path(key_file), size)


def test_the_file_keeps_the_largest_checkpoint_readable_by_its_owner_only(tmp_path: Path) -> None:
    key_file = tmp_path / "note-key.pem"
    _record(key_file, 5)
    _record(key_file, 3)  # another process's smaller, consistent tree: not lowered
    assert _signed_size(key_file) == 5
    assert signed_file_of(key_file).stat().st_mode & 0o777 == 0o600
    _record(key_file, 8)
    assert _signed_size(key_file) == 8
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place


def test_another_root_at_the_signed_size_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "note-key.pem"
    _record(key_file, 5)
    guard = _guard(key_file)
    other = hashlib.sha256(b"another history").digest()
    with pytest.raises(LogForked, match="signed 5 events"):
        guard.record(5, other, _identity(key_file).sign(5, other).format())
    assert guard.tripped
    assert _signed_size(key_file) == 5


def test_several_processes_signing_at_once_never_lower_it(tmp_path: Path) -> None:
    key_file = tmp_path / "note-key.pem"
    load_or_create_key(key_file)
    context = multiprocessing.get_context("spawn")
    sizes = list(range(1, 41))
    workers = []
    for seed in range(4):
        shuffled = sizes[:]
        random.Random(seed).shuffle(shuffled)  # noqa: S311  # an order, not a secret
        workers.append(context.Process(target=_record_many, args=(str(key_file), shuffled)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert _signed_size(key_file) == 40


def test_a_file_not_signed_by_the_log_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "note-key.pem"
    stranger = _identity(tmp_path / "stranger.pem")
    signed_file_of(key_file).write_text(stranger.sign(9, _root(9)).format())
    with pytest.raises(ForkGuardFileError, match="not a checkpoint note signed by"):
        _record(key_file, 10)


def test_a_witness_size_beyond_the_database_stops_sequencing_signing_and_appends(
    ledger: HouseholdLedger, recorder_caller: Caller, tmp_path: Path
) -> None:
    """What the witness client reports after a 409 (``report_witness_size``) trips the guard
    as the file does: nothing sequenced or signed, appends refused without a query."""
    key_file = tmp_path / "guarded-note-key.pem"
    log = TransparencyLog.open(
        ledger, str(tmp_path / "signing.pem"), note_key=str(key_file), origin=ORIGIN
    )
    appends = AppendPipeline(ledger, refusal=log.guard.refusal)
    events = AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events
    appends.append("hh-1", events, recorder_caller)
    signed = log.checkpoint(fresh=True)
    assert signed.tree_size == 2
    assert _signed_size(key_file) == 2

    log.guard.report_witness_size("w1", 2, bytes.fromhex(signed.root_hash))  # agrees
    assert not log.guard.tripped
    log.guard.report_witness_size("w2", 2, _root(2))
    log.guard.report_witness_size("w1", 7, None)
    assert [
        (d.source, d.kind, d.signed_size, d.database_size) for d in log.guard.disagreements
    ] == [
        ("w2", "disagrees", 2, 2),
        ("w1", "behind", 7, 2),
    ]
    with pytest.raises(LogForked, match="witness w1 cosigned 7 events"):
        appends.append("hh-2", events, recorder_caller)
    AppendPipeline(ledger).append("hh-3", events, recorder_caller)  # another writer's
    assert log.checkpoint(fresh=True) == signed  # the last good one, nothing sequenced
    assert log.tables.size()[0] == 2
    assert _signed_size(key_file) == 2
