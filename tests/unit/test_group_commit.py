"""Group commit without a database: who writes with whom, and whose error is whose."""

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.group_commit import GroupCommit


class Conflict(Exception):
    pass


class Store:
    """Writes all items of a call or none; item "clash" conflicts, item "boom" breaks it."""

    def __init__(self) -> None:
        self.committed: list[str] = []
        self.calls: list[list[str]] = []
        self.first_write_started = threading.Event()
        self.release_first_write = threading.Event()

    def write(self, items: Sequence[str]) -> None:
        self.calls.append(list(items))
        if len(self.calls) == 1:
            self.first_write_started.set()
            self.release_first_write.wait(5)
        if "boom" in items:
            raise OSError("disk gone")
        if "clash" in items:
            raise Conflict("clash")
        self.committed.extend(items)


def _commit(group: GroupCommit[str], item: str) -> str:
    try:
        group.commit(item)
    except Conflict:
        return "conflict"
    except OSError:
        return "error"
    return "ok"


def _queued_behind_first(
    store: Store, items: list[str], max_items: int = 256, max_weight: int | None = None
) -> list[str]:
    """Commits "first" alone, then ``items`` concurrently while "first" is being written;
    an item weighs its length."""
    group = GroupCommit(
        store.write, conflict=Conflict, max_items=max_items, weight=len, max_weight=max_weight
    )
    with ThreadPoolExecutor(len(items) + 1) as pool:
        leader = pool.submit(_commit, group, "first")
        assert store.first_write_started.wait(5)
        followers = [pool.submit(_commit, group, item) for item in items]
        while len(group._queue) < len(items):  # all queued behind the leader's write
            threading.Event().wait(0.001)
        store.release_first_write.set()
        return [leader.result(), *(f.result() for f in followers)]


def test_a_lone_writer_writes_at_once_and_alone() -> None:
    store = Store()
    store.release_first_write.set()
    group = GroupCommit(store.write, conflict=Conflict)
    group.commit("a")
    group.commit("b")
    assert store.calls == [["a"], ["b"]]


def test_writers_arriving_during_a_write_share_the_next_transaction() -> None:
    store = Store()
    outcomes = _queued_behind_first(store, [f"w{n}" for n in range(8)])
    assert outcomes == ["ok"] * 9
    assert store.calls[0] == ["first"]
    assert sorted(store.calls[1]) == [f"w{n}" for n in range(8)]
    assert len(store.calls) == 2


def test_a_conflict_is_only_its_writers_the_others_commit() -> None:
    store = Store()
    outcomes = _queued_behind_first(store, ["a", "clash", "b"])
    assert outcomes == ["ok", "ok", "conflict", "ok"]
    assert sorted(store.committed) == ["a", "b", "first"]
    assert sorted(store.calls[1]) == ["a", "b", "clash"]  # the group, then each alone
    assert sorted(map(tuple, store.calls[2:])) == [("a",), ("b",), ("clash",)]


def test_a_failure_of_the_transaction_reaches_every_writer_of_the_group() -> None:
    store = Store()
    outcomes = _queued_behind_first(store, ["a", "boom"])
    assert outcomes == ["ok", "error", "error"]
    assert store.committed == ["first"]


@pytest.mark.parametrize("max_items", [1, 2, 3])
def test_groups_hold_at_most_max_items_and_every_writer_is_answered(max_items: int) -> None:
    store = Store()
    outcomes = _queued_behind_first(store, [f"w{n}" for n in range(7)], max_items)
    assert outcomes == ["ok"] * 8
    assert all(len(call) <= max_items for call in store.calls)
    assert sorted(store.committed) == sorted(["first", *(f"w{n}" for n in range(7))])


def test_groups_weigh_at_most_max_weight_beyond_their_first_item() -> None:
    store = Store()
    items = ["aaaa", "bb", "cc", "dddddd", "e"]
    outcomes = _queued_behind_first(store, items, max_weight=5)
    assert outcomes == ["ok"] * 6
    assert all(sum(map(len, call)) <= 5 or len(call) == 1 for call in store.calls)
    assert sorted(store.committed) == sorted(["first", *items])


def test_a_batch_is_written_in_one_transaction_and_answered_item_by_item() -> None:
    store = Store()
    store.release_first_write.set()
    group = GroupCommit(store.write, conflict=Conflict)
    assert group.commit_all(["a", "b", "c"]) == [None, None, None]
    assert store.calls == [["a", "b", "c"]]
    errors = group.commit_all(["d", "clash", "e"])
    assert [type(e).__name__ if e else None for e in errors] == [None, "Conflict", None]
    assert store.calls[1:] == [["d", "clash", "e"], ["d"], ["clash"], ["e"]]
    assert store.committed == ["a", "b", "c", "d", "e"]
    assert group.commit_all([]) == []


def test_a_batch_heavier_than_max_weight_is_split_but_all_committed() -> None:
    store = Store()
    store.release_first_write.set()
    group = GroupCommit(store.write, conflict=Conflict, weight=len, max_weight=4)
    assert group.commit_all(["aa", "bb", "cc", "dddddd"]) == [None] * 4
    assert store.calls == [["aa", "bb"], ["cc"], ["dddddd"]]
