"""A household whose rules raise, seen from outside: the lists stay current for everyone
else, admins see it at GET /v1/admin/parked, /readyz and /metrics count it, its next
event retries it, and ``ledger projections retry`` does too (CONTRACT §7.1)."""

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from bootstrap import open_views
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.config import load_default
from ledger.domain.callers import Caller
from ledger.persistence.database import Database
from projections.runner import ProjectionRunner
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.conftest import Append
from tests.e2e.test_cli import run
from tests.e2e.test_metrics import scrape, value
from tests.parking import broken_for, plant_text_dated_survey

RECORDER = Caller(token_id="t-upstream", name="上游应用", role="recorder", division="53")  # type: ignore[arg-type]


def ledger_of(client: TestClient) -> HouseholdLedger:
    ledger: HouseholdLedger = services_of(client).ledger
    return ledger


def eventually(check: Callable[[], bool], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "not within the bound"
        time.sleep(0.05)


def test_a_parked_household_is_listed_for_admins_counted_and_the_lists_stay_current(
    client: TestClient, append: Append, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    for n in range(4):
        assert append(f"hh-{n}", *f.county_household(n)).status_code == 201
    plant_text_dated_survey(ledger_of(client), "hh-1", RECORDER)
    assert append("hh-2", f.survey()).status_code == 201

    listed = client.get("/v1/completeness", params={"division": "530925"}, headers=auth)
    assert listed.status_code == 200, listed.text
    summary = client.get("/v1/reports/summary", params={"division": "530925"}, headers=auth)
    assert summary.status_code == 200, summary.text
    assert summary.json()["households"] == 4  # hh-1 with its last good rows
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["parked"] == 1
    eventually(
        lambda: client.get("/readyz").json()["projection_position"] == ready.json()["log_position"]
    )  # every other household current
    assert value(scrape(client), "ledger_projections_parked") == 1

    admin = {"Authorization": f"Bearer {make_token(role='admin', division='5309')}"}
    parked = client.get("/v1/admin/parked", headers=admin)
    assert parked.status_code == 200, parked.text
    [item] = parked.json()["items"]
    assert parked.json()["next"] is None
    assert item["household_id"] == "hh-1"
    assert item["village_code"] == "530925101201"
    assert item["version"] == len(f.county_household(1)) + 1
    assert item["error"].startswith("AttributeError: ")
    assert isinstance(item["position"], int)
    assert item["since"]
    elsewhere = {"Authorization": f"Bearer {make_token(role='admin', division='530925101202')}"}
    assert client.get("/v1/admin/parked", headers=elsewhere).json()["items"] == []
    assert client.get("/v1/admin/parked", headers=auth).status_code == 403

    assert append("hh-1", f.survey()).status_code == 201  # a corrected survey: retried
    eventually(lambda: client.get("/readyz").json()["parked"] == 0)
    assert client.get("/v1/admin/parked", headers=admin).json()["items"] == []
    assert value(scrape(client), "ledger_projections_parked") == 0


def test_parked_households_are_paged_by_household_id(
    client: TestClient, append: Append, make_token: Callable[..., str]
) -> None:
    for n in range(3):
        assert append(f"hh-{n}", *f.county_household(n)).status_code == 201
        plant_text_dated_survey(ledger_of(client), f"hh-{n}", RECORDER)
    eventually(lambda: client.get("/readyz").json()["parked"] == 3)
    admin = {"Authorization": f"Bearer {make_token(role='admin', division='')}"}
    first = client.get("/v1/admin/parked", params={"limit": 2}, headers=admin).json()
    assert [i["household_id"] for i in first["items"]] == ["hh-0", "hh-1"]
    second = client.get(
        "/v1/admin/parked", params={"limit": 2, "cursor": first["next"]}, headers=admin
    ).json()
    assert ([i["household_id"] for i in second["items"]], second["next"]) == (["hh-2"], None)
    bad = client.get("/v1/admin/parked", params={"cursor": "hh\x00"}, headers=admin)
    assert bad.status_code == 422, bad.text


def test_projections_retry_unparks_what_the_rules_now_evaluate_and_names_the_rest(
    database: Database, ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    from ledger.domain.commands import AppendBatch

    for n in (0, 3):
        AppendPipeline(ledger).append(
            f"hh-{n}",
            AppendBatch.model_validate({"events": f.county_household(n)}).events,
            recorder_caller,
        )
    plant_text_dated_survey(ledger, "hh-0", recorder_caller)
    # Parked by a rules configuration an earlier release ran with.
    ProjectionRunner(
        ledger, open_views(ledger), broken_for("530925101203", load_default())
    ).catch_up()
    assert [p.household_id for p in open_views(ledger).parked()] == ["hh-0", "hh-3"]

    retried = run(database, "projections", "retry")
    assert retried.returncode == 1, retried.stderr
    assert "un-parked hh-3" in retried.stdout
    assert f"still parked hh-0 (version {len(f.county_household(0)) + 1}," in retried.stdout
    assert "1 un-parked, 1 still parked" in retried.stdout
    # Its log lines go to stderr, as the service's do; stdout is the command's answer.
    assert "household_parked" not in retried.stdout
    assert "household_parked" in retried.stderr
    assert [p.household_id for p in open_views(ledger).parked()] == ["hh-0"]

    AppendPipeline(ledger).append(
        "hh-0", AppendBatch.model_validate({"events": [f.survey()]}).events, recorder_caller
    )
    retried = run(database, "projections", "retry")
    assert retried.returncode == 0, retried.stdout
    assert open_views(ledger).parked() == []
