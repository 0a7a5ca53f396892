"""What fuzzing the OpenAPI document found (tests/e2e/test_fuzz_openapi.py), kept as
plain cases on both databases."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.conftest import problem_code

BEYOND_ANY_DATABASE = str(2**63)  # SQLite refused to bind it: a 500


def refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    assert field in {error["field"] for error in response.json()["errors"]}, response.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/feed?after={BEYOND_ANY_DATABASE}", "after"),
        (f"/v1/households/hh-1/events?after_version={BEYOND_ANY_DATABASE}", "after_version"),
        (f"/v1/feed?cursor={BEYOND_ANY_DATABASE}", "cursor"),
        (f"/v1/households/hh-1/events?cursor={BEYOND_ANY_DATABASE}", "cursor"),
        ("/v1/feed?cursor=²", "cursor"),  # a digit to str.isdigit(), not to int()
        ("/v1/feed?cursor=١٢", "cursor"),  # Arabic-Indic digits, which int() would read as 12
    ],
)
def test_a_position_no_database_holds_is_a_422_not_a_500(
    client: TestClient, auth: dict[str, str], registered: str, path: str, field: str
) -> None:
    refused(client.get(path, headers=auth), field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/households/hh-1?as_of=0", "as_of"),
        ("/v1/households/hh-1?as_of=1700000000", "as_of"),
        ("/v1/lookback?reference_date=0", "reference_date"),
        ("/v1/lookback?reference_date=86400", "reference_date"),
    ],
)
def test_a_number_is_not_read_as_a_unix_time(
    client: TestClient, auth: dict[str, str], registered: str, path: str, field: str
) -> None:
    refused(client.get(path, headers=auth), field)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"code": "MISSING\x00"}, "code"),
        ({"status": "monitored\x00"}, "status"),
        ({"code": "x" * 65}, "code"),
    ],
)
def test_a_filter_with_a_control_character_is_a_422(
    client: TestClient, auth: dict[str, str], query: dict[str, str], field: str
) -> None:
    # PostgreSQL refuses NUL in text: the filter reached the SQL and failed with a 500.
    refused(client.get("/v1/completeness", params=query, headers=auth), field)


def test_filters_that_are_codes_still_work(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get(
        "/v1/completeness",
        headers=auth,
        params={"code": "MISSING_SCREENING", "status": "not_monitored"},
    )
    assert response.status_code == 200, response.text


def test_a_broken_multipart_body_is_a_400_validation_problem(
    client: TestClient, auth: dict[str, str]
) -> None:
    boundary = "4bea7452f2ee0b8418ae8c1020a88206"
    response = client.post(
        "/v1/materials",
        content=f"--{boundary}\r\n--{boundary}--\r\n",
        headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 400
    assert problem_code(response) == "VALIDATION_FAILED"


def test_an_expected_version_beyond_exact_json_is_a_422_even_with_an_idempotency_key(
    client: TestClient, auth: dict[str, str]
) -> None:
    # The key's request hash is RFC 8785 JSON, which cannot hold 2**53: it was a 500.
    response = client.post(
        "/v1/households/hh-1/events",
        headers={**auth, "Idempotency-Key": "k"},
        json={"events": [f.registered()], "expected_version": 2**53},
    )
    refused(response, "expected_version")


# The OpenAPI document says what the service answers.


def _operations(client: TestClient) -> dict[str, dict[str, Any]]:
    document = client.get("/openapi.json").json()
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_every_documented_error_is_a_problem_document(client: TestClient) -> None:
    for label, operation in _operations(client).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (label, status)


def test_every_operation_with_a_token_documents_401_403_429_and_503(client: TestClient) -> None:
    secured = {
        label: operation
        for label, operation in _operations(client).items()
        if operation.get("security")
    }
    assert len(secured) > 10
    for label, operation in secured.items():
        assert {"401", "403", "429", "503"} <= set(operation["responses"]), label
    assert "Retry-After" in secured["GET /v1/feed"]["responses"]["429"]["headers"]


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("POST /v1/households/{household_id}/events", "409"),
        ("POST /v1/households/{household_id}/events", "400"),
        ("POST /v1/households/{household_id}/events", "413"),
        ("GET /v1/households/{household_id}", "404"),
        ("GET /v1/proofs/inclusion", "404"),
        ("POST /v1/materials", "400"),
        ("GET /readyz", "503"),
    ],
)
def test_route_specific_problems_are_documented(
    client: TestClient, label: str, status: str
) -> None:
    assert status in _operations(client)[label]["responses"]


def test_documented_content_types_include_exports_and_material_files(client: TestClient) -> None:
    operations = _operations(client)
    for label in ("GET /v1/completeness", "GET /v1/lookback"):
        assert {"application/json", "text/csv"} <= set(
            operations[label]["responses"]["200"]["content"]
        ), label
    assert list(operations["GET /v1/materials/{sha256}"]["responses"]["200"]["content"]) == ["*/*"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"household_id": "hh-1\x00"}, "household_id"),
        ({"token_id": "t\x00"}, "token_id"),
        ({"since": "0.5"}, "since"),
    ],
)
def test_the_access_log_filters_refuse_control_characters_and_unix_times(
    client: TestClient, make_token: Callable[..., str], query: dict[str, str], field: str
) -> None:
    admin = {"Authorization": f"Bearer {make_token(role='admin')}"}
    refused(client.get("/v1/access-log", params=query, headers=admin), field)


# schemathesis learns from the fields a 422 names: "<field>: … cannot be null / is required"
# makes it require <field> as a non-empty string. An error naming `events[0].data` or a whole
# member taught it that `data` is a string, and it could no longer generate any append body.


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            f.registered(members=[f.member("m1", id_number=None)]),
            "events[0].data.members[0].id_missing_reason",
        ),
        (
            f.registered(members=[f.member("m1", id_number="530925198001010012")]),
            "events[0].data.members[0].id_number",
        ),
        (
            f.event(
                "MemberAdded",
                {"member": f.member("m3", "child", id_number=None), "reason": "birth"},
            ),
            "events[0].data.member.id_missing_reason",
        ),
        (f.event("MemberUpdated", {"member_id": "m1", "labor": None}), "events[0].data.labor"),
        (f.event("MemberUpdated", {"member_id": "m1", "health": None}), "events[0].data.health"),
    ],
)
def test_a_refused_member_field_is_named_not_the_object_that_holds_it(
    client: TestClient, auth: dict[str, str], event: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/households/hh-1/events", headers=auth, json={"events": [event]})
    refused(response, field)
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_member_update_documents_what_it_refuses(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    update = schemas["MemberUpdatedData"]
    # Absent is "unchanged"; null is refused, so the document offers no null (nor a default).
    assert update["properties"]["labor"] == {"$ref": "#/components/schemas/Labor"}
    assert update["properties"]["health"] == {"$ref": "#/components/schemas/Health"}
    assert update["minProperties"] == 2  # member_id and at least one change


def test_an_append_and_an_upload_link_to_what_they_created(client: TestClient) -> None:
    operations = _operations(client)
    appended = operations["POST /v1/households/{household_id}/events"]["responses"]["201"]
    targets = {link["operationRef"]: link["parameters"] for link in appended["links"].values()}
    assert targets["#/paths/~1v1~1households~1{household_id}/get"] == {
        "household_id": "$response.body#/household_id"
    }
    assert targets["#/paths/~1v1~1proofs~1inclusion/get"] == {
        "event_id": "$response.body#/events/0/id"
    }
    for status in ("200", "201"):
        stored = operations["POST /v1/materials"]["responses"][status]["links"]
        assert stored["DownloadMaterial"]["parameters"] == {"sha256": "$response.body#/sha256"}
    for link in [*appended["links"].values(), *stored.values()]:  # each names an operation
        path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        assert f"{method.upper()} {path.replace('~1', '/')}" in operations
