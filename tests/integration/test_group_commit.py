"""Group commit on real databases: concurrent appends to different households share one
transaction, each still answered with its own versions and hashes, all or nothing per
request, in commit order; and ``append_many`` (bulk import) in one transaction."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from itertools import pairwise
from typing import Any

from bootstrap import open_ledger
from ledger.appending import Appended, AppendPipeline, AppendRequest
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.errors import Forbidden, IdempotencyKeyReused, LedgerError, VersionConflict
from ledger.domain.integrity import event_hash
from ledger.domain.serialization import event_document
from ledger.idempotency import Idempotency
from ledger.persistence.database import Database
from ledger.persistence.postgres import connect
from ledger.reading import HouseholdReads
from tests import factories as f
from tests.integration.test_concurrency import LOCATION, commands


@contextmanager
def events_table_locked(database: Database) -> Iterator[None]:
    """Holds the lock every append's transaction needs, as a long transaction would."""
    if database.kind == "sqlite":
        connection = sqlite3.connect(database.path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with connect(database) as pg:
        pg.execute("LOCK TABLE ledger_events IN EXCLUSIVE MODE")
        yield
        pg.rollback()


def _waiting_writers(appends: AppendPipeline) -> int:
    return len(appends._group_commit._queue)


def _appends_during_a_held_lock(
    database: Database, appends: AppendPipeline, jobs: list[Callable[[], Any]]
) -> list[Future[Any]]:
    """Starts one append (the leader, which then waits for the lock) and ``jobs`` while the
    events table is locked; releases the lock once every job waits its turn."""
    pool = ThreadPoolExecutor(len(jobs) + 1)
    with events_table_locked(database):
        leader = pool.submit(appends.append, "hh-leader", LOCATION, _caller())
        while appends._group_commit.groups_written == 0:
            threading.Event().wait(0.005)
        futures = [pool.submit(job) for job in jobs]
        while _waiting_writers(appends) < len(jobs):
            threading.Event().wait(0.005)
    pool.shutdown(wait=True)
    return [leader, *futures]


def _caller() -> Caller:
    return Caller(
        token_id="t-test",
        name="测试录入员",
        role="recorder",  # type: ignore[arg-type]
        division="53",
    )


def _register(appends: AppendPipeline, *households: str) -> None:
    for household in households:
        appends.append(household, commands(f.registered()), _caller())


def test_concurrent_appends_share_one_transaction_and_each_gets_its_own_answer(
    database: Database, ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    households = [f"hh-{n}" for n in range(12)]
    _register(appends, "hh-leader", *households)
    appends._group_commit.groups_written = 0
    futures = _appends_during_a_held_lock(
        database,
        appends,
        [partial(appends.append, h, commands(*LOCATION_EVENTS), _caller()) for h in households],
    )
    answers = [future.result().response for future in futures]
    assert appends._group_commit.groups_written == 2, "the leader alone, then all the others"
    for household, answer in zip(households, answers[1:], strict=True):
        stored = [event_document(e) for e in ledger.stream(household)]
        assert [e["version"] for e in answer["events"]] == [2, 3]
        assert [e["hash"] for e in answer["events"]] == [e["hash"] for e in stored[1:]]
        assert all(event_hash(e) == e["hash"] for e in stored)
        assert stored[1]["prev_hash"] == stored[0]["hash"]
    # Commit order: each household's events are contiguous and in version order in the log.
    feed = [
        (e.household_id, e.version)
        for _, e in HouseholdReads(ledger).feed(_caller(), limit=1000).events
    ][len(households) + 1 :]
    assert feed[0] == ("hh-leader", 2)
    assert sorted(feed[1:]) == sorted((h, v) for h in households for v in (2, 3))
    for household in households:
        at = feed.index((household, 2))
        assert feed[at + 1] == (household, 3)


LOCATION_EVENTS = [
    f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8}),
    f.event("LocationRecorded", {"lat": 23.6, "lon": 99.9}),
]


def test_a_request_that_fails_inside_a_group_fails_alone_and_leaves_nothing(
    database: Database, ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    _register(appends, "hh-leader", "hh-a", "hh-b", "hh-c")

    def outcome(household: str, key: Idempotency | None) -> str:
        try:
            appends.append(household, LOCATION, _caller(), idempotency=key)
        except IdempotencyKeyReused:
            return "key reused"
        return "appended"

    reused = "one-key"
    futures = _appends_during_a_held_lock(
        database,
        appends,
        [
            partial(outcome, "hh-a", Idempotency(reused, "digest-a")),
            partial(outcome, "hh-b", Idempotency(reused, "digest-b")),
            partial(outcome, "hh-c", None),
        ],
    )
    outcomes = [future.result() for future in futures[1:]]
    assert sorted(outcomes) == ["appended", "appended", "key reused"]
    loser = ["hh-a", "hh-b"][outcomes.index("key reused")]
    assert HouseholdReads(ledger).household(loser, _caller()).version == 1, (
        "nothing of the refused request"
    )
    assert HouseholdReads(ledger).household("hh-c", _caller()).version == 2


def test_append_many_answers_each_request_in_order(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    caller = _caller()
    _register(appends, "hh-old")
    requests = [
        AppendRequest("hh-1", commands(f.registered()), caller),
        AppendRequest(
            "hh-2",
            commands(f.registered(), *LOCATION_EVENTS),
            caller,
            idempotency=Idempotency("import:2", "d2"),
        ),
        AppendRequest("hh-1", LOCATION, caller),  # sees hh-1's registration above
        AppendRequest("hh-3", LOCATION, caller),  # not registered: refused
        AppendRequest("hh-old", LOCATION, caller, expected_version=7),  # stale
        AppendRequest("hh-4", commands(f.registered(), f.registered()), caller),  # twice
    ]
    answers = appends.append_many(requests)
    assert [type(a).__name__ for a in answers] == [
        "Appended",
        "Appended",
        "Appended",
        "UnknownHousehold",
        "VersionConflict",
        "AlreadyRegistered",
    ]
    assert isinstance(answers[4], VersionConflict)
    assert [
        HouseholdReads(ledger).household(h, caller).version for h in ("hh-1", "hh-2", "hh-old")
    ] == [2, 3, 1]
    assert ledger.stream("hh-4") == []
    again = appends.append_many(requests[1:2])
    assert not isinstance(again[0], LedgerError)
    assert again[0].replayed
    assert again[0].response == answers[1].response  # type: ignore[union-attr]


def test_append_many_yields_to_a_concurrent_writer_without_losing_either(
    database: Database, ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    other = open_ledger(database, pool_size=2)
    try:
        caller = _caller()
        _register(appends, *(f"hh-{n}" for n in range(5)))
        # The other process appends to hh-2 after append_many decided on its state: the
        # group's insert conflicts, and each request is decided again on its own.
        real_decide = appends._decide
        raced: list[str] = []

        def decide_then_race(request: AppendRequest, *, on_kept_state: bool) -> Any:
            decided = real_decide(request, on_kept_state=on_kept_state)
            if request.household_id == "hh-2" and not raced:
                raced.append(request.household_id)
                AppendPipeline(other).append("hh-2", LOCATION, caller)
            return decided

        appends._decide = decide_then_race  # type: ignore[method-assign]
        requests = [AppendRequest(f"hh-{n}", LOCATION, caller) for n in range(5)]
        answers = appends.append_many(requests)
        appends._decide = real_decide  # type: ignore[method-assign]
        assert not any(isinstance(a, LedgerError) for a in answers)
        reads = HouseholdReads(ledger)
        assert [reads.household(f"hh-{n}", caller).version for n in range(5)] == [2, 2, 3, 2, 2]
    finally:
        other.close()


def test_append_many_keeps_each_request_in_its_callers_scope(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    caller = _caller()  # division 53
    answers = appends.append_many(
        [
            AppendRequest("hh-x", commands(f.registered(village_code="610000000000")), caller),
            AppendRequest("hh-y", commands(f.registered()), caller),
        ]
    )
    assert isinstance(answers[0], Forbidden)
    assert ledger.stream("hh-x") == []
    assert HouseholdReads(ledger).household("hh-y", caller).version == 1


def test_a_state_kept_by_one_process_never_lets_a_stale_append_in(
    database: Database, ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    """Process A keeps hh-k's state after appending; process B appends twice; A's next
    appends are judged on what B stored (versions, chain, expected_version, rules)."""
    other = open_ledger(database, pool_size=2)
    other_appends = AppendPipeline(other)
    try:
        caller = _caller()
        appends.append("hh-k", commands(f.registered()), caller)
        appends.append("hh-k", LOCATION, caller)  # A now keeps version 2
        other_appends.append("hh-k", LOCATION, caller)
        other_appends.append("hh-k", LOCATION, caller)  # the stream is at 4
        answer = appends.append("hh-k", LOCATION, caller)
        assert [e["version"] for e in answer.response["events"]] == [5]
        assert (
            appends.append("hh-k", LOCATION, caller, expected_version=5).response["events"][0][
                "version"
            ]
            == 6
        )
        other_appends.append("hh-k", LOCATION, caller)  # 7, unseen by A
        try:
            appends.append("hh-k", LOCATION, caller, expected_version=6)
        except VersionConflict:
            pass
        else:
            raise AssertionError("a stale expected_version was accepted")
        stored = [event_document(e) for e in ledger.stream("hh-k")]
        assert [e["version"] for e in stored] == list(range(1, 8))
        assert all(later["prev_hash"] == earlier["hash"] for earlier, later in pairwise(stored))
        assert all(event_hash(e) == e["hash"] for e in stored)
    finally:
        other.close()


def test_a_refusal_on_a_kept_state_is_checked_against_the_stream(
    database: Database, ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    other = open_ledger(database, pool_size=2)
    other_appends = AppendPipeline(other)
    try:
        caller = _caller()
        appends.append("hh-r", commands(f.registered()), caller)  # A keeps version 1
        other_appends.append("hh-r", LOCATION, caller)
        # Judged on A's kept state, expected_version=2 would be a conflict; it is not.
        answer = appends.append("hh-r", LOCATION, caller, expected_version=2)
        assert answer.response["events"][0]["version"] == 3
    finally:
        other.close()


def test_append_many_splits_what_one_transaction_should_not_carry(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    caller = _caller()
    location = LOCATION_EVENTS[0]
    requests = [
        AppendRequest(f"hh-big-{n}", commands(f.registered(), *[location] * 499), caller)
        for n in range(5)
    ]  # 2,500 events, over 2,000
    answers = appends.append_many(requests)
    assert not any(isinstance(a, LedgerError) for a in answers)
    reads = HouseholdReads(ledger)
    assert [reads.household(f"hh-big-{n}", caller).version for n in range(5)] == [500] * 5


def test_append_many_keeps_the_states_it_advanced_and_answers_a_repeated_key_again(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    """Import goes through the steps of one append: the state it advanced is kept for the
    next append, and a key it stored answers a later request under it (a repeated line)."""
    caller = _caller()
    key = Idempotency("import:hh-s", "digest-s")
    answers = appends.append_many(
        [
            AppendRequest("hh-s", commands(f.registered()), caller),
            AppendRequest("hh-s", LOCATION, caller, idempotency=key),
        ]
    )
    assert not any(isinstance(a, LedgerError) for a in answers)
    kept = appends._recent.get("hh-s")
    assert kept is not None
    assert kept.version == 2
    (repeated,) = appends.append_many([AppendRequest("hh-s", LOCATION, caller, idempotency=key)])
    assert isinstance(repeated, Appended)
    assert repeated.replayed
    assert repeated.response == answers[1].response  # type: ignore[union-attr]
    assert HouseholdReads(ledger).household("hh-s", caller).version == 2


def test_a_line_repeated_in_one_import_is_appended_once_and_answered_again(
    ledger: HouseholdLedger, appends: AppendPipeline
) -> None:
    caller = _caller()
    key = Idempotency("import:hh-t", "digest-t")
    line = AppendRequest("hh-t", LOCATION, caller, idempotency=key)
    answers = appends.append_many(
        [AppendRequest("hh-t", commands(f.registered()), caller), line, line]
    )
    appended, repeated = answers[1:]
    assert isinstance(appended, Appended)
    assert isinstance(repeated, Appended)
    assert not appended.replayed
    assert repeated.replayed
    assert repeated.response == appended.response
    assert HouseholdReads(ledger).household("hh-t", caller).version == 2
