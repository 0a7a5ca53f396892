"""Reads keep the state they replayed; another process's appends are still seen at once."""

from bootstrap import open_ledger
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.household import replay
from ledger.persistence.database import Database
from ledger.reading import HouseholdReads
from tests import factories as f
from tests.integration.test_concurrency import LOCATION, commands
from tests.integration.test_group_commit import _caller


def test_a_kept_read_state_moves_on_with_what_other_processes_append(
    database: Database, ledger: HouseholdLedger
) -> None:
    other = open_ledger(database, pool_size=2)
    try:
        caller = _caller()
        reads = HouseholdReads(ledger)
        AppendPipeline(other).append("hh-read", commands(f.registered()), caller)
        assert reads.household("hh-read", caller).version == 1  # kept by this process
        first = reads.household("hh-read", caller)
        assert reads.household("hh-read", caller) is first, "nothing new: the kept state"
        for _ in range(3):
            AppendPipeline(other).append("hh-read", LOCATION, caller)
        state = reads.household("hh-read", caller)
        assert state.version == 4
        assert first.version == 1, "a kept state is never changed, only replaced"
        assert state == replay("hh-read", ledger.stream("hh-read"))
        assert [e.version for e in reads.history("hh-read", caller, after_version=1, limit=2)] == [
            2,
            3,
        ]
        assert [e.version for e in reads.history("hh-read", caller, after_version=3)] == [4]
        assert reads.history("hh-read", caller, after_version=9) == []
    finally:
        other.close()
