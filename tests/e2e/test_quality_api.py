"""Data-quality findings and formalism signals over HTTP (CONTRACT §7.5), on both backends:
each finding and signal judged across households with a case and a near miss, the lists'
filters, pages and scope, the exports with Chinese headers, the summary's counts, and
bad parameters answered 422 (never 500)."""

import csv
import io
from base64 import urlsafe_b64encode
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ledger.domain.labels import label
from tests import factories as f
from tests.e2e.conftest import Append, problem_code

VILLAGE_A = "530925101201"  # township 530925101
VILLAGE_A2 = "530925101202"
VILLAGE_B = "530925102201"  # township 530925102
DAY = "2021-12-01"  # after every planted event, within a year of them
TEXT = "因病住院花费大，家庭收入骤减，申请纳入监测对象帮扶"  # 24 characters


def people(n: int) -> list[dict[str, Any]]:
    """Household ``n``'s members with ID numbers of their own (the factories' members
    share theirs with every other household's, a duplicate person in each)."""
    return [
        f.member("m1", id_number=f.id_number(10 * n + 1)),  # odd: male
        f.member("m2", "spouse", sex="F", id_number=f.id_number(10 * n + 2)),
    ]


def registered(n: int, village: str = VILLAGE_A) -> dict[str, Any]:
    return f.registered(village_code=village, members=people(n))


def surveyed(n: int, *materials: tuple[str, str], **overrides: Any) -> dict[str, Any]:
    """A survey citing ``materials`` ((SHA-256, kind) pairs), by default a form of its own."""
    cited = materials or ((f"{n + 1:064x}", "survey_form"),)
    return {
        **f.survey(**overrides),
        "materials": [{**f.MATERIAL, "sha256": sha, "kind": kind} for sha, kind in cited],
    }


def income(per_capita: int) -> dict[str, Any]:
    """A two-person survey's incomes giving ``per_capita`` a head (all of it wages)."""
    return {
        "income": {
            "wage": 2 * per_capita,
            "operating": 0,
            "property": 0,
            "transfer": 0,
            "operating_cost": 0,
        },
        "household_size": 2,
        "per_capita_net_income": per_capita,
    }


def applied(summary: str, day: str = "2021-07-01") -> dict[str, Any]:
    return f.event(
        "AssistanceApplied",
        {"channel": "rescue_platform", "summary": summary},
        occurred_at=f"{day}T10:00:00+08:00",
    )


def warned(day: str) -> dict[str, Any]:
    return f.event(
        "WarningReceived",
        {"department": "health", "code": "serious_illness", "summary": "大病"},
        occurred_at=f"{day}T10:00:00+08:00",
    )


def eliminated(day: str = "2021-11-20") -> dict[str, Any]:
    marking = {"marking": "risk_eliminated"}
    return f.event("SystemMarked", marking, occurred_at=f"{day}T16:00:00+08:00")


def bearer(
    make_token: Callable[..., str], division: str, role: str = "evaluator"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role=role, division=division)}"}


@pytest.fixture
def add(append: Append) -> Callable[..., None]:
    def appended(household_id: str, *events: dict[str, Any]) -> None:
        response = append(household_id, *events)
        assert response.status_code == 201, response.text

    return appended


Add = Callable[..., None]


def findings(client: TestClient, auth: dict[str, str], household_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/households/{household_id}/quality", headers=auth)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def codes_of(client: TestClient, auth: dict[str, str], household_id: str) -> set[str]:
    return {finding["code"] for finding in findings(client, auth, household_id)["findings"]}


def signals(
    client: TestClient, auth: dict[str, str], code: str, **params: Any
) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/signals", params={"code": code, "limit": 1000, **params}, headers=auth
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert {item["code"] for item in items} <= {code}
    return items


def households_of(signal: dict[str, Any]) -> set[str]:
    return {household["household_id"] for household in signal["households"]}


def event_ids(client: TestClient, auth: dict[str, str], household_id: str, type_: str) -> set[str]:
    items = client.get(f"/v1/households/{household_id}/events", headers=auth).json()["items"]
    return {event["id"] for event in items if event["type"] == type_}


# DQ_DUPLICATE_PERSON


def test_a_person_present_in_two_households_is_a_finding_of_both_naming_no_one(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    add("hh-1", f.registered())
    add("hh-2", f.registered(members=[people(2)[0], f.member("m2", "spouse", sex="F")]))
    for household_id in ("hh-1", "hh-2"):
        document = findings(client, auth, household_id)
        assert set(document) == {"household_id", "village_code", "status", "findings"}
        assert (document["household_id"], document["village_code"]) == (household_id, f.VILLAGE)
        [duplicate] = [x for x in document["findings"] if x["code"] == "DQ_DUPLICATE_PERSON"]
        assert set(duplicate) == {"code", "detail", "detail_zh", "rule", "events"}
        assert duplicate["rule"] == "dedup"
        assert duplicate["detail"]
        assert duplicate["detail_zh"]
        assert duplicate["events"]
        for personal in (f.id_number(2), "张三", "1980-01-01", "19800101"):
            assert personal not in duplicate["detail"] + duplicate["detail_zh"]


def test_a_duplicate_removed_from_one_household_is_a_finding_of_neither(
    add: Add, append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    add("hh-1", f.registered())
    add("hh-2", f.registered(members=[people(2)[0], f.member("m2", "spouse", sex="F")]))
    add("hh-3", registered(3))  # its own people: never a duplicate
    assert "DQ_DUPLICATE_PERSON" in codes_of(client, auth, "hh-1")
    add("hh-2", f.event("MemberRemoved", {"member_id": "m2", "reason": "moved_out"}))
    for household_id in ("hh-1", "hh-2", "hh-3"):
        assert "DQ_DUPLICATE_PERSON" not in codes_of(client, auth, household_id)


# DQ_INCOME_OUTLIER


def outlying_village(add: Add, village: str, ordinary: int) -> None:
    """``ordinary`` households near 6,000 yuan a head and one (hh-out) at 60,000, all
    surveyed for the year ending 2021-09-30."""
    for n in range(ordinary):
        add(f"hh-{n:02d}", registered(n, village), surveyed(n, **income(6000 + 100 * n)))
    add("hh-out", registered(99, village), surveyed(99, **income(60000)))


def test_an_income_far_above_ten_village_surveys_of_its_year_is_an_outlier(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    outlying_village(add, VILLAGE_A, 10)
    [outlier] = [
        x for x in findings(client, auth, "hh-out")["findings"] if x["code"] == "DQ_INCOME_OUTLIER"
    ]
    assert outlier["rule"]
    assert outlier["detail_zh"]
    assert outlier["events"]
    assert "DQ_INCOME_OUTLIER" not in codes_of(client, auth, "hh-05")


def test_an_income_among_fewer_than_ten_surveys_is_no_outlier(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    outlying_village(add, VILLAGE_A, 8)  # nine surveys in all
    assert "DQ_INCOME_OUTLIER" not in codes_of(client, auth, "hh-out")


# AF_MATERIAL_REUSED


def test_one_survey_form_cited_by_two_households_is_a_reused_material(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    form = ("b" * 64, "survey_form")
    add("hh-1", registered(1, VILLAGE_A), surveyed(1, form))
    add("hh-2", registered(2, VILLAGE_A2), surveyed(2, form))
    add("hh-3", registered(3, VILLAGE_A), surveyed(3))
    [signal] = signals(client, auth, "AF_MATERIAL_REUSED")
    assert set(signal) == {"code", "division", "detail", "detail_zh", "households", "events"}
    assert households_of(signal) == {"hh-1", "hh-2"}
    assert signal["division"] == "530925101"  # the longest common prefix of the villages
    assert set(signal["events"]) == event_ids(
        client, auth, "hh-1", "FieldSurveyConducted"
    ) | event_ids(client, auth, "hh-2", "FieldSurveyConducted")
    assert signal["detail"]
    assert signal["detail_zh"]


def test_one_meeting_photo_cited_by_two_households_of_a_village_is_not_reused(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    photo = ("c" * 64, "meeting_photo")  # a village meeting's photo serves every household
    add("hh-1", registered(1, VILLAGE_A), surveyed(1, photo))
    add("hh-2", registered(2, VILLAGE_A), surveyed(2, photo))
    assert signals(client, auth, "AF_MATERIAL_REUSED") == []


def test_a_township_sees_only_its_own_households_and_events_in_a_signal_spanning_two(
    add: Add, client: TestClient, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    form = ("d" * 64, "survey_form")
    add("hh-a", registered(1, VILLAGE_A), surveyed(1, form))
    add("hh-b", registered(2, VILLAGE_B), surveyed(2, form))
    surveys = {h: event_ids(client, auth, h, "FieldSurveyConducted") for h in ("hh-a", "hh-b")}
    [whole] = signals(client, bearer(make_token, "530925"), "AF_MATERIAL_REUSED")
    assert households_of(whole) == {"hh-a", "hh-b"}
    assert VILLAGE_A in whole["detail_zh"]
    assert VILLAGE_B in whole["detail_zh"]
    assert whole["division"] == "530925"
    for township, own in (("530925101", "hh-a"), ("530925102", "hh-b")):
        [seen] = signals(client, bearer(make_token, township), "AF_MATERIAL_REUSED")
        assert seen["households"] == [
            {"household_id": own, "village_code": VILLAGE_A if own == "hh-a" else VILLAGE_B}
        ]
        assert set(seen["events"]) == surveys[own]
        # Its explanations name the villages it spans within the township alone.
        other = VILLAGE_B if own == "hh-a" else VILLAGE_A
        assert other not in seen["detail"] + seen["detail_zh"]
        assert "辖区外" in seen["detail_zh"]
    # A division inside the token lists the signals involving a household in it alone.
    assert signals(client, auth, "AF_MATERIAL_REUSED", division="530925103") == []
    assert len(signals(client, auth, "AF_MATERIAL_REUSED", division=VILLAGE_B)) == 1
    elsewhere = client.get(
        "/v1/signals", params={"division": "530925102"}, headers=bearer(make_token, "530925101")
    )
    assert problem_code(elsewhere) == "FORBIDDEN"


# AF_BATCH_ELIMINATION


def eliminations(add: Add, days: list[str]) -> None:
    for n, day in enumerate(days):
        add(
            f"hh-{n:02d}",
            registered(n),
            surveyed(n),
            f.marked("enrolled", "marginal"),
            eliminated(day),
        )


def test_twenty_eliminations_by_one_actor_on_one_date_are_a_batch(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    eliminations(add, ["2021-11-20"] * 20)
    # One by the staff member named in the markings (actor.id), one by the token recording them.
    batches = signals(client, auth, "AF_BATCH_ELIMINATION", reference_date=DAY)
    assert len(batches) == 2
    assert any(f.ACTOR["id"] in batch["detail"] for batch in batches)
    for batch in batches:
        assert households_of(batch) == {f"hh-{n:02d}" for n in range(20)}
        assert len(batch["events"]) == 20
        assert "2021-11-20" in batch["detail"]
        assert "2021年11月20日" in batch["detail_zh"]


def test_twenty_eliminations_over_two_dates_are_no_batch(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    eliminations(add, ["2021-11-20"] * 19 + ["2021-11-21"])
    assert signals(client, auth, "AF_BATCH_ELIMINATION", reference_date=DAY) == []


# AF_IDENTICAL_TEXT


def test_one_long_text_in_five_households_events_is_identical_text(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    for n in range(5):
        add(f"hh-{n}", registered(n), applied(f"  {TEXT}\n" if n % 2 else TEXT))
    [identical] = signals(client, auth, "AF_IDENTICAL_TEXT", reference_date=DAY)
    assert households_of(identical) == {f"hh-{n}" for n in range(5)}
    assert len(identical["events"]) == 5
    assert TEXT not in identical["detail"] + identical["detail_zh"]  # its digest, not the text


def test_a_text_of_nineteen_characters_in_five_households_is_not(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    short = TEXT[:19]
    for n in range(5):
        add(f"hh-{n}", registered(n), applied(f"   {short}   "))  # 25 before trimming
    assert signals(client, auth, "AF_IDENTICAL_TEXT", reference_date=DAY) == []


# AF_ENROLMENT_FROZEN


def test_three_warnings_in_a_village_without_an_enrolment_is_frozen_enrolment(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    for n, day in enumerate(("2021-06-01", "2021-07-01", "2021-08-01")):
        add(f"hh-{n}", registered(n, VILLAGE_B), warned(day))
    [frozen] = signals(client, auth, "AF_ENROLMENT_FROZEN", reference_date=DAY)
    assert households_of(frozen) == {"hh-0", "hh-1", "hh-2"}
    assert frozen["division"] == VILLAGE_B
    assert len(frozen["events"]) >= 3


def test_three_warnings_in_a_village_that_enrolled_a_household_are_not(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    for n, day in enumerate(("2021-06-01", "2021-07-01", "2021-08-01")):
        add(f"hh-{n}", registered(n, VILLAGE_B), warned(day))
    add("hh-2", surveyed(2), f.marked("enrolled", "marginal"))
    assert signals(client, auth, "AF_ENROLMENT_FROZEN", reference_date=DAY) == []


# The lists: filters, pages, exports


def duplicates(add: Add) -> None:
    """hh-0…hh-3 share their members (the factories' ID numbers), hh-0 and hh-1 in
    village A, hh-2 and hh-3 in A2, hh-1 and hh-3 monitored; hh-9 shares no one."""
    for n in range(4):
        village = VILLAGE_A if n < 2 else VILLAGE_A2
        events = [f.registered(village_code=village)]
        if n % 2:
            events += [f.survey(), f.marked("enrolled", "marginal")]
        add(f"hh-{n}", *events)
    add("hh-9", registered(9), surveyed(9))


def listed(client: TestClient, auth: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/quality", params={"limit": 1000, **params}, headers=auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_quality_list_filters_by_code_division_and_status_and_pages(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    duplicates(add)
    dup = listed(client, auth, code="DQ_DUPLICATE_PERSON")
    assert [i["household_id"] for i in dup] == ["hh-0", "hh-1", "hh-2", "hh-3"]
    assert all({x["code"] for x in i["findings"]} == {"DQ_DUPLICATE_PERSON"} for i in dup)
    assert {i["village_code"] for i in dup} == {VILLAGE_A, VILLAGE_A2}
    in_a2 = listed(client, auth, code="DQ_DUPLICATE_PERSON", division=VILLAGE_A2)
    assert [i["household_id"] for i in in_a2] == ["hh-2", "hh-3"]
    monitored = listed(client, auth, code="DQ_DUPLICATE_PERSON", status="monitored")
    assert [(i["household_id"], i["status"]) for i in monitored] == [
        ("hh-1", "monitored"),
        ("hh-3", "monitored"),
    ]
    assert listed(client, auth, code="DQ_NO_SUCH_CODE") == []  # as /v1/completeness does
    everything = listed(client, auth)
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/quality", params=params, headers=auth).json()
        pages += page["items"]
        if (cursor := page["next"]) is None:
            break
    assert pages == everything


def test_the_signal_list_pages_with_an_opaque_cursor(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    forms = [(c * 64, "survey_form") for c in "abc"]
    add("hh-1", registered(1), surveyed(1, *forms))
    add("hh-2", registered(2, VILLAGE_A2), surveyed(2, *forms))
    everything = signals(client, auth, "AF_MATERIAL_REUSED")
    assert len(everything) == 3
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/signals", params=params, headers=auth).json()
        pages += page["items"]
        if (cursor := page["next"]) is None:
            break
    assert [p for p in pages if p["code"] == "AF_MATERIAL_REUSED"] == everything


def test_the_quality_list_exports_one_row_per_finding_with_chinese_headers(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    duplicates(add)
    exported = client.get(
        "/v1/quality", params={"format": "csv", "code": "DQ_DUPLICATE_PERSON"}, headers=auth
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="quality.csv"' in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "户编号",
        "行政村代码",
        "监测状态",
        "问题代码",
        "问题",
        "国家规则编号",
        "说明",
        "涉及事件",
    ]
    items = listed(client, auth, code="DQ_DUPLICATE_PERSON")
    assert len(rows) - 1 == sum(len(i["findings"]) for i in items)
    first, finding = rows[1], items[0]["findings"][0]
    assert first[:3] == ["hh-0", VILLAGE_A, label("status", "not_monitored")]
    assert first[3:7] == [
        "DQ_DUPLICATE_PERSON",
        label("finding_code", "DQ_DUPLICATE_PERSON"),
        "dedup",
        finding["detail_zh"],
    ]
    assert first[4] != "DQ_DUPLICATE_PERSON"  # the Chinese label
    assert first[7].split("、") == finding["events"]


def test_the_signal_list_exports_one_row_per_signal_with_chinese_headers(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    form = ("e" * 64, "survey_form")
    add("hh-1", registered(1), surveyed(1, form))
    add("hh-2", registered(2, VILLAGE_A2), surveyed(2, form))
    exported = client.get(
        "/v1/signals", params={"format": "xlsx", "code": "AF_MATERIAL_REUSED"}, headers=auth
    )
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["信号代码", "信号", "区划", "说明", "涉及农户", "涉及事件"]
    [signal] = signals(client, auth, "AF_MATERIAL_REUSED")
    assert rows[1][:4] == [
        "AF_MATERIAL_REUSED",
        label("signal_code", "AF_MATERIAL_REUSED"),
        "530925101",
        signal["detail_zh"],
    ]
    assert str(rows[1][4]).split("、") == ["hh-1", "hh-2"]
    assert str(rows[1][5]).split("、") == signal["events"]


# The summary


def test_the_summary_counts_findings_and_signals_by_code_and_exports_them_labelled(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    form = ("f" * 64, "survey_form")
    add("hh-1", f.registered(), surveyed(1, form))
    add("hh-2", f.registered(village_code=VILLAGE_A2), surveyed(2, form))
    add("hh-3", registered(3, VILLAGE_B), surveyed(3))
    report = client.get("/v1/reports/summary", headers=auth).json()
    [duplicate] = [c for c in report["quality_counts"] if c["code"] == "DQ_DUPLICATE_PERSON"]
    assert duplicate["households"] == 2
    assert duplicate["findings"] >= 2
    assert set(duplicate) == {"code", "findings", "households"}
    assert {"code": "AF_MATERIAL_REUSED", "signals": 1, "households": 2} in report["signal_counts"]
    township_b = client.get(
        "/v1/reports/summary", params={"division": "530925102"}, headers=auth
    ).json()
    assert [c for c in township_b["quality_counts"] if c["code"] == "DQ_DUPLICATE_PERSON"] == []
    assert township_b["signal_counts"] == []
    exported = client.get("/v1/reports/summary", params={"format": "csv"}, headers=auth)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    quality = [r for r in rows if r["统计项"] == "数据质量问题"]
    assert len(quality) == len(report["quality_counts"])
    [row] = [r for r in quality if r["代码"] == "DQ_DUPLICATE_PERSON"]
    assert row["项目"] == label("finding_code", "DQ_DUPLICATE_PERSON")
    assert (row["数值"], row["涉及户数"]) == (str(duplicate["findings"]), "2")
    [reused] = [r for r in rows if r["统计项"] == "形式主义信号"]
    assert (reused["代码"], reused["项目"], reused["数值"], reused["涉及户数"]) == (
        "AF_MATERIAL_REUSED",
        label("signal_code", "AF_MATERIAL_REUSED"),
        "1",
        "2",
    )


# Access and bad parameters


def test_a_households_quality_beyond_the_token_or_unknown_is_not_found(
    add: Add, client: TestClient, auth: dict[str, str], make_token: Callable[..., str]
) -> None:
    add("hh-1", registered(1))
    assert problem_code(client.get("/v1/households/hh-9/quality", headers=auth)) == (
        "UNKNOWN_HOUSEHOLD"
    )
    elsewhere = client.get("/v1/households/hh-1/quality", headers=bearer(make_token, "5310"))
    assert elsewhere.status_code == 404
    assert problem_code(elsewhere) == "UNKNOWN_HOUSEHOLD"
    assert findings(client, bearer(make_token, "530925101201"), "hh-1")["findings"] == []
    intake = client.get("/v1/households/hh-1/quality", headers=bearer(make_token, "53", "intake"))
    assert problem_code(intake) == "FORBIDDEN"


def test_the_lists_never_show_a_household_beyond_the_token(
    add: Add, client: TestClient, make_token: Callable[..., str]
) -> None:
    add("hh-a", f.registered(village_code=VILLAGE_A))
    add("hh-b", f.registered(village_code=VILLAGE_B))  # duplicates of each other
    township = bearer(make_token, "530925101")
    assert [i["household_id"] for i in listed(client, township)] == ["hh-a"]
    wider = client.get("/v1/quality", params={"division": "5309"}, headers=township)
    assert problem_code(wider) == "FORBIDDEN"


BAD_PARAMETERS = [
    ("division", "53abc"),
    ("division", "5" * 13),
    ("code", "DQ-DUPLICATE"),
    ("code", "x" * 65),
    ("status", "Monitored!"),
    ("reference_date", "2021-02-30"),
    ("reference_date", "2021/12/01"),
    ("limit", "0"),
    ("limit", "1001"),
    ("format", "pdf"),
    ("cursor", "not one/of ours"),
]


@pytest.mark.parametrize("path", ["/v1/quality", "/v1/signals"])
@pytest.mark.parametrize(("name", "value"), BAD_PARAMETERS)
def test_a_bad_list_parameter_is_a_422_naming_it(
    client: TestClient, auth: dict[str, str], path: str, name: str, value: str
) -> None:
    if path == "/v1/signals" and name == "status":
        return  # signals have no status to filter by
    refused = client.get(path, params={name: value}, headers=auth)
    assert refused.status_code == 422, refused.text
    assert problem_code(refused) == "VALIDATION_FAILED"
    assert refused.json()["errors"][0]["field"] == name


@pytest.mark.parametrize("cursor", ["bm8gc2xhc2g=", urlsafe_b64encode(b"AF\x00/x").decode()])
def test_a_signal_cursor_the_service_never_issued_is_a_422(
    client: TestClient, auth: dict[str, str], cursor: str
) -> None:
    refused = client.get("/v1/signals", params={"cursor": cursor}, headers=auth)
    assert refused.status_code == 422, refused.text
    assert problem_code(refused) == "VALIDATION_FAILED"


def test_a_bad_reference_date_for_a_households_quality_is_a_422(
    add: Add, client: TestClient, auth: dict[str, str]
) -> None:
    add("hh-1", registered(1))
    refused = client.get(
        "/v1/households/hh-1/quality", params={"reference_date": "2021-13-01"}, headers=auth
    )
    assert refused.status_code == 422
    assert problem_code(refused) == "VALIDATION_FAILED"
