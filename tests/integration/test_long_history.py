"""A history of any length is read in bounded memory (issue 13 §5): a page of events,
or a replay to an early date, reads the rows it needs and not the whole stream."""

import tracemalloc
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from bootstrap import open_ledger
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.reading import HouseholdReads
from tests import factories as f
from tests.integration.test_concurrency import commands
from tests.integration.test_group_commit import _caller

SHORT, LONG, BATCH = 60, 3000, 500


@pytest.fixture
def histories(database: Database) -> Iterator[Database]:
    ledger = open_ledger(database, pool_size=2)
    appends = AppendPipeline(ledger)
    try:
        for household, length in (("hh-short", SHORT), ("hh-long", LONG)):
            appends.append(household, commands(f.registered()), _caller())
            # Versions 2..SHORT in one append (one recorded time), then the rest.
            for start, end in [
                (1, SHORT),
                *((s, min(s + BATCH, length)) for s in range(SHORT, length, BATCH)),
            ]:
                appends.append(household, commands(*[f.survey()] * (end - start)), _caller())
        yield database
    finally:
        ledger.close()


def peak_bytes(database: Database, read: Callable[[HouseholdLedger], Any]) -> int:
    """The memory a read takes at its peak, in a fresh ledger (nothing kept before)."""
    ledger = open_ledger(database, pool_size=2)
    try:
        tracemalloc.start()
        try:
            read(ledger)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        ledger.close()


def test_a_page_of_events_takes_as_much_memory_for_a_long_history_as_for_a_short_one(
    histories: Database,
) -> None:
    def page_of(household: str) -> Callable[[HouseholdLedger], Any]:
        def read(ledger: HouseholdLedger) -> None:
            events = HouseholdReads(ledger).history(
                household, _caller(), after_version=20, limit=30
            )
            assert [e.version for e in events] == list(range(21, 51))

        return read

    short, long = (peak_bytes(histories, page_of(h)) for h in ("hh-short", "hh-long"))
    assert long < short * 2, f"{long:,} bytes for {LONG} events, {short:,} for {SHORT}"


def test_a_replay_to_an_early_date_reads_no_further_than_that_date(histories: Database) -> None:
    ledger = open_ledger(histories, pool_size=2)
    try:  # when the first surveys were recorded, and when the last were
        early, late = (
            ledger.stream("hh-long", gt=v - 1, lte=v)[0].recorded_at for v in (SHORT, LONG)
        )
    finally:
        ledger.close()

    def as_of(moment: datetime, version: int) -> Callable[[HouseholdLedger], Any]:
        def read(ledger: HouseholdLedger) -> None:
            assert HouseholdReads(ledger).household("hh-long", _caller(), moment).version == version

        return read

    to_early, to_late = (
        peak_bytes(histories, as_of(early, SHORT)),
        peak_bytes(histories, as_of(late, LONG)),
    )
    assert to_early < to_late / 3, f"{to_early:,} bytes to version {SHORT}, {to_late:,} to {LONG}"
