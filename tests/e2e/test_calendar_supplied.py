"""An operator supplies a year's State Council arrangement in their own rules file
(``LEDGER_RULES_FILE``): the service judges that year's notices without a code release,
on the household's completeness and in the division's list alike."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from bootstrap.settings import Settings
from ledger.config import default_text
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.e2e.conftest import Append

# Invented for the test, not the real 2027 arrangement.
ARRANGEMENT_2027 = """
[calendar."2027"]
source = "test arrangement (invented)"
holidays = [[2027-02-06, 2027-02-13]]
working_days = [2027-02-20]
"""


def _client(
    database: Database, rules: Path | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    if rules is not None:
        monkeypatch.setenv("LEDGER_RULES_FILE", str(rules))
    app = create_app(Settings(database_url=_url(database), max_body_bytes=1024 * 1024))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def client(
    database: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[TestClient]:
    """The service on the operator's rules file, with or without the 2027 arrangement."""
    rules = tmp_path / "rules.toml"
    supplied = getattr(request, "param", True)
    rules.write_text(default_text() + (ARRANGEMENT_2027 if supplied else ""), encoding="utf-8")
    yield from _client(database, rules, monkeypatch)


def _notice(start: str, end: str) -> dict[str, Any]:
    return f.event(
        "PublicNoticePosted",
        {
            "purpose": "identification",
            "channels": ["group_board", "rescue_platform"],
            "start_date": start,
            "end_date": end,
        },
        occurred_at="2026-12-01T09:00:00+08:00",
    )


def _household(append: Append, household_id: str, start: str, end: str) -> None:
    """Registered, warned, the notice posted (for dates ahead), then enrolled."""
    trigger = f.event(
        "WarningReceived",
        {"department": "medical_insurance", "code": "medical_self_pay_high", "summary": "预警"},
        occurred_at="2026-11-30T09:00:00+08:00",
    )
    enrolled = {
        **f.marked("enrolled", "sudden_hardship"),
        "occurred_at": "2026-12-02T09:00:00+08:00",
    }
    response = append(household_id, f.registered(), trigger, _notice(start, end), enrolled)
    assert response.status_code == 201, response.text


def _notice_gaps(client: TestClient, auth: dict[str, str], household_id: str) -> set[str]:
    response = client.get(f"/v1/households/{household_id}/completeness", headers=auth)
    assert response.status_code == 200, response.text
    return {
        gap["code"]
        for episode in response.json()["episodes"]
        for gap in episode["gaps"]
        if gap["step"] == "notice"
    }


@pytest.mark.parametrize("client", [False], indirect=True)
def test_without_the_arrangement_a_2027_notice_is_not_judged(
    client: TestClient, append: Append, auth: dict[str, str]
) -> None:
    _household(append, "hh-27", "2027-02-04", "2027-02-15")
    assert "CALENDAR_UNKNOWN" in _notice_gaps(client, auth, "hh-27")
    listed = client.get("/v1/completeness", params={"code": "CALENDAR_UNKNOWN"}, headers=auth)
    assert [i["household_id"] for i in listed.json()["items"]] == ["hh-27"]


def test_with_the_arrangement_a_2027_notice_over_the_holiday_is_too_short(
    client: TestClient, append: Append, auth: dict[str, str]
) -> None:
    # 02-04, 02-05 and 02-15 work; 02-06 to 02-13 are off: three working days of five.
    _household(append, "hh-27", "2027-02-04", "2027-02-15")
    _household(append, "hh-28", "2027-02-15", "2027-02-19")
    assert _notice_gaps(client, auth, "hh-27") >= {"NOTICE_TOO_SHORT"}
    assert "CALENDAR_UNKNOWN" not in _notice_gaps(client, auth, "hh-27")
    assert not {"NOTICE_TOO_SHORT", "CALENDAR_UNKNOWN"} & _notice_gaps(client, auth, "hh-28")
    listed = client.get("/v1/completeness", params={"code": "NOTICE_TOO_SHORT"}, headers=auth)
    assert [i["household_id"] for i in listed.json()["items"]] == ["hh-27"]
    unknown = client.get("/v1/completeness", params={"code": "CALENDAR_UNKNOWN"}, headers=auth)
    assert unknown.json()["items"] == []


def test_a_mistaken_arrangement_stops_the_service_at_start_naming_it(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "mistaken.toml"
    rules.write_text(
        default_text() + ARRANGEMENT_2027.replace("2027-02-20", "2027-02-17"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="2027-02-17 is a make-up working day but a Wednesday"):
        next(_client(database, rules, monkeypatch))
