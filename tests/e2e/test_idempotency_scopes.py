"""Idempotency keys that hold their scope (CONTRACT §7.1, issue 13): a key belongs to the
token that first used it; another token sending it gets the answer it would get without
the key, never someone else's receipt, and no problem names another caller's household."""

from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import problem_code

SHUANGJIANG, WUHUA = "530925", "530102"  # two counties of Yunnan


def post(
    client: TestClient,
    token: str,
    household_id: str,
    *events: dict[str, Any],
    key: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response: httpx.Response = client.post(
        f"/v1/households/{household_id}/events", headers=headers, json={"events": list(events)}
    )
    return response


def version(client: TestClient, token: str, household_id: str) -> int:
    response = client.get(
        f"/v1/households/{household_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


def test_a_recorder_of_another_county_sending_the_same_key_and_body_gets_no_receipt(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    ours, theirs = (make_token(role="recorder", division=d) for d in (SHUANGJIANG, WUHUA))
    first = post(client, ours, "hh-1", f.registered(), f.survey(), key="k-2021-10")
    assert first.status_code == 201, first.text

    stolen = post(client, theirs, "hh-1", f.registered(), f.survey(), key="k-2021-10")
    assert stolen.status_code == 404, stolen.text
    assert problem_code(stolen) == "UNKNOWN_HOUSEHOLD"  # as without the key
    assert "Idempotent-Replayed" not in stolen.headers
    for event in first.json()["events"]:
        assert event["id"] not in stolen.text
        assert event["hash"] not in stolen.text
    assert version(client, ours, "hh-1") == 2


def test_a_key_another_token_used_neither_refuses_nor_names_the_other_household(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    ours, theirs = (make_token(role="recorder", division=d) for d in (SHUANGJIANG, WUHUA))
    assert post(client, ours, "hh-secret", f.registered(), key="shared").status_code == 201

    own = post(client, theirs, "hh-wuhua", f.registered(village_code="530102001001"), key="shared")
    assert own.status_code == 201, own.text
    assert own.json()["household_id"] == "hh-wuhua"
    assert "Idempotent-Replayed" not in own.headers
    # The key is now theirs too: their retry is theirs, ours stays ours.
    again = post(
        client, theirs, "hh-wuhua", f.registered(village_code="530102001001"), key="shared"
    )
    assert (again.status_code, again.json()) == (201, own.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    ours_again = post(client, ours, "hh-secret", f.registered(), key="shared")
    assert ours_again.headers["Idempotent-Replayed"] == "true"
    assert ours_again.json()["household_id"] == "hh-secret"

    reused = post(client, theirs, "hh-wuhua", f.survey(), key="shared")
    assert problem_code(reused) == "IDEMPOTENCY_KEY_REUSED"
    assert "hh-secret" not in reused.text
    assert "hh-wuhua" in reused.text  # its own household: the caller may know it


def test_another_token_of_the_same_division_gets_its_own_append_not_a_replay(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    first_token, second_token = (
        make_token(role="recorder", division=SHUANGJIANG) for _ in range(2)
    )
    assert post(client, first_token, "hh-1", f.registered()).status_code == 201
    first = post(client, first_token, "hh-1", f.survey(), key="survey-2021")
    second = post(client, second_token, "hh-1", f.survey(), key="survey-2021")
    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second.headers
    assert [e["version"] for e in second.json()["events"]] == [3]
    assert version(client, first_token, "hh-1") == 3


def test_an_intake_platform_of_another_county_cannot_replay_a_recorders_receipt(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    recorder = make_token(role="recorder", division=SHUANGJIANG)
    intake = make_token(role="intake", division=WUHUA)
    applied = f.event("AssistanceApplied", {"channel": "national_app", "summary": "医疗费用高"})
    assert post(client, recorder, "hh-1", f.registered()).status_code == 201
    assert post(client, recorder, "hh-1", applied, key="app-77").status_code == 201
    refused = post(client, intake, "hh-1", applied, key="app-77")
    assert (refused.status_code, problem_code(refused)) == (404, "UNKNOWN_HOUSEHOLD")
    assert version(client, recorder, "hh-1") == 2


def test_the_import_prefix_is_reserved_for_ledger_import(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    token = make_token(role="recorder", division=SHUANGJIANG)
    refused = post(client, token, "hh-1", f.registered(), key="import:" + "0" * 64)
    assert refused.status_code == 422, refused.text
    assert problem_code(refused) == "VALIDATION_FAILED"
    assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert post(client, token, "hh-1", f.registered(), key="Import-2021").status_code == 201
    assert version(client, token, "hh-1") == 1
