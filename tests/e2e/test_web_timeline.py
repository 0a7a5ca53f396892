"""The household page of a long history, over HTTP on both databases: the timeline a page
of 100 events at a time (status history, members and procedures complete, links to events
on other pages going there), and the verification badge kept between views while the
stored rows stay byte for byte the same — and red, naming the row, as soon as one changes."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.web.session import COOKIE
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.conftest import Append
from tests.integration.test_audit import Sql, _set_state, _state, _uuid, sql  # noqa: F401

HOUSEHOLD = "/ui/households/hh-1"
ORIGIN = {"Origin": "http://testserver"}
MARKING = 123  # the enrolment's event number


def history() -> list[dict[str, Any]]:
    """253 events: the registration, 120 locations, a survey, the enrolment (event 123),
    130 applications."""
    return [
        f.registered(),
        *[
            f.event("LocationRecorded", {"lat": 23.47, "lon": 99.81, "accuracy_m": n})
            for n in range(1, 121)
        ],
        f.survey(),
        f.marked("enrolled", "marginal"),
        *[
            f.event("AssistanceApplied", {"channel": "rescue_platform", "summary": f"申请{n}"})
            for n in range(130)
        ],
    ]


@pytest.fixture
def long_history(client: TestClient, append: Append, make_token: Callable[..., str]) -> TestClient:
    created = append("hh-1", *history())
    assert created.status_code == 201, created.text
    signed = client.post(
        "/ui/sign-in", data={"token": make_token("auditor")}, headers=ORIGIN, follow_redirects=False
    )
    assert signed.status_code == 303
    client.cookies.set(COOKIE, signed.cookies[COOKIE], path="/ui")
    return client


def badge(client: TestClient) -> str:
    page = client.get(HOUSEHOLD)
    assert page.status_code == 200, page.text
    found = re.search(r'<div class="verification[^>]*>(.*?)</div>', page.text, re.DOTALL)
    assert found, page.text
    return found.group(1)


def rows(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="ev-([0-9]+)"', page)]


def test_the_timeline_shows_a_hundred_events_a_page_with_links_to_the_others(
    long_history: TestClient,
) -> None:
    first = long_history.get(HOUSEHOLD)
    assert first.status_code == 200
    assert rows(first.text) == list(range(1, 101))
    assert "第 1–100 条，共 253 条（第 1/3 页）" in first.text
    assert 'href="?page=2#timeline"' in first.text
    assert 'rel="prev"' not in first.text
    assert '<div class="n" id="event-count">253</div>' in first.text

    last = long_history.get(f"{HOUSEHOLD}?page=3")
    assert rows(last.text) == list(range(201, 254))
    assert 'href="?page=2#timeline"' in last.text
    assert 'rel="next"' not in last.text
    assert rows(long_history.get(f"{HOUSEHOLD}?page=99").text) == list(range(201, 254))


def test_every_page_keeps_the_status_history_members_and_procedures_whole(
    long_history: TestClient,
) -> None:
    for page in (1, 2, 3):
        text = long_history.get(f"{HOUSEHOLD}?page={page}").text
        section = text[text.index('id="status-history"') : text.index('id="timeline"')]
        href = "" if page == 2 else "?page=2"
        assert f'<a href="{href}#ev-{MARKING}">第{MARKING}条</a>' in section
        assert text.count("张三") >= 2  # both members, on every page
        procedures = text[text.index('id="completeness"') : text.index('id="materials"')]
        assert f'href="{href}#ev-{MARKING}"' in procedures  # the enrolment's procedure
        assert "缺失" in procedures  # its missing steps


def test_the_as_of_time_stays_in_the_timeline_links(long_history: TestClient) -> None:
    text = long_history.get(f"{HOUSEHOLD}?as_of=2099-01-01&page=2").text
    assert rows(text) == list(range(101, 201))
    assert 'href="?as_of=2099-01-01&amp;page=3#timeline"' in text
    assert 'href="?as_of=2099-01-01&amp;page=1#timeline"' in text


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999"])
def test_a_page_number_that_is_no_page_is_a_validation_error_page(
    long_history: TestClient, page: str
) -> None:
    response = long_history.get(f"{HOUSEHOLD}?page={page}")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "VALIDATION_FAILED" in response.text


def test_the_badge_is_kept_between_views_and_turns_red_when_a_stored_row_changes(
    long_history: TestClient, sql: Sql, database: Database
) -> None:
    badges = services_of(long_history).badges
    assert "核验通过" in badge(long_history)
    assert "全部 253 条记录" in badge(long_history)
    assert badges.rehashed == 253  # the second view re-used the verdict

    state = _state(sql, database, "hh-1", 200)
    assert "申请76".encode() in state
    _set_state(sql, database, "hh-1", 200, state.replace("申请76".encode(), "申请77".encode()))
    page = badge(long_history)
    assert "核验未通过" in page
    assert "version 200" in page
    assert "does not match its hash" in page
    assert badges.rehashed == 253 + 200  # all over again, up to the changed row
    assert "核验未通过" in badge(long_history)  # a failure is not kept

    _set_state(sql, database, "hh-1", 200, state)  # the very bytes verified before
    assert "核验通过" in badge(long_history)


def test_a_row_changed_before_an_append_is_found_though_only_new_rows_are_rehashed(
    long_history: TestClient,
    append: Append,
    sql: Sql,
    database: Database,
) -> None:
    badges = services_of(long_history).badges
    assert "核验通过" in badge(long_history)
    assert append("hh-1", f.survey()).status_code == 201
    assert "全部 254 条记录" in badge(long_history)
    assert badges.rehashed == 254  # the new event only

    state = _state(sql, database, "hh-1", 10)
    at = state.index(b'"accuracy_m"')
    _set_state(sql, database, "hh-1", 10, state[:at] + state[at:].replace(b"9", b"8", 1))
    assert append("hh-1", f.survey()).status_code == 201
    page = badge(long_history)
    assert "核验未通过" in page
    assert "version 10 " in page


def test_the_badge_finds_a_removed_last_event(
    long_history: TestClient, sql: Sql, database: Database
) -> None:
    assert "核验通过" in badge(long_history)
    sql(
        "DELETE FROM ledger_events WHERE originator_id = ? AND originator_version = ?",
        (_uuid(database, "hh-1"), 253),
    )
    page = badge(long_history)
    assert "核验未通过" in page
    assert "events were removed" in page


def test_the_badge_follows_new_events(long_history: TestClient, append: Append) -> None:
    assert "全部 253 条记录" in badge(long_history)
    assert append("hh-1", f.survey(), f.survey()).status_code == 201
    assert "全部 255 条记录" in badge(long_history)
    assert services_of(long_history).badges.rehashed == 255
