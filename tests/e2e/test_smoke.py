from fastapi.testclient import TestClient

from tests import factories as f


def test_an_append_and_a_read_work_through_http(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/households/hh-1/events",
        headers=auth,
        json={"events": [f.registered(), *f.one_of_each_after_registration()]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["version"] == 27
    state = client.get("/v1/households/hh-1", headers=auth).json()
    assert state["status"] == "risk_eliminated"
    history = client.get("/v1/households/hh-1/events", headers=auth).json()
    assert [e["version"] for e in history["items"]] == list(range(1, 28))
