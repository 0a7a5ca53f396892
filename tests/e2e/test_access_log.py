"""Every read of personal data is itself recorded (CONTRACT §5): one row per household a
response carried unmasked, queried by admins of the households' division only."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cli import main
from tests import factories as f
from tests.conftest import services_of
from tests.e2e.conftest import Append, problem_code

OTHER_COUNTY = "530926101201"
STATE = "GET /v1/households/{household_id}"
HISTORY = "GET /v1/households/{household_id}/events"
FEED = "GET /v1/feed"
ARCHIVE = "GET /v1/households/{household_id}/archive"


class Reader:
    """A token of a role, with its id (the part the access log names)."""

    def __init__(
        self, make_token: Callable[..., str], role: str, division: str = "53", **kwargs: Any
    ) -> None:
        token = make_token(role=role, division=division, **kwargs)
        self.token_id = token.split("_")[1]
        self.auth = {"Authorization": f"Bearer {token}"}


@pytest.fixture
def households(append: Append) -> list[str]:
    """hh-1 and hh-2 in Shuangjiang (530925), hh-3 in the next county (530926)."""
    for household_id, village in (("hh-1", f.VILLAGE), ("hh-2", f.VILLAGE), ("hh-3", OTHER_COUNTY)):
        response = append(household_id, f.registered(village_code=village))
        assert response.status_code == 201, response.text
    return ["hh-1", "hh-2", "hh-3"]


@pytest.fixture
def admin(make_token: Callable[..., str]) -> Reader:
    return Reader(make_token, "admin", "53")


def _log(client: TestClient, admin: Reader, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/access-log", params=params, headers=admin.auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _rows(client: TestClient, admin: Reader, reader: Reader) -> list[tuple[str, str]]:
    return [
        (row["household_id"], row["endpoint"])
        for row in _log(client, admin, token_id=reader.token_id)
    ]


def _personal_reads(client: TestClient, reader: Reader) -> None:
    """State, state as of now, history, the feed (three households), the archive."""
    for path, params in (
        ("/v1/households/hh-1", {}),
        ("/v1/households/hh-1", {"as_of": datetime.now(UTC).isoformat()}),
        ("/v1/households/hh-2/events", {}),
        ("/v1/feed", {}),
        ("/v1/households/hh-1/archive", {}),
    ):
        response = client.get(path, params=params, headers=reader.auth)
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("role", ["auditor", "recorder", "admin"])
def test_each_personal_data_read_writes_one_row_per_household_it_carries(
    households: list[str],
    client: TestClient,
    make_token: Callable[..., str],
    admin: Reader,
    role: str,
) -> None:
    reader = Reader(make_token, role)
    _personal_reads(client, reader)
    assert _rows(client, admin, reader) == [
        ("hh-1", STATE),
        ("hh-1", STATE),
        ("hh-2", HISTORY),
        ("hh-1", FEED),
        ("hh-2", FEED),
        ("hh-3", FEED),
        ("hh-1", ARCHIVE),
    ]
    row = _log(client, admin, token_id=reader.token_id)[0]
    assert row["role"] == role
    assert row["village_code"] == f.VILLAGE
    assert abs(datetime.fromisoformat(row["at"]) - datetime.now(UTC)) < timedelta(minutes=1)


def test_evaluators_reads_of_commitments_write_no_row(
    households: list[str], client: TestClient, make_token: Callable[..., str], admin: Reader
) -> None:
    evaluator = Reader(make_token, "evaluator")
    _personal_reads(client, evaluator)
    assert _rows(client, admin, evaluator) == []


def test_reads_without_personal_data_or_refused_write_no_row(
    households: list[str], client: TestClient, make_token: Callable[..., str], admin: Reader
) -> None:
    auditor = Reader(make_token, "auditor")
    for path, params in (
        ("/v1/households/hh-1/completeness", {}),
        ("/v1/completeness", {}),
        ("/v1/completeness", {"format": "csv"}),
        ("/v1/lookback", {}),
        ("/v1/lookback", {"format": "xlsx"}),
        ("/v1/reports/summary", {}),
        ("/v1/households/hh-1/events", {"after_version": 1}),
    ):
        assert client.get(path, params=params, headers=auditor.auth).status_code == 200
    elsewhere = Reader(make_token, "auditor", "44")
    assert client.get("/v1/households/hh-1", headers=elsewhere.auth).status_code == 404
    assert client.get("/v1/households/nobody", headers=auditor.auth).status_code == 404
    assert _rows(client, admin, auditor) == []
    assert _rows(client, admin, elsewhere) == []


@pytest.mark.parametrize("role", ["recorder", "auditor", "evaluator", "intake", "department"])
def test_only_admins_read_the_access_log(
    client: TestClient, make_token: Callable[..., str], role: str
) -> None:
    extra = {"department": "health"} if role == "department" else {}
    response = client.get("/v1/access-log", headers=Reader(make_token, role, **extra).auth)
    assert (response.status_code, problem_code(response)) == (403, "FORBIDDEN")
    assert client.get("/v1/access-log").status_code == 401


def test_an_admin_sees_only_the_rows_of_households_in_its_division(
    households: list[str], client: TestClient, make_token: Callable[..., str], admin: Reader
) -> None:
    auditor = Reader(make_token, "auditor")
    _personal_reads(client, auditor)
    next_county = Reader(make_token, "admin", "530926")
    assert [r["household_id"] for r in _log(client, next_county)] == ["hh-3"]
    shuangjiang = Reader(make_token, "admin", "530925")
    assert "hh-3" not in {r["household_id"] for r in _log(client, shuangjiang)}
    assert {r["household_id"] for r in _log(client, admin)} == {"hh-1", "hh-2", "hh-3"}


def test_the_log_is_filtered_by_household_token_and_time_and_paged(
    households: list[str], client: TestClient, make_token: Callable[..., str], admin: Reader
) -> None:
    first, second = Reader(make_token, "auditor"), Reader(make_token, "recorder")
    before = datetime.now(UTC)
    _personal_reads(client, first)
    _personal_reads(client, second)
    assert {r["token_id"] for r in _log(client, admin, household_id="hh-2")} == {
        first.token_id,
        second.token_id,
    }
    assert {r["household_id"] for r in _log(client, admin, household_id="hh-2")} == {"hh-2"}
    assert len(_log(client, admin, token_id=first.token_id, household_id="hh-1")) == 4
    assert len(_log(client, admin, since=before.isoformat())) == 14
    assert _log(client, admin, since=(datetime.now(UTC) + timedelta(hours=1)).isoformat()) == []
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/access-log", params=params, headers=admin.auth).json()
        seen += [row["id"] for row in page["items"]]
        if (cursor := page["next"]) is None:
            break
    assert seen == [row["id"] for row in _log(client, admin)]
    assert seen == sorted(seen)
    assert len(seen) == 14  # reading the access log is not itself a personal-data read


def test_the_cli_archive_export_is_logged_as_the_cli(
    households: list[str], client: TestClient, admin: Reader, tmp_path: Path
) -> None:
    url = services_of(client).settings.database_url
    result = CliRunner().invoke(
        main,
        ["archive", "export", "hh-1", "-o", str(tmp_path / "hh-1.zip")],
        env={"LEDGER_DATABASE_URL": url},
    )
    assert result.exit_code == 0, result.output
    [row] = _log(client, admin, token_id="cli")
    assert (row["household_id"], row["role"], row["endpoint"]) == (
        "hh-1",
        "admin",
        "ledger archive export",
    )
