from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.e2e.browser import browser, page  # noqa: F401 (the browser tests' fixtures)

Append = Callable[..., httpx.Response]


@pytest.fixture
def append(client: TestClient, auth: dict[str, str]) -> Append:
    """POSTs events to a household; keyword ``expected_version``, ``key`` (Idempotency-Key)."""

    def post(
        household_id: str,
        *events: dict[str, Any],
        expected_version: int | None = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"events": list(events)}
        if expected_version is not None:
            body["expected_version"] = expected_version
        sent = {**auth, **(headers or {})}
        if key:
            sent["Idempotency-Key"] = key
        response: httpx.Response = client.post(
            f"/v1/households/{household_id}/events", json=body, headers=sent
        )
        return response

    return post


@pytest.fixture
def registered(append: Append) -> str:
    """A registered household with members m1 (head) and m2 (spouse)."""
    response = append("hh-1", f.registered())
    assert response.status_code == 201, response.text
    return "hh-1"


def problem_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    code: str = response.json()["code"]
    return code
