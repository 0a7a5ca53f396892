"""What fuzzing the OpenAPI document found (tests/e2e/test_fuzz_openapi.py), kept as
plain cases on both databases."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import problem_code


def test_a_broken_multipart_body_is_a_400_validation_problem(
        client: TestClient, auth: dict[str, str]) -> None:
    boundary = "4bea7452f2ee0b8418ae8c1020a88206"
    response = client.post("/v1/materials", content=f"--{boundary}\r\n--{boundary}--\r\n",
                           headers={**auth, "Content-Type":
                                    f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 400
    assert problem_code(response) == "VALIDATION_FAILED"


# The OpenAPI document says what the service answers.

def _operations(client: TestClient) -> dict[str, dict[str, Any]]:
    document = client.get("/openapi.json").json()
    return {f"{method.upper()} {path}": operation
            for path, methods in document["paths"].items()
            for method, operation in methods.items()}


def test_every_documented_error_is_a_problem_document(client: TestClient) -> None:
    for label, operation in _operations(client).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (label, status)


def test_every_operation_with_a_token_documents_401_403_429_and_503(client: TestClient) -> None:
    secured = {label: operation for label, operation in _operations(client).items()
               if operation.get("security")}
    assert len(secured) > 10
    for label, operation in secured.items():
        assert {"401", "403", "429", "503"} <= set(operation["responses"]), label
    assert "Retry-After" in secured["GET /v1/feed"]["responses"]["429"]["headers"]


@pytest.mark.parametrize(("label", "status"), [
    ("POST /v1/households/{household_id}/events", "409"),
    ("POST /v1/households/{household_id}/events", "400"),
    ("POST /v1/households/{household_id}/events", "413"),
    ("GET /v1/households/{household_id}", "404"),
    ("GET /v1/proofs/inclusion", "404"),
    ("POST /v1/materials", "400"),
    ("GET /readyz", "503"),
])
def test_route_specific_problems_are_documented(client: TestClient, label: str,
                                                status: str) -> None:
    assert status in _operations(client)[label]["responses"]


def test_documented_content_types_include_exports_and_material_files(
        client: TestClient) -> None:
    operations = _operations(client)
    for label in ("GET /v1/completeness", "GET /v1/lookback"):
        assert {"application/json", "text/csv"} <= set(
            operations[label]["responses"]["200"]["content"]), label
    assert list(operations["GET /v1/materials/{sha256}"]["responses"]["200"]["content"]) == [
        "*/*"]
