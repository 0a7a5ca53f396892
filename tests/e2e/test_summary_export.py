"""The summary report exports as CSV and XLSX like the lists (issue 13 §10: it answered
JSON whatever the format), over a real uvicorn on loopback, on both backends; no report or
export carries a personal value (CONTRACT §7.3: details name members by their ids)."""

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bootstrap.settings import Settings
from ledger.domain.personal import fields_of, get_at
from ledger.persistence.database import Database
from tests import factories as f
from tests.conftest import _url
from tests.e2e.servers import recorder_token, served_in_thread


@pytest.fixture
def county(database: Database) -> Iterator[httpx.Client]:
    token = recorder_token(database, division="53")
    with (
        served_in_thread(Settings(database_url=_url(database))) as (base, _),
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client,
    ):
        for n in range(8):
            appended = client.post(
                f"/v1/households/hh-{n:03d}/events", json={"events": f.county_household(n)}
            )
            assert appended.status_code == 201, appended.text
        yield client


def test_the_summary_exports_as_csv_with_a_row_per_figure_matching_the_json(
    county: httpx.Client,
) -> None:
    report = county.get("/v1/reports/summary", params={"division": "530925"}).json()
    exported = county.get("/v1/reports/summary", params={"division": "530925", "format": "csv"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="summary.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["数值"] for r in rows if r["统计项"] == "农户数"] == [str(report["households"])]
    gaps = [r for r in rows if r["统计项"] == "问题"]
    assert len(gaps) == len(report["gap_counts"])
    assert {r["代码"] for r in gaps} == {g["code"] for g in report["gap_counts"]}
    rates = [r for r in rows if r["统计项"] == "步骤完成率"]
    assert len(rates) == sum(len(steps) for steps in report["completeness_rate"].values())


def test_the_summary_exports_as_xlsx_with_chinese_headers(county: httpx.Client) -> None:
    exported = county.get("/v1/reports/summary", params={"format": "xlsx"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["统计项", "类别", "项目", "代码", "细分", "数值", "涉及户数"]
    assert rows[1][0] == "农户数"
    assert rows[1][5] == 8


def test_an_unknown_summary_format_is_a_422_naming_the_format(county: httpx.Client) -> None:
    refused = county.get("/v1/reports/summary", params={"format": "pdf"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "format"


def _personal_values(events: list[dict[str, Any]]) -> set[str]:
    """The names, ID numbers, birth dates and file names a household's appends carry."""
    return {
        str(get_at(event, found.path))
        for event in events
        for found in fields_of(event)
        if get_at(event, found.path) is not None
    }


def _text(exported: httpx.Response) -> str:
    if exported.headers["content-type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(exported.content))
        return "\n".join(
            str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
        )
    return exported.content.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_no_report_or_export_carries_a_personal_value_even_to_a_reader_of_them(
    county: httpx.Client, fmt: str
) -> None:
    values = {v for n in range(8) for v in _personal_values(f.county_household(n))}
    assert values
    for path in ("/v1/reports/summary", "/v1/completeness", "/v1/lookback"):
        params = {"division": "530925"}
        if fmt != "json":
            params["format"] = fmt
        exported = county.get(path, params=params)
        assert exported.status_code == 200, (path, exported.text)
        text = _text(exported) if fmt != "json" else exported.text
        assert [v for v in values if v in text] == [], path
        assert re.search(r"c:[0-9a-f]{64}", text) is None, path
