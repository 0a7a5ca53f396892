"""PostgreSQL stopped and started again under the running service (PostgreSQL only).

The server is a private cluster of this test (never the shared one): stopped with
``pg_ctl stop -m fast`` while the app is served, then started again. Meanwhile ``/readyz``
says 503 and ``/healthz`` 200, appends and reads answer 503 problem+json with
``Retry-After`` within a bound; afterwards the same process serves again, its read models
catch up and its checkpoints resume — without a restart of the service.
"""

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from bootstrap.settings import Settings
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.e2e.clusters import PrivateCluster, require_postgres_bin
from tests.e2e.servers import recorder_token, served_in_thread

OUTAGE_BOUND_S = 12.0  # POSTGRES_CONNECT_TIMEOUT (5 s) for a pool connection, and margin
RECOVERY_BOUND_S = 10.0
# How long PostgreSQL stays down at least. The pool's reconnection backoff once kept the
# service at 503 for more than 30 s after PostgreSQL was back from a 90 s outage: run with
# LEDGER_TEST_OUTAGE_S=90 to check that again (the default keeps the suite fast).
OUTAGE_S = float(os.environ.get("LEDGER_TEST_OUTAGE_S", "0"))


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    server = PrivateCluster(require_postgres_bin("POSTGRESQL RESTART TEST"))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def timed(call: Callable[[], httpx.Response]) -> httpx.Response:
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert elapsed < OUTAGE_BOUND_S, f"{response.request.url} took {elapsed:.1f} s"
    return response


def until(check: Callable[[], bool], within: float, what: str) -> float:
    """Polls ``check`` until it holds; returns how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {within} s")


def assert_unavailable(
    response: httpx.Response, codes: tuple[str, ...] = ("SERVICE_UNAVAILABLE",)
) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in codes, response.text
    assert response.headers["Retry-After"]


def test_the_service_rides_out_a_postgres_restart_and_readyz_tells_the_truth_meanwhile(
    cluster: PrivateCluster,
) -> None:
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute('CREATE DATABASE "ledger"')
    database = Database.from_url(cluster.url("ledger"))
    token = recorder_token(database)
    settings = Settings(
        database_url=_url(database), pool_size=4, checkpoint_interval_s=0.5, rate_limit_per_s=0
    )
    with (
        served_in_thread(settings) as (base, _),
        httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as http,
    ):

        def append(household_id: str, *events: dict[str, Any]) -> httpx.Response:
            return http.post(f"/v1/households/{household_id}/events", json={"events": list(events)})

        def ready() -> httpx.Response:
            return timed(lambda: http.get("/readyz"))

        assert append("hh-before", *f.county_household(0)).status_code == 201
        assert ready().status_code == 200

        cluster.stop("fast")
        stopped = time.monotonic()
        until(lambda: ready().status_code == 503, 10, "/readyz answering 503")
        # Everything at once, each answer bounded in time: the probes wait in parallel.
        probes: dict[str, Callable[[], httpx.Response]] = {
            "readyz": lambda: http.get("/readyz"),
            "healthz": lambda: http.get("/healthz"),
            "append": lambda: append("hh-before", f.survey()),
            "register": lambda: append("hh-during", f.registered()),
            "state": lambda: http.get("/v1/households/hh-before"),
            "history": lambda: http.get("/v1/households/hh-before/events"),
            "feed": lambda: http.get("/v1/feed"),
            "list": lambda: http.get("/v1/completeness"),
        }
        with ThreadPoolExecutor(len(probes)) as pool:
            futures = {name: pool.submit(timed, probe) for name, probe in probes.items()}
            answers = {name: future.result() for name, future in futures.items()}
        assert answers.pop("healthz").status_code == 200
        assert answers.pop("readyz").json()["code"] == "NOT_READY"
        assert_unavailable(answers.pop("list"), ("SERVICE_UNAVAILABLE", "PROJECTIONS_UNAVAILABLE"))
        for answer in answers.values():
            assert_unavailable(answer)
        while time.monotonic() - stopped < OUTAGE_S:  # a longer outage, on demand
            assert ready().status_code == 503
            assert http.get("/healthz").status_code == 200
            time.sleep(1)

        cluster.start()
        until(
            lambda: ready().status_code == 200,
            RECOVERY_BOUND_S,
            f"/readyz answering 200 again after an outage of {time.monotonic() - stopped:.0f} s",
        )
        appended = append("hh-after", *f.county_household(1))
        assert appended.status_code == 201, appended.text
        assert append("hh-before", f.survey()).status_code == 201
        assert http.get("/v1/households/hh-after").json()["version"] == len(f.county_household(1))
        total = len(f.county_household(0)) + len(f.county_household(1)) + 1

        # The read models follow appends made after the restart …
        listed = http.get("/v1/completeness", params={"division": "530925"})
        assert listed.status_code == 200, listed.text
        assert "hh-after" in [item["household_id"] for item in listed.json()["items"]]
        until(
            lambda: (
                http.get("/readyz").json()["projection_position"]
                == http.get("/readyz").json()["log_position"]
            ),
            10,
            "projections caught up",
        )

        # … and the checkpointer signs again by itself, not only when asked for a fresh one.
        until(
            lambda: http.get("/v1/checkpoints/latest").json()["tree_size"] == total,
            10,
            "a background checkpoint covering the appends after the restart",
        )
        fresh = http.get("/v1/checkpoints/latest", params={"fresh": "true"})
        assert fresh.json()["tree_size"] == total
