"""A token that sends too many requests gets 429 ``RATE_LIMITED`` with ``Retry-After``;
other tokens, and the same token after waiting, are served."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import RateLimiter
from api.state import app_state
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import _url, services_app, services_of

BURST = 3


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(database: Database) -> Iterator[TestClient]:
    """An app allowing each token 3 requests at once, then one every 2 seconds."""
    app = create_app(
        Settings(database_url=_url(database), rate_limit_per_s=0.5, rate_limit_burst=BURST)
    )
    with TestClient(app) as client:
        yield client


def bearer(client: TestClient, role: str = "recorder") -> dict[str, str]:
    token = create_token(
        services_of(client).ledger.tables,
        role=role,
        division="53",
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_burst_passes_and_the_next_request_is_a_429_with_retry_after(
    limited: TestClient,
) -> None:
    auth = bearer(limited)
    assert (
        limited.post(
            "/v1/households/hh-1/events", json={"events": [f.registered()]}, headers=auth
        ).status_code
        == 201
    )
    for _ in range(BURST - 1):
        assert limited.get("/v1/households/hh-1", headers=auth).status_code == 200
    refused = limited.get("/v1/households/hh-1", headers=auth)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert (body["code"], body["status"], body["title"]) == (
        "RATE_LIMITED",
        429,
        "Too Many Requests",
    )
    assert body["type"] == "urn:ledger:problem:rate-limited"
    assert refused.headers["Retry-After"] == "2"  # one request every 2 s, none left


def test_another_token_is_not_limited_by_the_first(limited: TestClient) -> None:
    first, second = bearer(limited), bearer(limited, "auditor")
    for _ in range(BURST):
        limited.get("/v1/feed", headers=first)
    assert limited.get("/v1/feed", headers=first).status_code == 429
    assert all(limited.get("/v1/feed", headers=second).status_code == 200 for _ in range(BURST))


def test_after_waiting_the_token_is_served_again(limited: TestClient) -> None:
    clock = FakeClock()
    state = app_state(services_app(limited))
    state.rate_limiter = RateLimiter.from_settings(state.settings, clock=clock)
    auth = bearer(limited)
    for _ in range(BURST):
        assert limited.get("/v1/feed", headers=auth).status_code == 200
    clock.now += 1.0
    refused = limited.get("/v1/feed", headers=auth)
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    clock.now += 1.0
    assert limited.get("/v1/feed", headers=auth).status_code == 200
    assert limited.get("/v1/feed", headers=auth).status_code == 429
    clock.now += 3600
    assert all(limited.get("/v1/feed", headers=auth).status_code == 200 for _ in range(BURST))


def test_a_batch_of_five_hundred_events_counts_as_one_request(limited: TestClient) -> None:
    auth = bearer(limited)
    location = f.event("LocationRecorded", {"lat": 23.5, "lon": 99.8})
    assert (
        limited.post(
            "/v1/households/hh-1/events",
            headers=auth,
            json={"events": [f.registered(), *[location] * 499]},
        ).status_code
        == 201
    )
    assert limited.get("/v1/households/hh-1", headers=auth).json()["version"] == 500


def test_requests_without_a_valid_token_are_not_counted(limited: TestClient) -> None:
    for _ in range(BURST + 2):
        assert limited.get("/v1/feed", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert limited.get("/v1/feed", headers=bearer(limited)).status_code == 200


def test_a_limit_of_zero_switches_it_off(database: Database) -> None:
    app = create_app(Settings(database_url=_url(database), rate_limit_per_s=0, rate_limit_burst=1))
    with TestClient(app) as client:
        auth = bearer(client)
        assert all(client.get("/v1/feed", headers=auth).status_code == 200 for _ in range(5))
