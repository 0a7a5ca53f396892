"""``ledger import ROSTER.xlsx``: a county roster (农户名册) in the template of
``ledger template`` (docs/roster-template.md), appended as ``ledger import`` appends NDJSON.

Each household becomes one append — its HouseholdRegistered with its members, then a
FieldSurveyConducted per 收入调查 row — validated as the HTTP API validates it
(``ledger.importing.roster.households``), keyed ``import:`` + its request digest so a
second run appends nothing twice, and written by ``ledger.importing.run`` in chunks. A
household with any problem on any of its rows is left out whole; every problem is
reported by sheet, row and column.
"""

import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import timezone
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from ledger.appending import AppendPipeline
from ledger.domain.callers import Caller
from ledger.importing.items import Failure, Item, keyed
from ledger.importing.roster import (
    FIRST_DATA_ROW,
    HOUSEHOLDS,
    SHEETS,
    Accepted,
    Row,
    Sheet,
    households,
)
from ledger.importing.run import Summary, import_items

REQUIRED_SHEETS = (HOUSEHOLDS.name, "家庭成员")
"""收入调查 may be absent: a roster of registrations only."""


class RosterUnreadable(Exception):
    """The file is no workbook of the template: nothing of it can be imported."""


def is_workbook(path: Path) -> bool:
    """An .xlsx file (a zip archive), whatever its name says."""
    return path.suffix.lower() in (".xlsx", ".xlsm") or zipfile.is_zipfile(path)


def read_rows(path: Path) -> list[Row]:
    """Every data row of the template's sheets, cells by column path."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise RosterUnreadable(f"{path.name} is not an .xlsx workbook ({error})") from None
    try:
        missing = [name for name in REQUIRED_SHEETS if name not in workbook.sheetnames]
        if missing:
            raise RosterUnreadable(
                f"{path.name} has no sheet {'、'.join(missing)}: start from "
                "the template (`ledger template`)"
            )
        rows: list[Row] = []
        problems: list[str] = []
        for sheet in SHEETS:
            if sheet.name in workbook.sheetnames:
                rows.extend(_rows(sheet, workbook[sheet.name], problems))
        if problems:
            raise RosterUnreadable("; ".join(problems))
        return rows
    finally:
        workbook.close()


def _rows(sheet: Sheet, worksheet: Worksheet, problems: list[str]) -> Iterator[Row]:
    values = worksheet.iter_rows(values_only=True)
    titles = list(next(values, ()))  # row 1: the Chinese headers
    fields = list(next(values, ()))  # row 2: the contract's field names
    place: dict[str, int] = {}
    for column in sheet.columns:
        # By the contract's name in row 2; else by the Chinese header in row 1.
        for names in (fields, titles):
            found = [
                i
                for i, name in enumerate(names)
                if isinstance(name, str) and name.strip() in (column.field, column.title)
            ]
            if found:
                place[column.path] = found[0]
                break
        else:
            if column.required or column is sheet.columns[0]:
                problems.append(
                    f"sheet {sheet.name} has no column {column} (row 2 names each column's field)"
                )
    if problems:
        return
    for number, cells in enumerate(values, start=FIRST_DATA_ROW):
        yield Row(
            sheet, number, {path: cells[i] if i < len(cells) else None for path, i in place.items()}
        )


def roster_items(rows: Sequence[Row], offset: timezone) -> list[tuple[Item, int]]:
    """Each household, ready to append or refused with its problems, counted as 1."""
    items: list[tuple[Item, int]] = []
    # Numbered in the roster's order (failures are listed by number); rows are in ``where``.
    for number, household in enumerate(households(rows, offset), start=1):
        if isinstance(household, Accepted):
            items.append(
                (
                    keyed(
                        number,
                        household.household_id,
                        household.batch,
                        f"{HOUSEHOLDS.name}!row {household.row} "
                        f"(household {household.household_id})",
                    ),
                    1,
                )
            )
        else:
            items.append(
                (
                    [
                        Failure(number, "VALIDATION_FAILED", e.message, e.where)
                        for e in household.errors
                    ],
                    1,
                )
            )
    return items


def import_roster(
    appends: AppendPipeline,
    caller: Caller,
    items: Sequence[tuple[Item, int]],
    summary: Summary,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Appends the roster's households, counting them into ``summary``."""
    summary.unit = "households"
    import_items(appends, caller, items, summary, progress=progress)
