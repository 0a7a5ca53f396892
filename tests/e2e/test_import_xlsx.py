"""``ledger template`` and ``ledger import ROSTER.xlsx`` as county staff use them: the blank
template filled in with openpyxl, imported on SQLite and PostgreSQL, read back over HTTP;
a household with any bad row stays out whole, named by sheet, row and column; a second
run appends nothing."""

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import demo
from cli import main
from ledger.application import HouseholdLedger
from ledger.importing.roster import FIRST_DATA_ROW, SHEETS, Row
from ledger.importing.roster.template import EXAMPLE
from ledger.persistence.database import Database
from tests.conftest import _url
from tests.e2e.test_import import stored, without_server_fields
from tests.roster_cells import fill, rows_of

__all__ = ["stored"]  # the fixture, shared with the NDJSON import's tests
Event = dict[str, Any]


def households(count: int, start: int = 0) -> list[tuple[str, list[Event]]]:
    """Demo households as a roster holds them: the registration and the surveys, without
    the trace materials a roster does not carry."""
    found = []
    for household_id, _, events in map(demo.household, range(start, start + count)):
        kept = [
            {k: v for k, v in e.items() if k != "materials"}
            for e in events
            if e["type"] in ("HouseholdRegistered", "FieldSurveyConducted")
        ]
        found.append((household_id, kept))
    return found


def template(tmp_path: Path) -> Path:
    path = tmp_path / "roster.xlsx"
    result = CliRunner().invoke(main, ["template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def roster(tmp_path: Path, rows: list[Row]) -> Path:
    path = template(tmp_path)
    workbook = load_workbook(path)
    fill(workbook, rows)
    workbook.save(path)
    return path


def run_import(database: Database, path: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["import", str(path), *args], env={"LEDGER_DATABASE_URL": _url(database)}
    )


def test_a_filled_template_imports_and_reads_as_appending_its_events_over_http_does(
    database: Database, client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    county = households(12)
    path = roster(tmp_path, rows_of(county))
    result = run_import(database, path, "--operator", "王五")
    assert result.exit_code == 0, result.stderr
    events = sum(len(e) for _, e in county)
    assert (
        f"households 12: imported 12, already imported 0, failed 0; {events} events"
        in result.stdout
    )
    for household_id, household_events in county:
        over_http = f"http-{household_id}"
        appended = client.post(
            f"/v1/households/{over_http}/events", headers=auth, json={"events": household_events}
        )
        assert appended.status_code == 201, appended.text
        for after in ("", "/events?limit=500", "/completeness"):
            mine = client.get(f"/v1/households/{household_id}{after}", headers=auth).json()
            theirs = client.get(f"/v1/households/{over_http}{after}", headers=auth).json()
            assert without_server_fields(mine) == without_server_fields(theirs)
    history = client.get(f"/v1/households/{county[0][0]}/events", headers=auth).json()
    assert {e["recorded_by"]["name"] for e in history["items"]} == {"王五 (ledger import)"}


def test_a_second_run_of_the_same_workbook_appends_nothing(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    path = roster(tmp_path, rows_of(households(8)))
    assert run_import(database, path).exit_code == 0
    events = stored.tables.count_events()
    again = run_import(database, path)
    assert again.exit_code == 0, again.stderr
    assert "households 8: imported 0, already imported 8, failed 0; 0 events" in again.stdout
    assert stored.tables.count_events() == events


def _change(rows: list[Row], sheet: str, number: int, **cells: Any) -> list[Row]:
    return [
        Row(r.sheet, r.number, {**r.cells, **cells})
        if (r.sheet.name, r.number) == (sheet, number)
        else r
        for r in rows
    ]


def _first(rows: list[Row], sheet: str, household_id: str) -> int:
    return next(
        r.number for r in rows if r.sheet.name == sheet and r.cells["household_id"] == household_id
    )


def test_a_household_with_any_bad_row_is_left_out_whole_and_every_problem_is_named(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    county = households(7)
    ids = [household_id for household_id, _ in county]
    good, bad_id, bad_village, no_members, number_id, outside, later = ids
    rows = rows_of(county)
    member = _first(rows, "家庭成员", bad_id)
    number = rows[[(r.sheet.name, r.number) for r in rows].index(("家庭成员", member))]
    wrong = number.cells["id_number"][:-1] + ("1" if number.cells["id_number"][-1] != "1" else "2")
    rows = _change(rows, "家庭成员", member, id_number=wrong)
    rows = _change(
        rows, "农户", _first(rows, "农户", bad_village), **{"data.village_code": "53092510120"}
    )  # 11 digits: no village
    rows = _change(
        rows, "农户", _first(rows, "农户", outside), **{"data.village_code": "530926101201"}
    )  # another county's village
    members_of_number_id = _first(rows, "家庭成员", number_id)
    rows = _change(rows, "家庭成员", members_of_number_id, id_number=530925198001010013)
    dropped = [
        r.number
        for r in rows
        if r.sheet.name == "家庭成员" and r.cells["household_id"] == no_members
    ]
    rows = [
        r
        for r in rows
        if not (r.sheet.name == "家庭成员" and r.cells["household_id"] == no_members)
    ]
    result = run_import(database, roster(tmp_path, rows), "--division", "530925")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if "!row " in line]
    assert problems == [
        f"家庭成员!row {member} (id_number 身份证号码): VALIDATION_FAILED: id_number is not an "
        "18-character GB 11643 number with a valid check digit",
        f"农户!row {_first(rows, '农户', bad_village)} (village_code 行政村代码): "
        "VALIDATION_FAILED: String should match pattern '^[0-9]{12}$'",
        f"农户!row {_first(rows, '农户', no_members)} (members 家庭成员): VALIDATION_FAILED: "
        f"no rows on sheet 家庭成员 for household '{no_members}': a household needs its "
        "members, one of them the head (户主)",
        f"家庭成员!row {members_of_number_id} (id_number 身份证号码): VALIDATION_FAILED: the cell "
        "holds the number 5.3092519800101e+17, not text: Excel keeps only 15 digits of a "
        "number, so the ID number may have lost its last ones; format the column as text "
        "(设置单元格格式 → 文本) and type it again",
        f"农户!row {_first(rows, '农户', outside)} (household {outside}): FORBIDDEN: village "
        "530926101201 is outside this token's division '530925'",
    ]
    assert dropped  # the household really had member rows to leave out
    assert "households 7: imported 2, already imported 0, failed 5; " in result.stdout
    for refused in (bad_id, bad_village, no_members, number_id, outside):
        assert not stored.stream(refused)
    for household_id, events in county:
        if household_id in (good, later):
            assert len(stored.stream(household_id)) == len(events)


def test_a_bad_survey_row_keeps_the_household_registration_out_too(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    county = households(2)
    rows = rows_of(county)
    survey = _first(rows, "收入调查", county[0][0])
    rows = _change(rows, "收入调查", survey, **{"data.per_capita_net_income": 1})
    result = run_import(database, roster(tmp_path, rows))
    assert result.exit_code == 1
    assert (
        f"收入调查!row {survey} (per_capita_net_income 人均纯收入（元）): VALIDATION_FAILED: "
        "per_capita_net_income 1 differs by more than 1 yuan" in result.stderr
    )
    assert not stored.stream(county[0][0])
    assert stored.stream(county[1][0])


def test_the_templates_example_household_imports_as_it_is(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    rows = [
        Row(sheet, FIRST_DATA_ROW + i, cells)
        for sheet in SHEETS
        for i, cells in enumerate(EXAMPLE[sheet.name])
    ]
    result = run_import(database, roster(tmp_path, rows))
    assert result.exit_code == 0, result.stderr
    registered, survey = stored.stream("hh-0001")
    assert [m["relation"] for m in registered.data["members"]] == ["head", "spouse", "child"]
    assert registered.occurred_at.isoformat() == "2021-10-20T09:00:00+08:00"
    assert survey.data["purpose"] == "annual"
    assert survey.data["risk_types"] == ["illness"]


def test_the_template_has_its_sheets_lists_and_text_columns(tmp_path: Path) -> None:
    workbook = load_workbook(template(tmp_path))
    assert workbook.sheetnames == ["说明", "农户", "家庭成员", "收入调查", "示例", "选项"]
    assert workbook["选项"].sheet_state == "hidden"
    members = workbook["家庭成员"]
    headers = {members.cell(2, c).value: c for c in range(1, members.max_column + 1)}
    assert members.cell(1, headers["id_number"]).value == "身份证号码"
    column = get_column_letter(headers["id_number"])
    assert members.column_dimensions[column].number_format == "@"
    lists = {
        str(v.sqref).split(":")[0]: v.formula1 for v in members.data_validations.dataValidation
    }
    assert str(lists[f"{get_column_letter(headers['relation'])}3"]).startswith("'选项'!")


def test_the_template_is_not_written_over_a_file_that_exists(tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(b"a roster someone filled in")
    result = CliRunner().invoke(main, ["template", "-o", str(path)])
    assert result.exit_code == 1
    assert "exists" in result.output
    assert path.read_bytes() == b"a roster someone filled in"


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b""], ids=["broken", "empty"])
def test_a_file_that_is_no_workbook_imports_nothing(
    database: Database, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)
    result = run_import(database, path)
    assert result.exit_code == 1
    assert "nothing imported: roster.xlsx is not an .xlsx workbook" in result.stderr


def test_a_workbook_without_the_templates_sheets_or_columns_imports_nothing(
    database: Database, tmp_path: Path
) -> None:
    path = template(tmp_path)
    workbook = load_workbook(path)
    workbook["农户"].delete_cols(2)  # village_code
    workbook.save(path)
    result = run_import(database, path)
    assert result.exit_code == 1
    assert "sheet 农户 has no column village_code 行政村代码" in result.stderr
    del workbook["家庭成员"]
    workbook.save(path)
    assert "has no sheet 家庭成员" in run_import(database, path).stderr


def test_a_household_changed_after_its_import_is_refused_as_already_registered(
    database: Database, stored: HouseholdLedger, tmp_path: Path
) -> None:
    county = households(2)
    rows = rows_of(county)
    assert run_import(database, roster(tmp_path, rows)).exit_code == 0
    changed = _change(rows, "农户", FIRST_DATA_ROW, **{"data.group": "新一组"})
    (tmp_path / "roster.xlsx").unlink()
    result = run_import(database, roster(tmp_path, changed))
    assert result.exit_code == 1
    assert (
        f"农户!row {FIRST_DATA_ROW} (household {county[0][0]}): ALREADY_REGISTERED: "
        in result.stderr
    )
    assert "households 2: imported 0, already imported 1, failed 1" in result.stdout
    assert len(stored.stream(county[0][0])) == len(county[0][1])
