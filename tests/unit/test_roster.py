"""Reading a roster's rows (``ledger.importing.roster``): a household typed into the
template's cells reads back as the events it came from, keyed by content whatever the
cells' types; a bad cell refuses its whole household and is named by sheet, row and
column."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import demo
from ledger.domain.commands import AppendBatch, request_digest
from ledger.domain.labels import labels
from ledger.importing.roster import HOUSEHOLDS, MEMBERS, SHEETS, SURVEYS, Accepted, Refused, Row
from ledger.importing.roster import households as read
from ledger.importing.roster.cells import CellError, convert
from tests import strategies as s
from tests.roster_cells import rows_of

CST = timezone(timedelta(hours=8))


def _plain(value: Any) -> bool:
    """Text a spreadsheet keeps as typed: no surrounding blanks (cells are trimmed)."""
    if isinstance(value, str):
        return value == value.strip() and value != ""
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


@st.composite
def households(draw: Any) -> tuple[str, list[dict[str, Any]]]:
    def event(type_: str, data: dict[str, Any]) -> dict[str, Any]:
        when = draw(
            st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            )
        )
        occurred = (when.isoformat() + "+08:00") if draw(st.booleans()) else draw(s.rfc3339())
        return {"type": type_, "occurred_at": occurred, "actor": draw(s.actors()), "data": data}

    registration = event("HouseholdRegistered", draw(s.household_registered_data()))
    surveys = [
        event("FieldSurveyConducted", draw(s.field_survey_data()))
        for _ in range(draw(st.integers(0, 3)))
    ]
    household_id = draw(st.from_regex(r"hh-[0-9a-z]{1,12}", fullmatch=True))
    assume(_plain(registration) and all(_plain(e) for e in surveys))
    return household_id, [registration, *surveys]


def only(rows: list[Row]) -> Accepted | Refused:
    [household] = read(rows, CST)
    return household


@settings(max_examples=80, deadline=None)
@given(household=households())
def test_a_household_typed_into_the_template_reads_back_as_the_events_it_came_from(
    household: tuple[str, list[dict[str, Any]]],
) -> None:
    household_id, events = household
    accepted = only(rows_of([household]))
    assert isinstance(accepted, Accepted), accepted
    assert accepted.household_id == household_id
    expected = AppendBatch.model_validate({"events": events})
    assert accepted.batch.model_dump() == expected.model_dump()  # numbers as Decimal: 0 == 0.0


def _retyped(row: Row, how: st.DataObject) -> Row:
    """The same row as another clerk would type it: codes for labels, text for numbers and
    dates, floats for whole numbers."""
    values = dict(row.cells)
    for column in row.sheet.columns:
        value = values[column.path]
        if value is None or not how.draw(st.booleans()):
            continue
        if column.kind == "choice" and column.vocabulary:
            values[column.path] = {v: k for k, v in labels(column.vocabulary).items()}[value]
        elif column.kind == "date":
            values[column.path] = how.draw(
                st.sampled_from([f"{value:%Y-%m-%d}", f"{value:%Y/%m/%d}"])
            )
        elif column.kind in ("yuan", "integer") and isinstance(value, int):
            values[column.path] = how.draw(st.sampled_from([float(value), f" {value:,} "]))
        elif column.kind == "flag":
            values[column.path] = value == "是"
    return Row(row.sheet, row.number, values)


@settings(max_examples=60, deadline=None)
@given(household=households(), how=st.data())
def test_a_households_key_does_not_depend_on_how_its_cells_are_typed(
    household: tuple[str, list[dict[str, Any]]], how: st.DataObject
) -> None:
    rows = rows_of([household])
    first, second = only(rows), only([_retyped(row, how) for row in rows])
    assert isinstance(first, Accepted)
    assert isinstance(second, Accepted), second
    key = b"k" * 32
    assert request_digest(first.household_id, first.batch, key) == request_digest(
        second.household_id, second.batch, key
    )


@given(number=st.integers(10**16, 10**18 - 1) | st.floats(1e16, 1e18))
def test_an_id_number_in_a_number_cell_is_refused_whatever_its_digits(number: float) -> None:
    with pytest.raises(CellError, match="format the column as text"):
        convert(MEMBERS.column("id_number"), number, CST)  # type: ignore[arg-type]


@given(day=st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_a_date_reads_the_same_from_a_date_cell_or_from_text(day: date) -> None:
    column = MEMBERS.column("birth_date")
    assert column is not None
    typed = [
        datetime(day.year, day.month, day.day),
        day,
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y.%m.%d}",
    ]
    assert {convert(column, value, CST) for value in typed} == {day.isoformat()}


@given(cents=st.integers(0, 10**12))
def test_an_amount_reads_the_same_as_a_number_or_as_text(cents: int) -> None:
    column = SURVEYS.column("data.income.wage")
    assert column is not None
    amount = Decimal(cents) / 100
    read_back = {
        Decimal(str(convert(column, value, CST)))
        for value in (float(amount), str(amount), f"{amount:,}")
    }
    assert read_back == {amount}


def test_binary_noise_of_a_formula_is_not_a_fraction_of_a_fen() -> None:
    column = SURVEYS.column("data.income.wage")
    assert column is not None
    assert convert(column, 0.1 + 0.2, CST) == 0.3
    assert convert(column, 1.005, CST) == 1.005  # a real third decimal: the domain refuses it


def test_a_date_without_a_time_happened_at_midnight_of_the_given_offset() -> None:
    column = HOUSEHOLDS.column("occurred_at")
    assert column is not None
    assert convert(column, datetime(2021, 10, 20), CST) == "2021-10-20T00:00:00+08:00"
    assert convert(column, "2021-10-20 9:30", UTC) == "2021-10-20T09:30:00+00:00"
    assert convert(column, "2021-10-20T09:30:00-03:00", CST) == "2021-10-20T09:30:00-03:00"


def test_every_choice_reads_from_its_chinese_label_or_its_code() -> None:
    for sheet in SHEETS:
        for column in sheet.columns:
            if column.kind == "choice" and column.vocabulary:
                known = labels(column.vocabulary)
                assert len(set(known.values())) == len(known), column.vocabulary
                for code, label in known.items():
                    assert convert(column, label, CST) == convert(column, code, CST) == code


def _demo_rows() -> list[Row]:
    _, _, events = demo.household(0)
    registration = next(e for e in events if e["type"] == "HouseholdRegistered")
    survey = {
        k: v
        for k, v in next(e for e in events if e["type"] == "FieldSurveyConducted").items()
        if k != "materials"
    }
    return rows_of([("hh-a", [registration, survey])])


def _with(rows: list[Row], sheet: str, number: int, **changes: Any) -> list[Row]:
    return [
        Row(r.sheet, r.number, {**r.cells, **changes})
        if (r.sheet.name, r.number) == (sheet, number)
        else r
        for r in rows
    ]


def test_a_bad_id_number_refuses_the_household_naming_sheet_row_and_column() -> None:
    rows = _with(_demo_rows(), "家庭成员", 3, id_number="530925198001010010")
    refused = only(rows)
    assert isinstance(refused, Refused)
    assert [str(e) for e in refused.errors] == [
        "家庭成员!row 3 (id_number 身份证号码): id_number is not an 18-character GB 11643 "
        "number with a valid check digit"
    ]


def test_every_bad_cell_of_a_household_is_reported_in_sheet_order() -> None:
    rows = _with(
        _demo_rows(), "收入调查", 3, **{"data.household_size": 0, "data.income.wage": "很多"}
    )
    rows = _with(rows, "农户", 3, **{"data.village_code": "5309251012", "data.category": "富户"})
    refused = only(rows)
    assert isinstance(refused, Refused)
    assert [e.where for e in refused.errors] == [
        "农户!row 3 (category 农户类别)",
        "农户!row 3 (village_code 行政村代码)",
        "收入调查!row 3 (income.wage 工资性收入)",
        "收入调查!row 3 (household_size 家庭人口数)",
    ]
    assert "is not one of 脱贫户（建档立卡）、一般农户" in refused.errors[0].message


def test_a_household_without_member_rows_is_refused() -> None:
    rows = [r for r in _demo_rows() if r.sheet is not MEMBERS]
    refused = only(rows)
    assert isinstance(refused, Refused)
    assert [e.where for e in refused.errors] == ["农户!row 3 (members 家庭成员)"]


def test_rows_of_a_household_that_is_not_on_the_household_sheet_are_refused() -> None:
    rows = [r for r in _demo_rows() if r.sheet is not HOUSEHOLDS]
    found = list(read(rows, CST))
    assert all(isinstance(h, Refused) for h in found)
    assert {e.where for h in found if isinstance(h, Refused) for e in h.errors} >= {
        "家庭成员!row 3 (household_id 户编号)",
        "收入调查!row 3 (household_id 户编号)",
    }


def test_a_blank_per_capita_income_is_the_contracts_formula_to_the_fen() -> None:
    rows = _with(
        _demo_rows(),
        "收入调查",
        3,
        **{
            "data.income.wage": 10000,
            "data.income.operating": 1000,
            "data.income.property": 0,
            "data.income.transfer": 0,
            "data.income.operating_cost": 0,
            "data.household_size": 3,
            "data.per_capita_net_income": None,
        },
    )
    accepted = only(rows)
    assert isinstance(accepted, Accepted)
    survey = accepted.batch.events[1].data.model_dump()
    assert survey["per_capita_net_income"] == Decimal("3666.67")


def test_the_documented_template_names_every_column_of_every_sheet() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "roster-template.md").read_text()
    for sheet in SHEETS:
        section = doc[doc.index(f"### {sheet.name}") :]
        for column in sheet.columns:
            assert f"| {column.title} | `{column.field}` |" in section, column
