"""The household page's verification badge on the stored rows, on both databases, where
the transparency log is sequenced by someone else meanwhile."""

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.materials import MaterialStore
from ledger.persistence.database import Database
from ledger.transparency.archive import ArchiveSources, write_archive
from ledger.transparency.badge import Badges, Mismatch
from ledger.transparency.log import TransparencyLog
from ledger.transparency.verify import ArchiveInvalid, verify_archive
from tests import factories as f
from tests.integration.test_audit import (  # noqa: F401  # the sql fixture
    Sql,
    _set_state,
    _state,
    forge_commitment,
    sql,
)


class BeatenToIt(TransparencyLog):
    """This process's log, whose checkpointer thread (``other``) sequences every new event
    just before this instance's own ``catch_up`` does: that call then adds nothing."""

    def __init__(
        self, ledger: HouseholdLedger, key: Ed25519PrivateKey, other: TransparencyLog
    ) -> None:
        super().__init__(ledger, key)
        self.other = other

    def catch_up(self) -> int:
        self.other.catch_up()
        return super().catch_up()


def test_the_badge_holds_when_the_checkpointer_sequenced_the_last_event_first(
    ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    AppendPipeline(ledger).append(
        "hh-1",
        AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events,
        recorder_caller,
    )
    key = Ed25519PrivateKey.generate()
    log = BeatenToIt(ledger, key, TransparencyLog(ledger, key))
    assert log.catch_up() == 0  # as the page finds it: sequenced, but not by this call
    AppendPipeline(ledger).append(
        "hh-1", AppendBatch.model_validate({"events": [f.survey()]}).events, recorder_caller
    )
    badge = Badges().verify(ledger, log, "hh-1")
    assert (badge.events, badge.tree_size) == (3, 3)


def test_the_badge_names_the_first_mismatch_as_ledger_verify_names_it_in_the_archive(
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
    database: Database,
    sql: Sql,
    tmp_path: Path,
) -> None:
    appends.append(
        "hh-1",
        AppendBatch.model_validate({"events": [f.registered(), f.survey(), f.survey()]}).events,
        recorder_caller,
    )
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    log.checkpoint(fresh=True)
    state = _state(sql, database, "hh-1", 2)
    assert b"9000" in state
    _set_state(sql, database, "hh-1", 2, state.replace(b"9000", b"9001", 1))

    with pytest.raises(Mismatch) as badge:
        Badges().verify(ledger, log, "hh-1")
    archive = io.BytesIO()
    sources = ArchiveSources(ledger, log, MaterialStore(tmp_path), config.load_default())
    write_archive(sources, "hh-1", recorder_caller, archive)
    with pytest.raises(ArchiveInvalid) as verified:
        verify_archive(archive)

    # The same event and finding; each names where it looked (a stored row, an archive's line).
    where, _, finding = str(badge.value).partition(": ")
    assert where.startswith("version 2 (id ")
    assert str(verified.value).endswith(
        f"(version 2, id {where.removeprefix('version 2 (id ')}: {finding}"
    )
    assert "does not match its hash" in finding


@pytest.mark.parametrize("role", ["auditor", "evaluator"])
def test_a_stored_personal_commitment_swapped_fails_the_badge_and_either_archive(
    ledger: HouseholdLedger,
    appends: AppendPipeline,
    recorder_caller: Caller,
    database: Database,
    sql: Sql,
    tmp_path: Path,
    role: str,
) -> None:
    """The badge hashes the stored rows, whose personal fields hold commitments (CONTRACT
    §7.3); an archive serves them opened or committed. A swapped commitment fails all."""
    appends.append(
        "hh-1",
        AppendBatch.model_validate({"events": [f.registered(), f.survey()]}).events,
        recorder_caller,
    )
    log = TransparencyLog(ledger, Ed25519PrivateKey.generate())
    log.checkpoint(fresh=True)
    assert Badges().verify(ledger, log, "hh-1").events == 2
    event_id = forge_commitment(ledger, sql, database, "hh-1", 1)

    with pytest.raises(Mismatch, match=f"version 1 \\(id {event_id}\\): .*does not match"):
        Badges().verify(ledger, log, "hh-1")
    archive = io.BytesIO()
    reader = Caller(token_id="t-read", name="审计员", role=role, division="53")  # type: ignore[arg-type]
    sources = ArchiveSources(ledger, log, MaterialStore(tmp_path), config.load_default())
    write_archive(sources, "hh-1", reader, archive)
    with pytest.raises(ArchiveInvalid, match=f"id {event_id}\\): .*does not match its hash"):
        verify_archive(archive, log.public_key)
