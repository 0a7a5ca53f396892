"""Fifty writers at once over real HTTP, on one household and on many: nothing lost,
nothing doubled, versions 1..N, hashes chained, stale versions a clean 409, retries once."""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import httpx
import pytest

from bootstrap.settings import Settings
from ledger.domain.integrity import ZERO_HASH
from ledger.domain.personal import rehash
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.e2e.servers import recorder_token, served_in_thread

WRITERS = 50
T = TypeVar("T")
TIMEOUT = httpx.Timeout(60)  # a hung request fails the test instead of blocking it


class Service:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        # One client for all threads (httpx clients are thread-safe), a connection each.
        self.http = httpx.Client(timeout=TIMEOUT, limits=httpx.Limits(max_connections=100))

    def append(
        self,
        household_id: str,
        *events: dict[str, Any],
        expected_version: int | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"events": list(events)}
        if expected_version is not None:
            body["expected_version"] = expected_version
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return self.http.post(
            f"{self.base}/v1/households/{household_id}/events", json=body, headers=headers
        )

    def history(self, household_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            answer = self.http.get(
                f"{self.base}/v1/households/{household_id}/events",
                params=params,
                headers=self.headers,
            )
            assert answer.status_code == 200, answer.text
            events += answer.json()["items"]
            cursor = answer.json()["next"]
            if cursor is None:
                return events


@pytest.fixture
def service(database: Database) -> Iterator[Service]:
    token = recorder_token(database)
    settings = Settings(database_url=_url(database), pool_size=10, rate_limit_per_s=0)
    with served_in_thread(settings) as (base, _):
        service = Service(base, token)
        yield service
        service.http.close()


def all_at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Runs every job in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))

    def released(job: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(released, jobs))


def location(n: int) -> dict[str, Any]:
    return f.event("LocationRecorded", {"lat": 23 + n / 1000, "lon": 99.8})


def assert_sound_history(history: list[dict[str, Any]], acknowledged: list[dict[str, Any]]) -> None:
    """Versions 1..N, each event hashed over its served form and chained to the previous
    one, and every acknowledged event there exactly once, at its acknowledged version."""
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
    previous = ZERO_HASH
    for event in history:
        assert event["prev_hash"] == previous
        assert event["hash"] == rehash(event)  # opened values re-committed (§7.3)
        previous = event["hash"]
    ids = Counter(e["id"] for e in history)
    assert all(count == 1 for count in ids.values())
    stored = {e["id"]: (e["version"], e["hash"]) for e in history}
    for receipt in acknowledged:
        assert stored[receipt["id"]] == (receipt["version"], receipt["hash"])


def receipts(responses: list[httpx.Response]) -> list[dict[str, Any]]:
    return [event for r in responses if r.status_code == 201 for event in r.json()["events"]]


def test_fifty_writers_on_one_household_lose_nothing_and_double_nothing(service: Service) -> None:
    assert service.append("hh-busy", f.registered()).status_code == 201
    answers = all_at_once(
        [partial(service.append, "hh-busy", location(n), location(-n)) for n in range(WRITERS)]
    )
    assert [a.status_code for a in answers] == [201] * WRITERS, answers[0].text
    acknowledged = receipts(answers)
    assert sorted(e["version"] for e in acknowledged) == list(range(2, 2 + 2 * WRITERS))
    history = service.history("hh-busy")
    assert len(history) == 1 + 2 * WRITERS
    assert_sound_history(history, acknowledged)


def test_fifty_writers_on_fifty_households_lose_nothing_and_double_nothing(
    service: Service,
) -> None:
    def write(household_id: str, village: str) -> list[httpx.Response]:
        """A registration, then two appends of two events, each after the previous."""
        return [
            service.append(household_id, f.registered(village_code=village)),
            *(service.append(household_id, location(n), location(-n)) for n in range(2)),
        ]

    households = [f"hh-{n:02d}" for n in range(WRITERS)]
    answers = dict(
        zip(
            households,
            all_at_once(
                [partial(write, h, f"5309251012{n % 10:02d}") for n, h in enumerate(households)]
            ),
            strict=True,
        )
    )
    for household_id, responses in answers.items():
        assert [r.status_code for r in responses] == [201] * 3, responses[-1].text
        history = service.history(household_id)
        assert len(history) == 5
        assert_sound_history(history, receipts(responses))


def contend(service: Service, households: list[str], contenders: int, rounds: int = 2) -> None:
    """``contenders`` writers per household per round, all sending the version the round
    started from: one wins each round, the others get a 409 that names the conflict."""
    winners: dict[str, list[str]] = {h: [] for h in households}
    for household_id in households:
        assert service.append(household_id, f.registered()).status_code == 201
    for round_ in range(rounds):
        expected = 1 + round_
        answers = all_at_once(
            [
                partial(service.append, h, location(n), expected_version=expected)
                for h in households
                for n in range(contenders)
            ]
        )
        for n, household_id in enumerate(households):
            mine = answers[n * contenders : (n + 1) * contenders]
            won = [a for a in mine if a.status_code == 201]
            lost = [a for a in mine if a.status_code != 201]
            assert len(won) == 1, [a.text for a in mine]
            assert [e["version"] for e in won[0].json()["events"]] == [expected + 1]
            assert {a.status_code for a in lost} == {409}
            assert all(
                a.headers["content-type"].startswith("application/problem+json")
                and a.json()["code"] == "VERSION_CONFLICT"
                for a in lost
            )
            winners[household_id] += [e["id"] for e in won[0].json()["events"]]
    for household_id in households:
        history = service.history(household_id)
        assert [e["id"] for e in history[1:]] == winners[household_id]
        assert_sound_history(history, [])


def test_with_expected_version_one_writer_per_round_wins_and_the_rest_get_a_clean_409(
    service: Service,
) -> None:
    contend(service, ["hh-race"], contenders=WRITERS)
    contend(service, [f"hh-race-{n}" for n in range(10)], contenders=WRITERS // 10)


def test_idempotent_retries_by_several_threads_append_once(service: Service) -> None:
    assert service.append("hh-retry", f.registered()).status_code == 201
    keys = [f"retry-{n}" for n in range(10)]
    answers = all_at_once(
        [
            partial(service.append, "hh-retry", location(int(k[6:])), key=k)
            for k in keys
            for _ in range(WRITERS // len(keys))
        ]
    )
    assert {a.status_code for a in answers} == {201}
    by_key: dict[str, list[httpx.Response]] = {k: [] for k in keys}
    for answer, key in zip(
        answers, [k for k in keys for _ in range(WRITERS // len(keys))], strict=True
    ):
        by_key[key].append(answer)
    for key, same in by_key.items():
        assert len({a.text for a in same}) == 1, f"{key}: different answers to one request"
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in same) == [
            "",
            *["true"] * (len(same) - 1),
        ], key
    history = service.history("hh-retry")
    assert len(history) == 1 + len(keys)
    assert_sound_history(history, receipts(answers))
