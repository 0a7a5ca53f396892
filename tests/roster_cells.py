"""A household's events written as a county clerk fills the roster template: Chinese labels
for codes, 是/否 for flags, date cells for dates (the reverse of ``ledger.importing.roster``)."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook

from ledger.domain.labels import labels
from ledger.importing.roster import FIRST_DATA_ROW, HOUSEHOLDS, MEMBERS, SURVEYS, Column, Row, Sheet

Event = dict[str, Any]


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def cell(column: Column, value: Any) -> Any:
    """The cell a clerk would type for ``value``."""
    if value is None:
        return None
    if column.kind == "choice" and column.vocabulary:
        return labels(column.vocabulary)[value]
    if column.kind == "choices" and column.vocabulary:
        return "、".join(labels(column.vocabulary)[v] for v in value) or None
    if column.kind == "flag":
        return "是" if value else "否"
    if column.kind == "date":
        day = value if isinstance(value, date) else date.fromisoformat(value)
        return datetime(day.year, day.month, day.day)
    if (
        column.kind == "datetime"
        and isinstance(value, str)
        and value.endswith("+08:00")
        and "." not in value
    ):
        return datetime.fromisoformat(value.removesuffix("+08:00"))
    return value


def cells(sheet: Sheet, household_id: str, source: dict[str, Any]) -> dict[str, Any]:
    return {
        c.path: household_id if c.path == "household_id" else cell(c, _at(source, c.path))
        for c in sheet.columns
    }


def rows_of(households: Iterable[tuple[str, list[Event]]]) -> list[Row]:
    """Rows of the three sheets for households of a HouseholdRegistered and surveys."""
    numbers = dict.fromkeys((HOUSEHOLDS.name, MEMBERS.name, SURVEYS.name), FIRST_DATA_ROW)
    rows: list[Row] = []

    def add(sheet: Sheet, values: dict[str, Any]) -> None:
        rows.append(Row(sheet, numbers[sheet.name], values))
        numbers[sheet.name] += 1

    for household_id, events in households:
        registration, *surveys = events
        add(HOUSEHOLDS, cells(HOUSEHOLDS, household_id, registration))
        for member in registration["data"]["members"]:
            add(MEMBERS, cells(MEMBERS, household_id, member))
        for survey in surveys:
            add(SURVEYS, cells(SURVEYS, household_id, survey))
    return rows


def fill(workbook: Workbook, rows: Iterable[Row]) -> None:
    """Writes rows into the template's sheets, at their numbers."""
    for row in rows:
        sheet = workbook[row.sheet.name]
        for index, column in enumerate(row.sheet.columns, start=1):
            sheet.cell(row.number, index, row.cells.get(column.path))
