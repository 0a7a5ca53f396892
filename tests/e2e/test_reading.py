"""Reads: the state now and as of a recorded time, the paged history, the global feed."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.domain.integrity import ZERO_HASH
from ledger.domain.personal import rehash
from tests import factories as f
from tests.e2e.conftest import Append, problem_code


def test_the_state_shows_what_the_contract_lists(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    assert append("hh-1", f.registered(), *f.one_of_each_after_registration()).status_code == 201
    state = client.get("/v1/households/hh-1", headers=auth).json()
    assert {
        "household_id",
        "version",
        "village_code",
        "category",
        "filed_card",
        "status",
        "monitoring_type",
        "members",
        "latest_survey",
        "open_objections",
        "measures",
        "open_data_issues",
    } <= set(state)
    assert state["status"] == "risk_eliminated"
    assert state["monitoring_type"] == "marginal"
    assert [m["member_id"] for m in state["members"]] == ["m1", "m2"]
    assert state["members"][1]["health"] == "chronic"
    assert state["latest_survey"]["per_capita_net_income"] == 6000
    assert state["latest_survey"]["occurred_at"] == "2021-10-22T09:30:00+08:00"
    assert [o["summary"] for o in state["open_objections"]] == ["有车"]
    assert state["measures"][0]["ended"] is True
    assert state["open_data_issues"] == []


def test_as_of_replays_the_state_as_it_stood_then(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    append(registered, f.marked("enrolled", "marginal"))
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    append(registered, f.marked("risk_eliminated"))
    now = client.get(f"/v1/households/{registered}", headers=auth).json()
    then = client.get(
        f"/v1/households/{registered}", params={"as_of": between}, headers=auth
    ).json()
    assert (now["status"], now["version"]) == ("risk_eliminated", 3)
    assert (then["status"], then["version"]) == ("monitored", 2)
    before = client.get(
        f"/v1/households/{registered}", params={"as_of": "2000-01-01T00:00:00+08:00"}, headers=auth
    )
    assert problem_code(before) == "UNKNOWN_HOUSEHOLD"
    assert (
        client.get(
            f"/v1/households/{registered}", params={"as_of": "yesterday"}, headers=auth
        ).status_code
        == 422
    )


def test_an_unknown_household_is_404(client: TestClient, auth: dict[str, str]) -> None:
    for path in ("/v1/households/nobody", "/v1/households/nobody/events"):
        response = client.get(path, headers=auth)
        assert response.status_code == 404
        assert problem_code(response) == "UNKNOWN_HOUSEHOLD"


def test_the_history_pages_oldest_first_with_a_cursor(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    location = f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8})
    append(registered, *[location] * 6)
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/households/{registered}/events", params=params, headers=auth).json()
        seen += [e["version"] for e in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == list(range(1, 8))
    after = client.get(
        f"/v1/households/{registered}/events", params={"after_version": 5}, headers=auth
    ).json()
    assert [e["version"] for e in after["items"]] == [6, 7]


@pytest.mark.parametrize("role", ["recorder", "evaluator"])
def test_served_events_carry_an_unbroken_hash_chain(
    append: Append,
    registered: str,
    client: TestClient,
    make_token: Callable[..., str],
    role: str,
) -> None:
    """A reader's events re-hash once their openings replace the values by commitments, an
    evaluator's as served (CONTRACT §7.3)."""
    append(registered, *f.one_of_each_after_registration())
    reader = {"Authorization": f"Bearer {make_token(role)}"}
    events = client.get(f"/v1/households/{registered}/events?limit=1000", headers=reader).json()[
        "items"
    ]
    previous = ZERO_HASH
    for event in events:
        assert event["prev_hash"] == previous
        assert rehash(event) == event["hash"]
        assert ("openings" in event) == (role == "recorder")
        previous = event["hash"]


def test_the_feed_serves_every_event_once_in_commit_order(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    for n in range(4):
        append(f"hh-{n}", f.registered(), f.survey())
    items, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/feed", params=params, headers=auth).json()
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(items) == 8
    positions = [i["position"] for i in items]
    assert positions == sorted(set(positions))
    assert [(i["household_id"], i["version"]) for i in items] == [
        (f"hh-{n}", v) for n in range(4) for v in (1, 2)
    ]
    after = client.get("/v1/feed", params={"after": positions[5]}, headers=auth).json()
    assert [i["position"] for i in after["items"]] == positions[6:]
    assert (
        problem_code(client.get("/v1/feed", params={"cursor": "abc"}, headers=auth))
        == "VALIDATION_FAILED"
    )


def test_the_feed_shows_a_token_only_its_divisions_households(
    append: Append, client: TestClient, make_token: Any
) -> None:
    other_village = "530102001001"  # Kunming, outside Shuangjiang
    append("hh-sj", f.registered(), f.survey())
    elsewhere = {"Authorization": f"Bearer {make_token(division='53')}"}
    kunming = client.post(
        "/v1/households/hh-km/events",
        headers=elsewhere,
        json={"events": [f.registered(village_code=other_village)]},
    )
    assert kunming.status_code == 201

    def households(division: str, limit: int) -> list[str]:
        headers = {"Authorization": f"Bearer {make_token(role='auditor', division=division)}"}
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/feed", params=params, headers=headers).json()
            seen += [item["household_id"] for item in page["items"]]
            if (cursor := page["next"]) is None:
                return seen

    assert households("530925", 1) == ["hh-sj", "hh-sj"]
    assert households("5301", 2) == ["hh-km"]
    assert households("", 100) == ["hh-sj", "hh-sj", "hh-km"]
