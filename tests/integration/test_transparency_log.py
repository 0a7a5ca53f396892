"""The transparency log against real databases: contiguous leaves in commit order,
concurrent sequencers, and the signing key's file."""

import os
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import IntegrityError

from bootstrap import open_ledger
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.domain import merkle
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.persistence.database import Database
from ledger.transparency import signing
from ledger.transparency.log import TransparencyLog, leaf_fields
from tests import factories as f


def _append(ledger: HouseholdLedger, caller: Caller, household_id: str) -> None:
    AppendPipeline(ledger).append(
        household_id, AppendBatch.model_validate({"events": [f.registered()]}).events, caller
    )


def test_leaves_are_contiguous_where_notification_ids_are_not(
    database: Database, ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    _append(ledger, recorder_caller, "hh-1")
    [stored] = ledger.recorder.select_events(originator_id("hh-1"))
    with pytest.raises(IntegrityError):
        ledger.recorder.insert_events([stored])  # burns a sequence value on PostgreSQL
    _append(ledger, recorder_caller, "hh-2")
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    assert log.catch_up() == 2
    leaves = log.tables.leaves()
    assert [leaf.leaf_index for leaf in leaves] == [0, 1]
    feed = ledger.recorder.select_notifications(start=0, limit=10)
    assert [leaf.notification_id for leaf in leaves] == [n.id for n in feed]
    if database.kind == "postgres":
        assert [n.id for n in feed] == [1, 3]  # the gap the leaf index must not show


def test_a_level_of_stored_hashes_and_an_entry_bundle_are_read_across_a_notification_gap(
    ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    _append(ledger, recorder_caller, "hh-1")
    [stored] = ledger.recorder.select_events(originator_id("hh-1"))
    with pytest.raises(IntegrityError):
        ledger.recorder.insert_events([stored])  # a gap in notification ids on PostgreSQL
    for n in range(2, 6):
        _append(ledger, recorder_caller, f"hh-{n}")
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    assert log.catch_up() == 5
    wanted = [(0, i) for i in range(5)] + [(1, 0), (1, 1), (2, 0)]
    stored_nodes = log.tables.nodes(wanted)
    assert log.tables.level_hashes(0, 0, 5) == [stored_nodes[0, i] for i in range(5)]
    assert log.tables.level_hashes(0, 3, 256) == [stored_nodes[0, 3], stored_nodes[0, 4]]
    assert log.tables.level_hashes(1, 1, 5) == [stored_nodes[1, 1]]
    assert log.tables.level_hashes(2, 0, 1) == [stored_nodes[2, 0]]
    assert log.tables.level_hashes(3, 0, 256) == []

    _, leaves = log.tiles.read("tile/0/000.p/5")
    assert leaves == b"".join(stored_nodes[0, i] for i in range(5))
    _, bundle = log.tiles.read("tile/entries/000.p/5")
    notifications = ledger.recorder.select_notifications(start=0, limit=10)
    hashes = [bytes.fromhex(leaf_fields(n.state)[2]) for n in notifications]
    assert bundle == b"".join(b"\x00\x20" + h for h in hashes)
    assert [merkle.leaf_hash(h) for h in hashes] == [stored_nodes[0, i] for i in range(5)]


def test_concurrent_sequencers_build_one_tree(
    database: Database, recorder_caller: Caller, ledger: HouseholdLedger
) -> None:
    for i in range(60):
        _append(ledger, recorder_caller, f"hh-{i}")
    others = [open_ledger(database, pool_size=2) for _ in range(3)]
    logs = [TransparencyLog(other, Ed25519PrivateKey.generate(), batch_size=7) for other in others]
    errors: list[BaseException] = []

    def run(log: TransparencyLog) -> None:
        try:
            log.checkpoint(fresh=True)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(log,)) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors
        leaves = logs[0].tables.leaves()
        assert [leaf.leaf_index for leaf in leaves] == list(range(60))
        events = {str(e.id): e for i in range(60) for e in ledger.stream(f"hh-{i}")}
        expected = merkle.Frontier()
        for leaf in leaves:
            expected.append(merkle.leaf_hash(bytes.fromhex(events[leaf.event_id].hash)))
        assert logs[0].root(60) == expected.root()
        assert logs[0].checkpoint().root_hash == expected.root().hex()
    finally:
        for other in others:
            other.close()


def test_proofs_at_every_size_verify(ledger: HouseholdLedger, recorder_caller: Caller) -> None:
    for i in range(13):
        _append(ledger, recorder_caller, f"hh-{i}")
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate(), batch_size=5)
    log.catch_up()
    leaves = log.tables.leaves()
    hashes = {str(e.id): e.hash for i in range(13) for e in ledger.stream(f"hh-{i}")}
    for size in range(1, 14):
        root = log.root(size)
        for proof in log.inclusions(leaves[:size], size):
            leaf = merkle.leaf_hash(bytes.fromhex(hashes[proof.leaf.event_id]))
            assert merkle.verify_inclusion(
                proof.leaf.leaf_index, size, leaf, [bytes.fromhex(h) for h in proof.path], root
            )
        for first in range(1, size + 1):
            path = [bytes.fromhex(h) for h in log.consistency(first, size)]
            assert merkle.verify_consistency(first, size, log.root(first), root, path)


def test_a_new_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    key = signing.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = signing.load_or_create_key(path)
    assert signing.public_key_text(again) == signing.public_key_text(key)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    signing.load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(signing.KeyFileError, match="chmod 600"):
        signing.load_or_create_key(path)


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text("not a key")
    os.chmod(path, 0o600)
    with pytest.raises(signing.KeyFileError, match="not an unencrypted PEM key"):
        signing.load_or_create_key(path)


def test_checkpoint_signatures_verify_only_with_their_key() -> None:
    key = Ed25519PrivateKey.generate()
    document = {"tree_size": 3, "root_hash": "ab" * 32, "timestamp": "2026-11-22T00:00:00+00:00"}
    signed = {**document, "signature": signing.sign(key, signing.signed_content(document))}
    assert signing.verify_checkpoint(signing.public_key_text(key), signed)
    other = signing.public_key_text(Ed25519PrivateKey.generate())
    assert not signing.verify_checkpoint(other, signed)
    assert not signing.verify_checkpoint("not base64!", signed)
    assert not signing.verify_checkpoint(signing.public_key_text(key), {"tree_size": 3})


def test_a_ledger_with_checkpoints_never_gets_a_second_key_by_accident(
    ledger: HouseholdLedger, tmp_path: Path
) -> None:
    first = TransparencyLog.open(ledger, str(tmp_path / "key.pem"))  # first start: generated
    first.checkpoint(fresh=True)
    with pytest.raises(signing.KeyFileError, match="already has checkpoints"):
        TransparencyLog.open(ledger, str(tmp_path / "elsewhere" / "key.pem"))
    again = TransparencyLog.open(ledger, str(tmp_path / "key.pem"))
    assert again.public_key == first.public_key
