"""A real browser for the web pages' tests: Debian's Chromium (``scripts/ensure-chromium``)
driven by Playwright, headless; screenshots kept as test artifacts.

Without Chromium the browser tests skip loudly — except under ``CI=true``, where that is
a failure.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(
    os.environ.get("LEDGER_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)
SCREENSHOTS = ARTIFACTS / "screenshots"


def chromium_executable() -> str:
    found = os.environ.get("LEDGER_TEST_CHROMIUM") or shutil.which("chromium")
    if found is None:
        reason = (
            "Chromium is not installed (scripts/ensure-chromium installs Debian's "
            "chromium; or set LEDGER_TEST_CHROMIUM)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the browser tests to run: {reason}")
        pytest.skip(f"SKIPPING BROWSER TESTS — {reason}")
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def screenshot(page: Page, request: pytest.FixtureRequest, name: str) -> Path:
    """The whole page as a PNG under test-artifacts/screenshots, named after the test."""
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    path = SCREENSHOTS / f"{test}--{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
