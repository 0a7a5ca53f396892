"""The data-quality and formalism sections in a real browser (headless Chromium): on the
demo county's page an auditor sees the counts by code with their national rules, the
households with findings and the signals, each explained in Chinese; a household's page
lists its findings beside its gaps. The counts are the API's.

Screenshots go to test-artifacts/screenshots; with ``LEDGER_DOCS_SCREENSHOTS=1`` also to
docs/screenshots (quality-county.png, signals-county.png, household-findings.png), which
is how the pictures in docs/web-pages.md are made.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Locator, Page, expect

from bootstrap.settings import Settings
from cli import main
from ledger.domain.quality.codes import FindingCode, SignalCode
from ledger.persistence.database import Database
from tests.conftest import _url
from tests.e2e.browser import screenshot
from tests.e2e.servers import served_in_thread
from tests.e2e.test_web_browser import COUNTY, Served, sign_in

HOUSEHOLDS = 5000  # `ledger demo`'s county: every code is planted in it
REFERENCE = "2022-01-31"  # after the 2021 round, while the frozen village still waits
CHINESE = re.compile(r"[\u4e00-\u9fff]{6}")  # an explanation, not a code
DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture
def county(database: Database) -> Iterator[Served]:
    loaded = CliRunner().invoke(
        main, ["demo", "--households", str(HOUSEHOLDS)], env={"LEDGER_DATABASE_URL": _url(database)}
    )
    assert loaded.exit_code == 0, loaded.output
    with served_in_thread(Settings(database_url=_url(database))) as (base, _):
        yield Served(base, database)


def picture(
    page: Page, first: Locator, last: Locator, request: pytest.FixtureRequest, name: str
) -> None:
    """The page from ``first`` to the end of ``last`` as the docs show it, when asked (on
    SQLite only: one set of pictures)."""
    if os.environ.get("LEDGER_DOCS_SCREENSHOTS") != "1" or "sqlite" not in request.node.name:
        return
    top, bottom = first.bounding_box(), last.bounding_box()
    assert top is not None
    assert bottom is not None
    height = min(bottom["y"] + bottom["height"] - top["y"] + 16, 1500)  # long lists cut
    clip = {"x": 0, "y": max(top["y"] - 8, 0), "width": 1280, "height": height}
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True, clip=clip)  # type: ignore[arg-type]


def test_the_county_page_shows_findings_and_signals_explained_in_chinese(
    page: Page, county: Served, request: pytest.FixtureRequest
) -> None:
    auditor = county.token("auditor")
    sign_in(page, county, auditor, f"/ui/divisions/{COUNTY}?reference_date={REFERENCE}")
    expect(page).to_have_url(re.compile(f"/ui/divisions/{COUNTY}"))

    # Counts by code: every code with its Chinese label and national rule, as many as the API.
    quality = page.locator("#quality")
    expect(quality.locator("h2")).to_contain_text("数据质量问题")
    for code in FindingCode:
        row = quality.locator("#quality-counts tbody tr").filter(has_text=code.label_zh)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(code.rule)
    counts = county.api(auditor, "/v1/reports/summary", division=COUNTY, reference_date=REFERENCE)
    for counted in counts.get("quality_counts", []):
        cell = quality.locator(f"#quality-counts td[data-code='{counted['code']}']")
        expect(cell).to_have_text(str(counted["findings"]))
    found = {
        code: int(text)
        for code, text in (
            (cell.get_attribute("data-code"), cell.inner_text())
            for cell in quality.locator("#quality-counts td[data-code]").all()
        )
    }
    assert all(found.values()), found  # the demo county plants every finding

    # The households with findings: each finding explained in Chinese; the exports.
    rows = quality.locator("#quality-list tbody tr")
    expect(rows.first.locator(".detail-zh")).to_have_text(CHINESE)
    expect(quality.locator("#export-quality-xlsx")).to_be_visible()
    screenshot(page, request, "county-quality")
    picture(page, quality, quality, request, "quality-county")

    # Filtered by one code: only that code's findings are listed.
    code = FindingCode.DQ_DUPLICATE_PERSON
    page.select_option("#quality-code", code.value)
    page.click("#apply-quality-filters")
    expect(page).to_have_url(re.compile(f"quality_code={code.value}"))
    labels = page.locator("#quality-list tbody tr td:nth-last-child(3)").all_inner_texts()
    assert labels
    assert set(labels) == {code.label_zh}

    # The signals: counts, each signal explained in Chinese with its households linked.
    signals = page.locator("#signals")
    expect(signals.locator("h2")).to_contain_text("形式主义迹象")
    for signal in SignalCode:
        expect(signals.locator("#signal-counts")).to_contain_text(signal.label_zh)
    listed = signals.locator("#signal-list tbody tr")
    expect(listed.first.locator(".detail-zh")).to_have_text(CHINESE)
    expect(listed.first.locator("a").first).to_have_attribute("href", re.compile("/ui/households/"))
    shown = {text for text in listed.locator("td:first-child").all_inner_texts()}
    assert shown == {signal.label_zh for signal in SignalCode}, shown
    screenshot(page, request, "county-signals")
    picture(page, signals, signals, request, "signals-county")

    # A household of the filtered list: its findings beside its gaps.
    household_id = page.locator("#quality-list tbody tr td.id a").first.inner_text()
    page.click(f"#quality-list a:text-is('{household_id}')")
    expect(page).to_have_url(f"{county.base}/ui/households/{household_id}")
    own = county.api(auditor, f"/v1/households/{household_id}/quality")
    findings = page.locator("#findings tbody tr")
    expect(findings).to_have_count(len(own["findings"]))
    expect(page.locator("#finding-count")).to_have_text(str(len(own["findings"])))
    expect(page.locator("#findings")).to_contain_text(code.label_zh)
    expect(page.locator("#findings")).to_contain_text(code.rule)
    expect(findings.first.locator(".detail-zh")).to_have_text(CHINESE)
    screenshot(page, request, "household-findings")
    picture(page, page.locator("h1"), page.locator("#quality"), request, "household-findings")
