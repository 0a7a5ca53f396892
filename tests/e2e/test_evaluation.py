"""Evaluators' questions over HTTP: completeness, look-back, summaries, exports —
answered from the read models, which reflect every append that has returned."""

import csv
import io
import re
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.domain.labels import label, labels
from tests import factories as f
from tests.e2e.conftest import Append, problem_code


def county(append: Append, households: int = 8) -> None:
    for n in range(households):
        assert append(f"hh-{n:03d}", *f.county_household(n)).status_code == 201


def test_a_households_completeness_lists_episodes_steps_and_gaps(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 2)
    document = client.get("/v1/households/hh-001/completeness", headers=auth).json()
    assert document["household_id"] == "hh-001"
    [episode] = document["episodes"]
    assert episode["kind"] == "identification"
    assert episode["steps"]["field_survey"]
    codes = {g["code"] for g in episode["gaps"]}
    assert {"MISSING_SCREENING", "MISSING_APPRAISAL", "MISSING_NOTICE"} <= codes
    assert all(g["detail"] and g["severity"] in ("violation", "info") for g in episode["gaps"])


def test_the_completeness_list_reflects_an_append_at_once(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    assert client.get("/v1/completeness", headers=auth).json()["items"] == []
    county(append, 2)
    items = client.get("/v1/completeness", headers=auth).json()["items"]
    assert "hh-001" in [i["household_id"] for i in items]
    item = next(i for i in items if i["household_id"] == "hh-001")
    assert item["village_code"] == "530925101201"
    assert item["status"] == "monitored"
    assert {"code", "step", "severity", "episode", "detail", "detail_zh"} == set(item["gaps"][0])


def test_completeness_filters_by_code_status_and_division_and_pages(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 8)
    everything = client.get("/v1/completeness", headers=auth).json()["items"]
    by_code = client.get(
        "/v1/completeness", params={"code": "INCOME_BELOW_FLOOR"}, headers=auth
    ).json()["items"]
    assert {i["household_id"] for i in by_code} == {"hh-003", "hh-007"}
    eliminated = client.get(
        "/v1/completeness", params={"status": "risk_eliminated"}, headers=auth
    ).json()["items"]
    assert {i["status"] for i in eliminated} == {"risk_eliminated"}
    one_village = client.get(
        "/v1/completeness", params={"division": "530925101203"}, headers=auth
    ).json()["items"]
    assert [i["household_id"] for i in one_village] == ["hh-003"]
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/completeness", params=params, headers=auth).json()
        pages += [i["household_id"] for i in page["items"]]
        if (cursor := page["next"]) is None:
            break
    assert pages == [i["household_id"] for i in everything]


def test_a_division_outside_the_token_is_forbidden(client: TestClient, make_token: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token(role='evaluator', division='5309')}"}
    for path in ("/v1/completeness", "/v1/lookback", "/v1/reports/summary"):
        assert (
            problem_code(client.get(path, params={"division": "5301"}, headers=headers))
            == "FORBIDDEN"
        )
        assert client.get(path, params={"division": "530925"}, headers=headers).status_code == 200


def test_lookback_candidates_depend_on_the_reference_date(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 4)

    def codes(household: str, day: str) -> set[str]:
        items = client.get("/v1/lookback", params={"reference_date": day}, headers=auth).json()[
            "items"
        ]
        return {c["code"] for i in items if i["household_id"] == household for c in i["candidates"]}

    # hh-002: a warning on 2021-06-01, never screened or surveyed within 30 days.
    assert "LB_TRIGGER_UNVERIFIED" not in codes("hh-002", "2021-06-20")
    assert "LB_TRIGGER_UNVERIFIED" in codes("hh-002", "2021-12-01")
    assert "LB_SHOULD_ENROLL" in codes("hh-002", "2021-12-01")
    assert "LB_REMARK_INCOME_BELOW_FLOOR" in codes("hh-003", "2021-12-01")
    only = client.get(
        "/v1/lookback",
        params={"code": "LB_SHOULD_ENROLL", "reference_date": "2021-12-01"},
        headers=auth,
    ).json()["items"]
    assert [i["household_id"] for i in only] == ["hh-002"]
    assert {c["code"] for c in only[0]["candidates"]} == {"LB_SHOULD_ENROLL"}
    assert all(c["action"] for c in only[0]["candidates"])


def test_the_summary_counts_statuses_episodes_and_gaps(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 8)
    summary = client.get("/v1/reports/summary", params={"division": "530925"}, headers=auth).json()
    assert summary["households"] == 8
    assert summary["status_by_type"]["not_monitored"] == {"none": 2}
    assert summary["status_by_type"]["monitored"] == {"marginal": 4}
    assert summary["status_by_type"]["risk_eliminated"] == {"unstable_alleviated": 2}
    assert summary["episodes"]["identification"] == 6
    rates = summary["completeness_rate"]["identification"]
    assert 0 <= rates["screening"] < 1
    assert rates["field_survey"] == 1.0  # every identification here had its survey
    assert set(rates) >= {"notice", "township_review", "county_confirmation"}
    assert any(
        g["code"] == "INCOME_BELOW_FLOOR" and g["households"] == 2 for g in summary["gap_counts"]
    )


def test_lists_export_as_csv_and_xlsx_with_chinese_headers(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 4)
    as_csv = client.get("/v1/completeness", params={"format": "csv"}, headers=auth)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["户编号", "行政村代码", "监测状态"]
    json_gaps = sum(
        len(i["gaps"])
        for i in client.get("/v1/completeness", params={"limit": 1000}, headers=auth).json()[
            "items"
        ]
    )
    assert len(rows) - 1 == json_gaps
    as_xlsx = client.get(
        "/v1/lookback", params={"format": "xlsx", "reference_date": "2021-12-01"}, headers=auth
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == [
        "户编号",
        "行政村代码",
        "监测状态",
        "回头看类别代码",
        "回头看类别",
        "建议处理",
        "依据",
    ]
    assert sheet.max_row > 1
    first = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert first[2] in labels("status").values()  # codes also shown in Chinese
    assert first[4] == label("lookback_code", first[3])


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def written_in_chinese(text: str) -> bool:
    """Non-empty Chinese naming no event by its id (CONTRACT §7.5)."""
    return bool(_CJK.search(text)) and not _UUID.search(text)


def test_gaps_and_candidates_explain_themselves_in_chinese_in_lists_and_documents(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 8)
    document = client.get("/v1/households/hh-001/completeness", headers=auth).json()
    own = [g for e in document["episodes"] for g in e["gaps"]]
    assert own
    assert all(g["detail"] and written_in_chinese(g["detail_zh"]) for g in own)
    items = client.get("/v1/completeness", params={"limit": 1000}, headers=auth).json()["items"]
    listed = {(i["household_id"], g["code"], g["step"]): g for i in items for g in i["gaps"]}
    assert all(g["detail"] and written_in_chinese(g["detail_zh"]) for g in listed.values())
    assert {(g["code"], g["detail"], g["detail_zh"]) for g in own} <= {
        (code, g["detail"], g["detail_zh"])
        for (household, code, _), g in listed.items()
        if household == "hh-001"
    }
    candidates = [
        c
        for i in client.get(
            "/v1/lookback", params={"reference_date": "2021-12-01", "limit": 1000}, headers=auth
        ).json()["items"]
        for c in i["candidates"]
    ]
    assert {c["code"] for c in candidates} >= {"LB_SHOULD_ENROLL", "LB_REMARK_INCOME_BELOW_FLOOR"}
    assert all(c["detail"] and written_in_chinese(c["detail_zh"]) for c in candidates)


def test_the_exports_explain_gaps_and_candidates_in_chinese(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    county(append, 4)
    gaps = client.get("/v1/completeness", params={"format": "csv"}, headers=auth)
    header, *rows = list(csv.reader(io.StringIO(gaps.content.decode("utf-8-sig"))))
    assert header[-1] == "说明"
    items = client.get("/v1/completeness", params={"limit": 1000}, headers=auth).json()["items"]
    assert sorted(row[-1] for row in rows) == sorted(
        g["detail_zh"] for i in items for g in i["gaps"]
    )
    assert rows
    assert all(written_in_chinese(row[-1]) for row in rows)
    lookback = client.get(
        "/v1/lookback", params={"format": "csv", "reference_date": "2021-12-01"}, headers=auth
    )
    header, *rows = list(csv.reader(io.StringIO(lookback.content.decode("utf-8-sig"))))
    assert header[-1] == "依据"
    assert rows
    assert all(written_in_chinese(row[-1]) for row in rows)
    served = client.get(
        "/v1/lookback", params={"reference_date": "2021-12-01", "limit": 1000}, headers=auth
    ).json()["items"]
    assert sorted(row[-1] for row in rows) == sorted(
        c["detail_zh"] for i in served for c in i["candidates"]
    )
