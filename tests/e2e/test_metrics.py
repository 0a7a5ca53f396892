"""``GET /metrics`` in Prometheus's text format: requests by method, route template and
status, latency, appends by outcome and events appended, the projections' lag and the
newest checkpoint's age, on SQLite and PostgreSQL; bounded labels; no 500 without a
database."""

import time
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from api.app import create_app
from api.state import app_state
from bootstrap.settings import Settings
from ledger.persistence.database import Database
from ledger.tokens import create_token
from tests import factories as f
from tests.conftest import POSTGRES_URL, _url, fresh_postgres
from tests.e2e.conftest import Append

HOUSEHOLD_ROUTE = "/v1/households/{household_id}"
APPEND_ROUTE = "/v1/households/{household_id}/events"


def scrape(client: TestClient) -> list[Sample]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]


def test_requests_are_counted_and_timed_by_method_route_template_and_status(
    client: TestClient, auth: dict[str, str]
) -> None:
    for household_id in ("hh-1", "hh-2", "hh-3"):
        assert client.get(f"/v1/households/{household_id}", headers=auth).status_code == 404
    assert client.get("/v1/households/hh-1").status_code == 401
    samples = scrape(client)
    requests = "ledger_http_requests_total"
    assert value(samples, requests, method="GET", route=HOUSEHOLD_ROUTE, status="404") == 3
    assert value(samples, requests, method="GET", route=HOUSEHOLD_ROUTE, status="401") == 1
    latency = "ledger_http_request_duration_seconds"
    assert value(samples, f"{latency}_count", method="GET", route=HOUSEHOLD_ROUTE) == 4
    assert value(samples, f"{latency}_bucket", method="GET", route=HOUSEHOLD_ROUTE, le="+Inf") == 4
    assert 0 < value(samples, f"{latency}_sum", method="GET", route=HOUSEHOLD_ROUTE) < 60
    assert all("hh-" not in label for s in samples for label in s.labels.values())


def test_unknown_paths_and_methods_collapse_to_one_label_each(client: TestClient) -> None:
    for n in range(40):
        assert client.get(f"/probe/{n}/wp-login.php").status_code == 404
    assert client.request("BREW", "/v1/feed").status_code == 405
    samples = scrape(client)
    assert (
        value(samples, "ledger_http_requests_total", method="GET", route="unmatched", status="404")
        == 40
    )
    assert (
        value(samples, "ledger_http_requests_total", method="other", route="/v1/feed", status="405")
        == 1
    )
    routes = {s.labels["route"] for s in samples if s.name == "ledger_http_requests_total"}
    assert routes == {"unmatched", "/v1/feed"}  # this scrape itself is counted after it


def test_appends_move_the_append_outcome_and_event_counters(
    client: TestClient, append: Append
) -> None:
    before = scrape(client)
    assert value(before, "ledger_events_appended_total") == 0
    assert value(before, "ledger_append_requests_total", outcome="appended") == 0
    assert append("hh-1", f.registered(), f.survey(), key="k-1").status_code == 201
    assert append("hh-1", f.registered(), f.survey(), key="k-1").status_code == 201  # retry
    assert append("hh-1", f.survey(), expected_version=0).status_code == 409
    assert append("hh-2", {"type": "NoSuchEvent"}).status_code == 422
    assert append("hh-3", f.registered()).status_code == 201
    samples = scrape(client)
    assert value(samples, "ledger_events_appended_total") == 3
    outcomes = {
        o: value(samples, "ledger_append_requests_total", outcome=o)
        for o in ("appended", "replayed", "conflict", "refused", "failed")
    }
    assert outcomes == {"appended": 2, "replayed": 1, "conflict": 1, "refused": 1, "failed": 0}
    assert (
        value(
            samples, "ledger_http_requests_total", method="POST", route=APPEND_ROUTE, status="201"
        )
        == 3
    )


def test_projection_lag_and_checkpoint_age_are_present_and_sane(
    client: TestClient, append: Append
) -> None:
    for n in range(5):
        assert append(f"hh-{n}", f.registered(), f.survey()).status_code == 201
    deadline = time.monotonic() + 20
    while True:  # the read models and the checkpointer work in the background
        samples = scrape(client)
        caught_up = (
            value(samples, "ledger_projection_lag_events") == 0
            and value(samples, "ledger_checkpoint_tree_size") == 10
        )
        if caught_up or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert value(samples, "ledger_database_up") == 1
    assert value(samples, "ledger_log_head_position") == 10
    assert value(samples, "ledger_projection_position") == 10
    assert value(samples, "ledger_projection_lag_events") == 0
    assert value(samples, "ledger_projections_failed") == 0
    assert value(samples, "ledger_transparency_log_leaves") == 10
    assert value(samples, "ledger_checkpoint_tree_size") == 10
    assert 0 <= value(samples, "ledger_checkpoint_age_seconds") < 20
    assert abs(value(samples, "ledger_checkpoint_timestamp_seconds") - time.time()) < 20


def test_each_app_counts_only_its_own_requests(client: TestClient, database: Database) -> None:
    assert client.get("/healthz").status_code == 200
    with TestClient(create_app(Settings(database_url=_url(database)))) as other:
        samples = scrape(other)
    assert not [s for s in samples if s.name == "ledger_http_requests_total"]
    assert (
        value(
            scrape(client),
            "ledger_http_requests_total",
            method="GET",
            route="/healthz",
            status="200",
        )
        == 1
    )


def test_metrics_are_left_out_of_the_openapi_document(client: TestClient) -> None:
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.fixture
def postgres_database(postgres_server: Database) -> Iterator[Database]:
    yield from fresh_postgres(postgres_server)


def test_a_scrape_without_its_database_answers_what_it_can(postgres_database: Database) -> None:
    app = create_app(Settings(database_url=_url(postgres_database), pool_size=2))
    with TestClient(app) as client:
        token = create_token(app_state(app).running().ledger.tables, role="recorder", division="53")
        assert (
            client.post(
                "/v1/households/hh-1/events",
                json={"events": [f.registered()]},
                headers={"Authorization": f"Bearer {token}"},
            ).status_code
            == 201
        )
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{postgres_database.name}" WITH (FORCE)')
        samples = scrape(client)
    assert value(samples, "ledger_database_up") == 0
    assert value(samples, "ledger_projections_failed") == 0
    assert value(samples, "ledger_events_appended_total") == 1
    assert not [s for s in samples if s.name == "ledger_log_head_position"]
