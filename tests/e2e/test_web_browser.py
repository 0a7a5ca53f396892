"""The web pages in a real browser (headless Chromium): an auditor signs in, browses the
demo county to a household's timeline and its gaps, picks an earlier date, exports the gap
list as .xlsx and opens it; an evaluator sees names and ID numbers as display masks, no
birth date, and nothing outside their division; a changed row turns the verification badge
red. Every number on the pages is compared with what the API answers. Screenshots go to
test-artifacts/screenshots."""

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

import demo
from bootstrap.settings import Settings
from cli import main
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.labels import label
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.e2e.browser import screenshot
from tests.e2e.servers import served_in_thread
from tests.integration.test_audit import Sql, _set_state, _state, sql  # noqa: F401 (fixture)

HOUSEHOLDS = 160
CHINA = timezone(timedelta(hours=8))
COUNTY = "530925"


@dataclass(frozen=True)
class Served:
    base: str
    database: Database

    def token(self, role: str, division: str = COUNTY) -> str:
        created = CliRunner().invoke(
            main,
            ["token", "create", "--role", role, "--division", division],
            env={"LEDGER_DATABASE_URL": _url(self.database)},
        )
        assert created.exit_code == 0, created.output
        return created.stdout.strip().splitlines()[-1]

    def api(self, token: str, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.base}{path}",
            params=params,
            timeout=30,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def county(database: Database) -> Iterator[Served]:
    """The demo county, served over real HTTP."""
    loaded = CliRunner().invoke(
        main, ["demo", "--households", str(HOUSEHOLDS)], env={"LEDGER_DATABASE_URL": _url(database)}
    )
    assert loaded.exit_code == 0, loaded.output
    with served_in_thread(Settings(database_url=_url(database))) as (base, _):
        yield Served(base, database)


def sign_in(page: Page, county: Served, token: str, start: str = "/") -> None:
    page.goto(f"{county.base}{start}")
    expect(page).to_have_url(re.compile(r"/ui/sign-in"))
    page.fill("#token", token)
    page.click("#sign-in")


def test_an_auditor_browses_the_county_to_a_household_timeline_and_exports_the_gaps(
    page: Page, county: Served, request: pytest.FixtureRequest
) -> None:
    auditor = county.token("auditor")
    sign_in(page, county, auditor)
    expect(page).to_have_url(f"{county.base}/ui/divisions/{COUNTY}")

    summary = county.api(auditor, "/v1/reports/summary", division=COUNTY)
    expect(page.locator("#household-total")).to_have_text(str(summary["households"]))
    for kind, steps in summary["completeness_rate"].items():
        for step, rate in steps.items():
            bar = page.locator(f"#completeness-chart text.rate[data-step='{step}']").first
            expect(bar).to_be_visible()
            if kind == next(iter(summary["completeness_rate"])):
                expect(bar).to_have_text(f"{rate * 100:.1f}%")
    screenshot(page, request, "county")

    # The gap list, filtered by a code the county has.
    code = max(summary["gap_counts"], key=lambda g: g["households"])["code"]
    page.select_option("#gap-code", code)
    page.click("#apply-gap-filters")
    expect(page).to_have_url(re.compile(f"gap_code={code}"))
    expected = county.api(auditor, "/v1/completeness", division=COUNTY, code=code, limit=50)
    listed = page.locator("#gap-list tbody tr td:first-child a").all_inner_texts()
    assert listed == [item["household_id"] for item in expected["items"]]
    expect(page.locator("#gap-list tbody")).to_contain_text(label("gap_code", code))
    screenshot(page, request, "gap-list-filtered")

    # The export opens in a spreadsheet reader, with every household of the filter.
    with page.expect_download() as download:
        page.click("#export-gaps-xlsx")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:2] == ("户编号", "行政村代码")
    every = county.api(auditor, "/v1/completeness", division=COUNTY, code=code, limit=1000)
    assert {row[0] for row in rows[1:]} == {item["household_id"] for item in every["items"]}
    assert {row[4] for row in rows[1:]} == {code}

    # A household of the list: its timeline, its episodes with the gaps highlighted.
    household_id = listed[0]
    page.click(f"#gap-list a:text-is('{household_id}')")
    expect(page).to_have_url(f"{county.base}/ui/households/{household_id}")
    history = county.api(auditor, f"/v1/households/{household_id}/events")["items"]
    completeness = county.api(auditor, f"/v1/households/{household_id}/completeness")
    expect(page.locator("#timeline tbody tr")).to_have_count(len(history))
    for event in history:
        expect(page.locator("#timeline")).to_contain_text(label("event_type", event["type"]))
        expect(page.locator("#timeline")).to_contain_text(event["actor"]["name"])
    violations = [
        g for e in completeness["episodes"] for g in e["gaps"] if g["severity"] == "violation"
    ]
    expect(page.locator("#completeness .gap.violation")).to_have_count(len(violations))
    expect(page.locator("#completeness")).to_contain_text(label("gap_code", code))
    expect(page.locator("#verification")).to_have_class(re.compile("holds"))
    expect(page.locator("#verification")).to_contain_text("核验通过")
    screenshot(page, request, "household")

    # A field worker records the family's location; the picker shows the page before it.
    before = datetime.now(CHINA).replace(microsecond=0)
    if before.second == 0:  # the picker would send HH:MM, the end of that whole minute
        time.sleep(1)
        before = datetime.now(CHINA).replace(microsecond=0)
    time.sleep(1.1)
    located = httpx.post(
        f"{county.base}/v1/households/{household_id}/events",
        json={"events": [f.event("LocationRecorded", {"lat": 23.47, "lon": 99.81})]},
        headers={"Authorization": f"Bearer {county.token('recorder')}"},
        timeout=30,
    )
    assert located.status_code == 201, located.text
    page.reload()
    expect(page.locator("#timeline tbody tr")).to_have_count(len(history) + 1)
    page.fill("#as-of-time", before.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#as-of button[type=submit]")
    expect(page).to_have_url(re.compile(r"as_of="))
    expect(page.locator("#as-of-notice")).to_contain_text(before.strftime("%Y-%m-%d %H:%M:%S"))
    expect(page.locator("#timeline tbody tr")).to_have_count(len(history))
    located_before = sum(e["type"] == "LocationRecorded" for e in history)
    expect(
        page.locator("#timeline tbody tr", has_text=label("event_type", "LocationRecorded"))
    ).to_have_count(located_before)
    screenshot(page, request, "household-as-of")
    page.fill("#as-of-time", (before - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("#as-of button[type=submit]")
    expect(page.locator("#as-of-notice")).to_contain_text("尚无建档记录")
    expect(page.locator("#timeline tbody tr")).to_have_count(1)  # the "无记录" row

    # The auditor read names and ID numbers: the access log says so.
    admin = county.token("admin")
    logged = county.api(admin, "/v1/access-log", household_id=household_id)["items"]
    assert any(row["endpoint"] == "GET /ui/households/{household_id}" for row in logged)


def test_an_evaluator_sees_names_masked_and_nothing_outside_their_division(
    page: Page, county: Served, request: pytest.FixtureRequest
) -> None:
    auditor = county.token("auditor")
    households = county.api(auditor, "/v1/completeness", division=COUNTY, limit=100)["items"]
    inside = households[0]
    township = inside["village_code"][:9]
    outside = next(
        state
        for n in range(HOUSEHOLDS)
        if not (state := county.api(auditor, f"/v1/households/{demo.household_id(n)}"))[
            "village_code"
        ].startswith(township)
    )
    evaluator = county.token("evaluator", township)

    sign_in(page, county, evaluator, f"/ui/households/{inside['household_id']}")
    expect(page).to_have_url(f"{county.base}/ui/households/{inside['household_id']}")
    state = county.api(auditor, f"/v1/households/{inside['household_id']}")
    members = page.locator("#members").inner_text()
    for member in state["members"]:
        assert member["name"] not in members
        assert member["id_number"] not in members
        assert member["birth_date"] not in members
        assert member["name"][0] + "*" in members
        assert member["id_number"][:6] + "*" * 12 in members
    assert re.search(r"c:[0-9a-f]{64}", page.locator("main").inner_text()) is None  # masks
    screenshot(page, request, "evaluator-household")

    page.goto(f"{county.base}/ui/households/{outside['household_id']}")
    expect(page.locator("#problem")).to_contain_text("UNKNOWN_HOUSEHOLD")
    page.goto(f"{county.base}/ui/divisions/{COUNTY}")
    expect(page.locator("#problem")).to_contain_text("FORBIDDEN")
    page.goto(f"{county.base}/ui/")
    expect(page).to_have_url(f"{county.base}/ui/divisions/{township}")
    expect(page.locator("#gap-list")).not_to_contain_text(outside["household_id"])

    admin = county.token("admin")
    logged = county.api(admin, "/v1/access-log", household_id=inside["household_id"])["items"]
    assert [row for row in logged if row["endpoint"].startswith("GET /ui/")] == []  # no values

    page.click("nav.top button")  # sign out
    expect(page).to_have_url(re.compile(r"/ui/sign-in"))
    page.goto(f"{county.base}/ui/divisions/{township}")
    expect(page).to_have_url(re.compile(r"/ui/sign-in\?next="))


def test_a_changed_row_turns_the_verification_badge_red(
    page: Page,
    county: Served,
    sql: Sql,
    database: Database,
    request: pytest.FixtureRequest,
) -> None:
    auditor = county.token("auditor")
    household_id = county.api(auditor, "/v1/completeness", division=COUNTY)["items"][0][
        "household_id"
    ]
    sign_in(page, county, auditor, f"/ui/households/{household_id}")
    expect(page.locator("#verification")).to_contain_text("核验通过")

    state = _state(sql, database, household_id, 1)
    # The stored event holds the head's name as its commitment (CONTRACT §7.3): change it.
    evaluator = county.token("evaluator")
    stored = county.api(evaluator, f"/v1/households/{household_id}")["members"][0]["name"]
    assert stored.startswith("c:")
    assert stored.encode() in state
    changed = stored[:-1] + ("0" if stored[-1] != "0" else "1")
    _set_state(sql, database, household_id, 1, state.replace(stored.encode(), changed.encode(), 1))
    page.reload()
    expect(page.locator("#verification")).to_have_class(re.compile("fails"))
    expect(page.locator("#verification")).to_contain_text("核验未通过")
    expect(page.locator("#verification")).to_contain_text("does not match its hash")
    screenshot(page, request, "tampered")


def test_a_token_that_may_not_read_households_is_refused_at_sign_in(
    page: Page, county: Served
) -> None:
    sign_in(page, county, "ldg_not_a_token")
    expect(page.locator("#message")).to_contain_text("令牌无效")
    page.fill("#token", county.token("intake"))
    page.click("#sign-in")
    expect(page.locator("#message")).to_contain_text("不能查看农户数据")


def test_the_api_documentation_renders_with_an_example_of_every_event_type(
    page: Page, database: Database, request: pytest.FixtureRequest
) -> None:
    """Swagger UI from the package (no CDN: the browser here reaches none), rendering the
    OpenAPI 3.1 document with the append examples."""
    blocked: list[str] = []
    page.on("requestfailed", lambda failed: blocked.append(failed.url))
    with served_in_thread(Settings(database_url=_url(database))) as (base, _):
        page.goto(f"{base}/docs")
        append = page.locator(
            "#operations-households-append_events_v1_households__household_id__events_post"
        )
        expect(append).to_be_visible()
        append.locator(".opblock-summary").click()
        examples = append.locator(".opblock-section-request-body .examples-select select")
        expect(examples).to_be_visible()
        offered = examples.locator("option").all_inner_texts()
        for event_type in set(EVENT_TYPES) - {"PersonalDataErased"}:  # an erasure appends it
            assert any(event_type in text for text in offered), (event_type, offered[:5])
        screenshot(page, request, "docs")
    assert blocked == []
