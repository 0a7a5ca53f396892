"""One contract per store port (ledger/persistence/ports.py), run on both backends through
the stores a ledger's recorder hands over (the access log, tokens and the Merkle tables
have their own files: test_access_log.py, test_tokens.py, test_transparency_log.py)."""

from datetime import UTC, datetime, timedelta

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.idempotency import Idempotency
from ledger.persistence.tables import MaterialRecord
from ledger.persistence.web_sessions import WebSession
from tests import factories as f
from tests.integration.test_concurrency import LOCATION, commands
from tests.integration.test_group_commit import _caller

NOW = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)


def test_a_web_session_is_found_touched_and_ended(ledger: HouseholdLedger) -> None:
    sessions = ledger.stores.web_sessions
    sessions.open(WebSession("s" * 64, "t-1", NOW, NOW))
    assert sessions.find("s" * 64) == WebSession("s" * 64, "t-1", NOW, NOW)
    sessions.touch("s" * 64, NOW + timedelta(minutes=5))
    found = sessions.find("s" * 64)
    assert found is not None
    assert found.last_seen_at == NOW + timedelta(minutes=5)
    sessions.end("s" * 64)
    assert sessions.find("s" * 64) is None


def test_idle_and_old_web_sessions_end_together(ledger: HouseholdLedger) -> None:
    sessions = ledger.stores.web_sessions
    sessions.open(WebSession("a" * 64, "t-1", NOW, NOW))  # idle
    sessions.open(WebSession("b" * 64, "t-1", NOW - timedelta(hours=13), NOW))  # too old
    sessions.open(WebSession("c" * 64, "t-1", NOW, NOW + timedelta(hours=1)))
    sessions.end_idle(NOW + timedelta(minutes=30), NOW - timedelta(hours=12))
    assert [sessions.find(c * 64) is not None for c in "abc"] == [False, False, True]


def test_a_material_is_recorded_once_and_each_token_upload_kept(ledger: HouseholdLedger) -> None:
    index = ledger.stores.tables
    first = MaterialRecord("e" * 64, 3, "image/png", "a.png", NOW, "t-1", "5309")
    assert index.add_material(first)
    assert not index.add_material(first), "the same token again: nothing new"
    later = MaterialRecord("e" * 64, 3, "image/jpeg", "b.jpg", NOW + timedelta(1), "t-2", "53")
    assert index.add_material(later)
    assert index.find_material("e" * 64) == first, "the bytes' first upload"
    uploads = index.material_uploads(["e" * 64, "f" * 64])
    assert list(uploads) == ["e" * 64]
    assert [(u.token_id, u.file_name, u.uploaded_at) for u in uploads["e" * 64]] == [
        ("t-1", "a.png", NOW),
        ("t-2", "b.jpg", NOW + timedelta(1)),
    ]
    assert index.find_material("f" * 64) is None
    assert index.material_uploads([]) == {}


def test_an_idempotency_key_is_stored_with_its_append(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    appends.append(
        "hh-key", commands(f.registered()), _caller(), idempotency=Idempotency("k-1", "d" * 64)
    )
    (record,) = ledger.stores.tables.find_idempotencies(["k-1", "k-2"])["k-1"]
    assert (record.key, record.token_id, record.household_id) == ("k-1", "t-test", "hh-key")
    assert record.request_digest == "d" * 64
    assert ledger.stores.tables.find_idempotencies([]) == {}


def test_stored_rows_come_in_version_order_as_stored(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    appends.append("hh-rows", commands(f.registered()), _caller())
    appends.append("hh-rows", LOCATION, _caller())
    rows = ledger.stores.stored_rows
    page = rows.page(originator_id("hh-rows"), 0, 10)
    assert [version for version, _, _ in page] == [1, 2]
    assert all(topic and state for _, topic, state in page)
    assert rows.page(originator_id("hh-rows"), 1, 10) == page[1:]
    assert rows.page(originator_id("hh-none"), 0, 10) == []


def test_the_stores_say_which_database_they_are_in(ledger: HouseholdLedger) -> None:
    assert ledger.stores.kind in ("sqlite", "postgres")
    ledger.stores.tables.ping()
    assert ledger.stores.tables.count_events() == 0
