"""One contract per store port (ledger/persistence/ports.py), run on both backends through
the stores a ledger's recorder hands over (the access log, tokens and the Merkle tables
have their own files: test_access_log.py, test_tokens.py, test_transparency_log.py)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.domain.personal import fields_of, get_at
from ledger.domain.serialization import event_document
from ledger.idempotency import Idempotency
from ledger.persistence.personal_data import PersonalRow
from ledger.persistence.tables import MaterialRecord, TokenRecord
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


# PersonalDataStore (migration 0011, CONTRACT §7.3): rows come with their append.


def _stored_fields(ledger: HouseholdLedger, household_id: str) -> set[tuple[str, ...]]:
    """(event id, pointer, member id, commitment) of each personal field the household's
    stored events hold."""
    documents = [event_document(event) for event in ledger.stream(household_id)]
    return {
        (doc["id"], found.pointer, found.member_id or "", str(get_at(doc, found.path)))
        for doc in documents
        for found in fields_of(doc)
    }


def _fields(rows: list[PersonalRow]) -> set[tuple[str, ...]]:
    return {(r.event_id, r.pointer, r.member_id or "", r.commitment) for r in rows}


def test_each_personal_field_of_an_append_is_stored_sealed_under_its_commitment(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    store = ledger.stores.personal
    assert not store.holds_any()
    appends.append("hh-p", commands(f.registered(), f.survey()), _caller())
    assert store.holds_any()
    rows = store.of_household("hh-p")
    # Registration: actor, recorder, and name, ID number, birth date of two members;
    # survey: actor, recorder, the material's file name.
    assert len(rows) == len(_fields(rows)) == 11
    assert _fields(rows) == _stored_fields(ledger, "hh-p")
    assert {r.household_id for r in rows} == {"hh-p"}
    assert {r.member_id for r in rows} == {None, "m1", "m2"}
    for row in rows:
        assert row.sealed is not None
        # Ciphertext only: no value of the household in the database's rows.
        for value in ("张三", "李四", "测试录入员", "采集表", "1980-01-01", f.id_number(1)):
            assert value.encode() not in row.sealed
    opened = {r.pointer: ledger.personal.open_row(r) for r in rows if r.member_id == "m2"}
    assert {pointer: o.value for pointer, o in opened.items() if o is not None} == {
        "/data/members/1/name": "张三",
        "/data/members/1/id_number": f.id_number(2),
        "/data/members/1/birth_date": "1980-01-01",
    }
    assert store.of_household("hh-none") == []


def test_commitments_are_found_together_whatever_their_number(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    store = ledger.stores.personal
    appends.append("hh-p", commands(f.registered()), _caller())
    appends.append("hh-q", commands(f.registered(), f.survey()), _caller())
    rows = store.of_household("hh-p") + store.of_household("hh-q")
    unknown = "c:" + "0" * 64
    found = store.find(r.commitment for r in [*rows, *rows])  # a generator, repeats
    assert found == {r.commitment: r for r in rows}
    assert store.find([unknown]) == {}
    assert store.find([]) == {}
    # Far more than one query's worth (the store asks in batches).
    many = [f"c:{n:064x}" for n in range(1, 1_200)]
    assert store.find([*many[:700], rows[-1].commitment, *many[700:]]) == {
        rows[-1].commitment: rows[-1]
    }


def test_an_erased_row_keeps_its_commitment_and_loses_its_value_and_salt(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    store = ledger.stores.personal
    appends.append("hh-p", commands(f.registered()), _caller())
    appends.append("hh-q", commands(f.registered()), _caller())
    before, other = store.of_household("hh-p"), store.of_household("hh-q")
    spouse = {r.commitment for r in before if r.member_id == "m2"}
    assert len(spouse) == 3

    store.erase(sorted(spouse), NOW)
    after = store.of_household("hh-p")
    assert _fields(after) == _fields(before), "rows are emptied, never deleted"
    assert {r.commitment for r in after if r.sealed is None} == spouse
    assert [r for r in after if r.commitment not in spouse] == [
        r for r in before if r.commitment not in spouse
    ]
    assert all(found.sealed is None for found in store.find(spouse).values())
    assert all(ledger.personal.open_row(r) is None for r in after if r.commitment in spouse)
    assert store.of_household("hh-q") == other

    store.erase(sorted(spouse), NOW + timedelta(1))  # again: nothing left to remove
    store.erase([], NOW)
    assert store.of_household("hh-p") == after
    assert store.holds_any()


def test_evaluator_reads_are_counted_per_token_and_day_the_busiest_first(
    ledger: HouseholdLedger,
) -> None:
    store = ledger.stores.personal
    assert store.evaluator_reads() == []
    for token_id, division in (("t-a", "53"), ("t-b", "5309"), ("t-c", "54")):
        ledger.tables.add_token(
            TokenRecord(
                token_id, "0" * 64, token_id, "evaluator", division, None, datetime.now(UTC)
            )
        )
    day, next_day = date(2026, 3, 1), date(2026, 3, 2)
    store.count_evaluator_read("t-a", day)
    store.count_evaluator_read("t-a", next_day)
    with ThreadPoolExecutor(max_workers=4) as pool:  # concurrent reads lose no count
        list(pool.map(lambda _: store.count_evaluator_read("t-b", day), range(12)))
    store.count_evaluator_read("t-c", day)
    assert store.evaluator_reads(division="53") == [
        ("t-b", "2026-03-01", 12),
        ("t-a", "2026-03-02", 1),
        ("t-a", "2026-03-01", 1),
    ]
    assert store.evaluator_reads(division="5309") == [("t-b", "2026-03-01", 12)]
    assert store.evaluator_reads(division="53", offset=1, limit=1) == [("t-a", "2026-03-02", 1)]
    assert not store.holds_any(), "a count holds no personal value"
