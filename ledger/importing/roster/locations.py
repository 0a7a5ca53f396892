"""Where in the workbook a problem lies: a sheet, a row and a column (家庭成员!row 7 (id_number
身份证号码)), found from the path the domain's validation names (``events[0].data.members[2]
.id_number``)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.labels import field_label
from ledger.importing.roster.columns import HOUSEHOLDS, MEMBERS, SURVEYS, Column, Sheet


@dataclass(frozen=True)
class RowError:
    """One problem of one row, by sheet, row number (as Excel shows it) and column."""

    sheet: str
    row: int
    column: str  # "field 中文", or "" for the row as a whole
    message: str

    @property
    def where(self) -> str:
        return f"{self.sheet}!row {self.row}" + (f" ({self.column})" if self.column else "")

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def at(sheet: Sheet, row: int, column: Column | str, message: str) -> RowError:
    return RowError(sheet.name, row, str(column), message)


@dataclass(frozen=True)
class Origins:
    """The rows one household's events came from: event 0 is its 农户 row (its members
    on 家庭成员), each later event a 收入调查 row."""

    household: int
    members: Sequence[int]
    surveys: Sequence[int]

    def locate(self, loc: Sequence[Any], message: str) -> RowError:
        """The cell a validation error of ``AppendBatch`` points at (its ``loc``)."""
        sheet, row, path = HOUSEHOLDS, self.household, list(loc[2:])
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            if path and path[0] in EVENT_TYPES:
                path = path[1:]  # the union's tag, not a field
            if loc[1] > 0:
                sheet, row = SURVEYS, self.surveys[loc[1] - 1]
            elif path[:2] == ["data", "members"] and len(path) > 2 and isinstance(path[2], int):
                sheet, row, path = MEMBERS, self.members[path[2]], path[3:]
        else:
            path = [str(part) for part in loc]
        return at(sheet, row, _column(sheet, ".".join(map(str, path)), message), message)


def _column(sheet: Sheet, path: str, message: str) -> Column | str:
    exact = sheet.column(path)
    if exact is not None:
        return exact
    # A rule over a whole object names its field first ("id_number is not …").
    first = message.split(" ", 1)[0]
    named = sheet.column(f"{path}.{first}" if path else first)
    if named is not None:
        return named
    field = "" if path == "data" else path.removeprefix("data.")
    label = field_label(field)
    return f"{field} {label}" if field and label != field else field
