"""The OpenAPI document describes the contract's endpoints and every event type, is a
valid OpenAPI 3.1 document whose examples fit their schemas, and `/docs` renders it."""

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.definitions import OPENAPI_31

from ledger.domain.catalog import EVENT_TYPES
from tests.e2e.openapi_schemas import errors


def test_the_openapi_document_lists_the_endpoints_and_every_event_type(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {
        "/v1/households/{household_id}/events",
        "/v1/households/{household_id}",
        "/v1/feed",
        "/healthz",
        "/readyz",
    } <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert {f"{name}In" for name in EVENT_TYPES} <= set(schemas)
    assert client.get("/docs").status_code == 200


def test_the_document_is_valid_openapi_3_1_and_docs_renders_it(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    invalid = jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(document)
    assert [f"{error.instance_path}: {error.message}"[:300] for error in invalid] == []
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/openapi.json" in docs.text


def media_type_examples(document: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(where, schema, example) of every example of a request or response body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            bodies = {"request": operation.get("requestBody", {}), **operation["responses"]}
            for name, body in bodies.items():
                for media_type, content in body.get("content", {}).items():
                    where = f"{method} {path} {name} {media_type}"
                    if "example" in content:
                        yield where, content.get("schema", {}), content["example"]
                    for key, example in content.get("examples", {}).items():
                        yield f"{where} {key}", content.get("schema", {}), example["value"]


def test_every_example_in_the_document_fits_its_schema(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    checked = 0
    for where, schema, example in media_type_examples(document):
        assert errors(document, schema, example) == [], where
        checked += 1
    assert checked > len(EVENT_TYPES) + len(document["paths"])
