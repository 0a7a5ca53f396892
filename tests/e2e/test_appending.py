"""Appends as upstream apps meet them: atomic batches, versions, idempotent retries,
tokens, limits and errors."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import Append, problem_code


def version_of(client: TestClient, auth: dict[str, str], household_id: str) -> int:
    return int(client.get(f"/v1/households/{household_id}", headers=auth).json()["version"])


def feed_size(client: TestClient, auth: dict[str, str]) -> int:
    return len(client.get("/v1/feed?limit=1000", headers=auth).json()["items"])


def test_a_batch_is_appended_all_or_none(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    before = feed_size(client, auth)
    bad_last = [
        f.survey(),
        f.event("ApplicationSigned", {"member_id": "m1"}),
        f.event("ApplicationSigned", {"member_id": "ghost"}),
    ]
    response = append(registered, *bad_last)
    assert problem_code(response) == "RULE_VIOLATION"
    assert "events[2]" in response.json()["detail"]
    assert version_of(client, auth, registered) == 1
    assert feed_size(client, auth) == before


def test_a_batch_holds_one_to_five_hundred_events(append: Append, registered: str) -> None:
    location = f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8})
    assert append(registered, *[location] * 500).status_code == 201
    assert problem_code(append(registered, *[location] * 501)) == "VALIDATION_FAILED"
    assert problem_code(append(registered)) == "VALIDATION_FAILED"


def test_an_append_answers_with_versions_hashes_and_times(append: Append, registered: str) -> None:
    body = append(registered, f.survey(), f.marked("enrolled", "marginal")).json()
    assert body["household_id"] == registered
    assert body["version"] == 3
    assert [e["version"] for e in body["events"]] == [2, 3]
    assert [e["type"] for e in body["events"]] == ["FieldSurveyConducted", "SystemMarked"]
    assert all(len(e["hash"]) == 64 and e["recorded_at"] for e in body["events"])


def test_expected_version_guards_against_a_stale_writer(append: Append) -> None:
    assert append("hh-7", f.registered(), expected_version=0).status_code == 201
    assert append("hh-7", f.survey(), expected_version=1).status_code == 201
    stale = append("hh-7", f.survey(), expected_version=1)
    assert stale.status_code == 409
    assert problem_code(stale) == "VERSION_CONFLICT"
    assert problem_code(append("hh-8", f.registered(), expected_version=3)) == "VERSION_CONFLICT"


def test_a_retry_with_the_same_key_returns_the_original_answer_without_appending(
    append: Append, registered: str, client: TestClient, auth: dict[str, str]
) -> None:
    first = append(registered, f.survey(), key="retry-1")
    second = append(registered, f.survey(), key="retry-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert version_of(client, auth, registered) == 2


def test_a_key_reused_for_another_request_is_refused(append: Append, registered: str) -> None:
    assert append(registered, f.survey(), key="k-2").status_code == 201
    other = append(registered, f.survey(household_size=1, per_capita_net_income=12000), key="k-2")
    assert problem_code(other) == "IDEMPOTENCY_KEY_REUSED"
    assert problem_code(append("hh-other", f.registered(), key="k-2")) == "IDEMPOTENCY_KEY_REUSED"


def test_an_idempotent_answer_survives_a_restart(
    database: Any, registered: str, append: Append, auth: dict[str, str]
) -> None:
    from api.app import create_app
    from bootstrap.settings import Settings
    from tests.conftest import _url

    first = append(registered, f.survey(), key="durable")
    with TestClient(create_app(Settings(database_url=_url(database)))) as restarted:
        again = restarted.post(
            f"/v1/households/{registered}/events",
            headers={**auth, "Idempotency-Key": "durable"},
            json={"events": [f.survey()]},
        )
    assert again.status_code == 201
    assert again.json() == first.json()


def test_a_failed_append_does_not_use_up_its_key(append: Append, registered: str) -> None:
    bad = append(registered, f.event("ApplicationSigned", {"member_id": "ghost"}), key="k-3")
    assert bad.status_code == 409
    good = append(registered, f.event("ApplicationSigned", {"member_id": "m1"}), key="k-3")
    assert good.status_code == 201


def test_the_server_sets_recorded_by_and_keeps_the_envelope(
    append: Append, registered: str, client: TestClient, make_token: Any
) -> None:
    token = make_token(role="recorder", division="530925", name="双江县录入员")
    headers = {"Authorization": f"Bearer {token}"}
    with_remedy = {**f.survey(), "occurred_at": "2021-10-23T08:00:00+08:00"}
    assert append(registered, with_remedy, headers=headers).status_code == 201
    event = client.get(
        f"/v1/households/{registered}/events?after_version=1", headers=headers
    ).json()["items"][0]
    assert event["recorded_by"]["name"] == "双江县录入员"
    assert event["recorded_by"]["role"] == "recorder"
    assert event["recorded_by"]["division"] == "530925"
    assert event["occurred_at"] == "2021-10-23T08:00:00+08:00"
    assert event["actor"] == f.ACTOR
    assert event["materials"] == [f.MATERIAL]
    assert event["remedies"] is None
    assert event["recorded_at"].endswith("+00:00")
    assert event["data"]["income"]["operating"] == 2500.5
    assert event["data"]["period"] == {"start": "2020-10-01", "end": "2021-09-30"}


@pytest.mark.parametrize(
    "header", [None, "Bearer nope", "Basic abc", "Bearer ldg_0123456789abcdef_" + "A" * 43]
)
def test_every_v1_call_needs_a_valid_token(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    for response in (
        client.get("/v1/feed", headers=headers),
        client.get("/v1/households/hh-1", headers=headers),
        client.post(
            "/v1/households/hh-1/events", headers=headers, json={"events": [f.registered()]}
        ),
    ):
        assert response.status_code == 401
        assert problem_code(response) == "UNAUTHENTICATED"


def test_readers_cannot_append(client: TestClient, make_token: Any) -> None:
    for role in ("auditor", "evaluator"):
        headers = {"Authorization": f"Bearer {make_token(role=role)}"}
        response = client.post(
            "/v1/households/hh-1/events", headers=headers, json={"events": [f.registered()]}
        )
        assert problem_code(response) == "FORBIDDEN"


def test_a_household_outside_the_tokens_division_is_unknown(
    append: Append, registered: str, client: TestClient, make_token: Any
) -> None:
    elsewhere = {"Authorization": f"Bearer {make_token(division='5301')}"}
    assert (
        problem_code(client.get(f"/v1/households/{registered}", headers=elsewhere))
        == "UNKNOWN_HOUSEHOLD"
    )
    assert problem_code(append(registered, f.survey(), headers=elsewhere)) == "UNKNOWN_HOUSEHOLD"
    assert problem_code(append("hh-x", f.registered(), headers=elsewhere)) == "FORBIDDEN"


def test_a_body_over_the_limit_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    body = b'{"events": [' + b" " * (1024 * 1024) + b"]}"
    response = client.post(
        "/v1/households/hh-1/events",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert problem_code(response) == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_a_400(
    client: TestClient, auth: dict[str, str], body: bytes
) -> None:
    response = client.post(
        "/v1/households/hh-1/events",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    if body:
        assert response.status_code == 400
    assert problem_code(response) == "VALIDATION_FAILED"


def test_validation_errors_name_the_failing_fields(append: Append, registered: str) -> None:
    wrong = f.event("FieldSurveyConducted", {"purpose": "whatever"})
    response = append(registered, wrong, {"type": "NoSuchEvent"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "events[0].data.purpose" in fields
    assert "events[0].data.income" in fields
    assert "events[1]" in fields


@pytest.mark.parametrize("household_id", ["has space", "x" * 65, "-leading"])
def test_household_ids_are_checked(
    client: TestClient, auth: dict[str, str], household_id: str
) -> None:
    response = client.get(f"/v1/households/{household_id}", headers=auth)
    assert response.status_code == 422
    assert problem_code(response) == "VALIDATION_FAILED"


def test_unknown_routes_are_problems_too(client: TestClient) -> None:
    assert problem_code(client.get("/v1/nothing-here")) == "NOT_FOUND"
    assert problem_code(client.delete("/v1/feed")) == "METHOD_NOT_ALLOWED"


def test_health_and_readiness_answer(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["projection_position"] == ready["log_position"] == 0
