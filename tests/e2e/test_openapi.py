"""The OpenAPI document describes the contract's endpoints and every event type."""

from fastapi.testclient import TestClient

from ledger.domain.commands import EVENT_TYPES


def test_the_openapi_document_lists_the_endpoints_and_every_event_type(
        client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {"/v1/households/{household_id}/events", "/v1/households/{household_id}",
            "/v1/feed", "/healthz", "/readyz"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    assert {f"{name}In" for name in EVENT_TYPES} <= set(schemas)
    assert client.get("/docs").status_code == 200
