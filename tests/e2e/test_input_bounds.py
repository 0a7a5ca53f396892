"""Input that cannot hurt anyone else (CONTRACT §7.1), over HTTP and through ``ledger
import``: the appends that once took every list of every division down are refused naming
their field, and the lists stay 200; bad query values are 4xx, never 500."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from ledger.application import HouseholdLedger
from ledger.importing.roster import Row
from ledger.persistence.database import Database
from tests import factories as f
from tests.e2e.conftest import Append, problem_code
from tests.e2e.test_import import ndjson, stored
from tests.e2e.test_import import run_import as run_ndjson_import
from tests.e2e.test_import_xlsx import _change, _first, households, roster
from tests.e2e.test_import_xlsx import run_import as run_roster_import
from tests.e2e.test_web_pages import signed_in
from tests.roster_cells import rows_of

__all__ = ["stored"]  # the fixture, shared with the NDJSON import's tests

READS = (
    "/v1/completeness",
    "/v1/lookback",
    "/v1/reports/summary",
    "/v1/completeness?format=xlsx",
    "/v1/lookback?format=xlsx",
    "/v1/completeness?division=530925",
    "/v1/lookback?division=53&format=csv",
)


def applied(occurred_at: str) -> dict[str, Any]:
    return f.event(
        "AssistanceApplied", {"channel": "village", "summary": "申请帮扶"}, occurred_at=occurred_at
    )


def assert_reads_answer(client: TestClient, headers: dict[str, str]) -> None:
    for path in READS:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)


def refused_field(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "occurred_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-08:00"]
)
def test_an_intake_application_dated_year_1_or_9999_is_refused_and_every_list_answers(
    client: TestClient,
    make_token: Callable[..., str],
    auth: dict[str, str],
    registered: str,
    occurred_at: str,
) -> None:
    intake = {"Authorization": f"Bearer {make_token('intake')}"}
    response = client.post(
        f"/v1/households/{registered}/events",
        headers=intake,
        json={"events": [applied(occurred_at)]},
    )
    assert refused_field(response) == ["events[0].occurred_at"]
    assert client.get(f"/v1/households/{registered}", headers=auth).json()["version"] == 1
    assert_reads_answer(client, auth)
    accepted = client.post(
        f"/v1/households/{registered}/events",
        headers=intake,
        json={"events": [applied("2021-11-01T09:00:00+08:00")]},
    )
    assert accepted.status_code == 201, accepted.text
    assert_reads_answer(client, auth)


def test_a_system_marking_dated_9999_is_refused_and_every_list_answers(
    append: Append, client: TestClient, auth: dict[str, str], registered: str
) -> None:
    marking = {**f.marked("enrolled", "marginal"), "occurred_at": "9999-12-31T00:00:00+08:00"}
    assert refused_field(append(registered, marking)) == ["events[0].occurred_at"]
    assert_reads_answer(client, auth)


def test_an_event_a_day_and_more_ahead_of_the_clock_is_refused(
    append: Append, registered: str
) -> None:
    assert refused_field(append(registered, applied("2099-01-01T00:00:00+08:00"))) == [
        "events[0].occurred_at"
    ]


def test_dates_in_data_and_a_birth_after_the_event_are_refused_naming_each(
    append: Append, registered: str
) -> None:
    response = append(
        "hh-2",
        f.registered(
            members=[
                f.member("m1", birth_date="1899-12-31"),
                f.member("m2", "spouse", sex="F", birth_date="2021-10-21"),
            ]
        ),
    )
    assert refused_field(response) == [
        "events[0].data.members[0].birth_date",
        "events[0].data.members[1].birth_date",
    ]
    notice = f.event(
        "PublicNoticePosted",
        {
            "purpose": "identification",
            "channels": ["village_board"],
            "start_date": "2021-10-25",
            "end_date": "9999-12-31",
        },
    )
    assert refused_field(append(registered, notice)) == ["events[0].data.end_date"]


@pytest.mark.parametrize("member_id", ["m1\u0000", "m1\n", "m\u001b1", "m1 "])
def test_a_member_id_with_a_control_character_is_refused_and_every_list_answers(
    append: Append, client: TestClient, auth: dict[str, str], registered: str, member_id: str
) -> None:
    issue = f.event(
        "DataIssueRaised",
        {
            "issue_id": "is-1",
            "source": "village_check",
            "code": "ID_MISMATCH",
            "summary": "身份证号待核",
            "member_id": member_id,
        },
    )
    assert refused_field(append(registered, issue)) == ["events[0].data.member_id"]
    removed = f.event("MemberRemoved", {"member_id": member_id, "reason": "death"})
    assert refused_field(append(registered, removed)) == ["events[0].data.member_id"]
    assert_reads_answer(client, auth)


def test_free_text_keeps_its_lines_and_tabs_but_no_other_control_character(
    append: Append, registered: str
) -> None:
    assert (
        append(
            registered,
            f.event("AssistanceApplied", {"channel": "village", "summary": "第一行\n\t第二行"}),
        ).status_code
        == 201
    )
    assert refused_field(
        append(
            registered,
            f.event("AssistanceApplied", {"channel": "village", "summary": "申请\u0000"}),
        )
    ) == ["events[0].data.summary"]


def test_a_cross_field_contradiction_names_its_field_over_http(
    append: Append, registered: str
) -> None:
    assert refused_field(append(registered, f.survey(per_capita_net_income=9000))) == [
        "events[0].data.per_capita_net_income"
    ]
    assert refused_field(append("hh-3", f.registered(filed_card=True))) == [
        "events[0].data.filed_card"
    ]


@pytest.mark.parametrize("cursor", ["hh-1\u0000", "\u0000", "1\u0000", "hh 1", "hh-1\n"])
@pytest.mark.parametrize(
    "path", ["/v1/completeness", "/v1/lookback", "/v1/feed", "/v1/households/hh-1/events"]
)
def test_a_cursor_with_a_control_character_is_a_422(
    client: TestClient, auth: dict[str, str], registered: str, path: str, cursor: str
) -> None:
    response = client.get(path, params={"cursor": cursor}, headers=auth)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "VALIDATION_FAILED"


def test_the_division_page_refuses_a_list_start_with_a_control_character(
    client: TestClient, make_token: Callable[..., str], registered: str
) -> None:
    signed_in(client, make_token("auditor"))
    for name in ("gaps_after", "lookback_after"):
        response = client.get("/ui/divisions/530925", params={name: "hh-1\u0000"})
        assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "as_of", ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59-08:00", "0001-01-01T00:00:00+08:00"]
)
def test_an_as_of_at_the_ends_of_time_is_no_500(
    client: TestClient, auth: dict[str, str], registered: str, as_of: str
) -> None:
    response = client.get(f"/v1/households/{registered}", params={"as_of": as_of}, headers=auth)
    assert response.status_code in (200, 404), response.text
    if as_of.startswith("9999"):
        assert response.json()["version"] == 1


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59", "9999-12-31T23:59", "2021-02-30"])
def test_the_household_page_refuses_an_as_of_past_the_end_of_time(
    client: TestClient, make_token: Callable[..., str], registered: str, as_of: str
) -> None:
    signed_in(client, make_token("auditor"))
    response = client.get(f"/ui/households/{registered}", params={"as_of": as_of})
    assert response.status_code == 422, response.text
    assert "VALIDATION_FAILED" in response.text
    assert (
        client.get(f"/ui/households/{registered}", params={"as_of": "9999-12-31"}).status_code
        == 200
    )


# ledger import: the same bounds as the API


def test_import_refuses_out_of_bounds_dates_and_a_household_id_with_a_trailing_newline(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    path = tmp_path / "county.ndjson"
    path.write_bytes(
        ndjson(
            {"household_id": "hh-1\n", "events": [f.registered()]},
            {"household_id": "hh-2", "events": [f.registered(), applied("0001-01-01T00:00:00Z")]},
            {
                "household_id": "hh-3",
                "events": [
                    {**f.marked("enrolled", "marginal"), "occurred_at": "9999-12-31T00:00:00Z"}
                ],
            },
            {
                "household_id": "hh-4",
                "events": [f.registered(members=[{**f.member("m1"), "member_id": "m1\u0000"}])],
            },
            {"household_id": "hh-5", "events": [f.registered()]},
        )
    )
    result = run_ndjson_import(database, path)
    assert result.exit_code == 1
    assert "lines 5: imported 1, already imported 0, failed 4" in result.stdout
    errors = result.stderr
    assert "line 1: VALIDATION_FAILED: household_id" in errors
    assert "line 2: VALIDATION_FAILED: the request is invalid: events[1].occurred_at" in errors
    assert "line 3: VALIDATION_FAILED: the request is invalid: events[0].occurred_at" in errors
    assert "line 4: VALIDATION_FAILED: events[0].data.members[0].member_id" in errors
    assert not stored.stream("hh-1\n")
    assert not stored.stream("hh-1")
    assert not stored.stream("hh-2")
    assert not stored.stream("hh-3")
    assert len(stored.stream("hh-5")) == 1


def test_a_json_escaped_newline_in_an_imported_household_id_is_refused(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    path = tmp_path / "one.ndjson"
    path.write_bytes(orjson.dumps({"household_id": "hh-9\n", "events": [f.registered()]}) + b"\n")
    result = run_ndjson_import(database, path)
    assert result.exit_code == 1
    assert not stored.stream("hh-9\n")


def test_a_roster_household_with_a_birth_date_out_of_bounds_is_refused_and_ids_are_trimmed(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    county = households(3)
    good, born_early, newline = (household_id for household_id, _ in county)
    rows = rows_of(county)
    rows = _change(rows, "家庭成员", _first(rows, "家庭成员", born_early), birth_date="1899-12-31")
    rows = [
        Row(r.sheet, r.number, {**r.cells, "household_id": f"{newline}\n"})
        if r.cells.get("household_id") == newline
        else r
        for r in rows
    ]
    result = run_roster_import(database, roster(tmp_path, rows))
    assert result.exit_code == 1, result.output
    assert "birth_date" in result.stderr
    assert "1899-12-31" in result.stderr
    assert "households 3: imported 2, already imported 0, failed 1" in result.stdout
    assert stored.stream(good)
    assert not stored.stream(born_early)
    # A cell's text is trimmed: the household is stored under the id the API can read.
    assert stored.stream(newline)
    assert not stored.stream(f"{newline}\n")
