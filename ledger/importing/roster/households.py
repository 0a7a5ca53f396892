"""A roster's rows to each household's append: its registration with its members, then its
surveys — validated by the same ``AppendBatch`` as ``POST /v1/households/{id}/events``.

A household is accepted whole or refused whole: one bad cell on any of its rows, on any
sheet, refuses all of it, and every problem found is reported with its sheet, row and
column.
"""

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timezone
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pydantic import ValidationError

from ledger.domain.commands import HOUSEHOLD_ID_PATTERN, AppendBatch
from ledger.domain.vocabulary import Category
from ledger.importing.roster.cells import CellError, blank, convert, json_number
from ledger.importing.roster.columns import HOUSEHOLD_ID, HOUSEHOLDS, MEMBERS, SURVEYS, Sheet
from ledger.importing.roster.locations import Origins, RowError, at


@dataclass(frozen=True)
class Row:
    """A row as the sheet holds it: its number and its cells by column path."""

    sheet: Sheet
    number: int
    cells: Mapping[str, Any]


@dataclass(frozen=True)
class Accepted:
    household_id: str
    row: int  # on 农户
    batch: AppendBatch


@dataclass(frozen=True)
class Refused:
    household_id: str  # "" for a row that names no household
    row: int  # on 农户, else the first row naming it
    errors: tuple[RowError, ...]


def households(rows: Sequence[Row], offset: timezone) -> Iterator[Accepted | Refused]:
    """Each household of the roster, in the order of 农户, then rows naming a household
    that 农户 does not have."""
    by_sheet: dict[str, defaultdict[str, list[Row]]] = {
        s.name: defaultdict(list) for s in (HOUSEHOLDS, MEMBERS, SURVEYS)
    }
    for row in rows:
        if all(blank(v) for v in row.cells.values()):
            continue
        value = row.cells.get(HOUSEHOLD_ID.path)
        try:
            household_id = "" if blank(value) else str(convert(HOUSEHOLD_ID, value, offset))
        except CellError as error:
            yield Refused("", row.number, (at(row.sheet, row.number, HOUSEHOLD_ID, str(error)),))
            continue
        if not household_id:
            yield Refused(
                "",
                row.number,
                (
                    at(
                        row.sheet,
                        row.number,
                        HOUSEHOLD_ID,
                        "required: which household the row is of",
                    ),
                ),
            )
            continue
        by_sheet[row.sheet.name][household_id].append(row)
    registered = by_sheet[HOUSEHOLDS.name]
    for household_id, own in registered.items():
        yield _household(
            household_id,
            own,
            by_sheet[MEMBERS.name].pop(household_id, []),
            by_sheet[SURVEYS.name].pop(household_id, []),
            offset,
        )
    for sheet in (MEMBERS, SURVEYS):
        for household_id, orphans in by_sheet[sheet.name].items():
            yield Refused(
                household_id,
                orphans[0].number,
                tuple(
                    at(
                        sheet,
                        r.number,
                        HOUSEHOLD_ID,
                        f"household {household_id!r} has no row on sheet {HOUSEHOLDS.name}",
                    )
                    for r in orphans
                ),
            )


class _Cells:
    """Converts rows' cells into JSON values, keeping every cell's problem."""

    def __init__(self, offset: timezone) -> None:
        self.offset = offset
        self.errors: list[RowError] = []

    def fill(self, row: Row, target: dict[str, Any]) -> dict[str, Any]:
        for column in row.sheet.columns[1:]:  # the household_id is not a field of the event
            value = row.cells.get(column.path)
            if blank(value):
                continue
            try:
                converted = convert(column, value, self.offset)
            except CellError as error:
                self.errors.append(at(row.sheet, row.number, column, str(error)))
                continue
            *parents, name = column.path.split(".")
            node = target
            for parent in parents:
                node = node.setdefault(parent, {})
            node[name] = converted
        return target


def _household(
    household_id: str, own: list[Row], members: list[Row], surveys: list[Row], offset: timezone
) -> Accepted | Refused:
    first = own[0].number
    cells = _Cells(offset)
    if not re.fullmatch(HOUSEHOLD_ID_PATTERN, household_id):
        cells.errors.append(
            at(HOUSEHOLDS, first, HOUSEHOLD_ID, "1–64 letters, digits or . _ : - (not first)")
        )
    for duplicate in own[1:]:
        cells.errors.append(
            at(
                HOUSEHOLDS,
                duplicate.number,
                HOUSEHOLD_ID,
                f"household {household_id!r} is already on row {first}",
            )
        )
    if not members:
        cells.errors.append(
            at(
                HOUSEHOLDS,
                first,
                "members 家庭成员",
                f"no rows on sheet {MEMBERS.name} for household {household_id!r}"
                ": a household needs its members, one of them the head (户主)",
            )
        )
    registration = cells.fill(own[0], {"type": "HouseholdRegistered"})
    data = registration.setdefault("data", {})
    data["filed_card"] = data.get("category") == Category.POVERTY_ALLEVIATED
    data["members"] = [_member(cells.fill(row, {}), row) for row in members]
    events = [
        registration,
        *(_survey(cells.fill(row, {"type": "FieldSurveyConducted"})) for row in surveys),
    ]
    origins = Origins(first, [r.number for r in members], [r.number for r in surveys])
    errors = list(cells.errors)
    try:
        batch = AppendBatch.model_validate({"events": events})
    except ValidationError as invalid:
        seen = {(e.sheet, e.row, e.column) for e in errors}
        for problem in invalid.errors():
            error = origins.locate(
                problem["loc"], str(problem["msg"]).removeprefix("Value error, ")
            )
            if (error.sheet, error.row, error.column) not in seen:
                seen.add((error.sheet, error.row, error.column))
                errors.append(error)
    if errors:
        order = [sheet.name for sheet in (HOUSEHOLDS, MEMBERS, SURVEYS)]
        return Refused(
            household_id, first, tuple(sorted(errors, key=lambda e: (order.index(e.sheet), e.row)))
        )
    return Accepted(household_id, first, batch)


def _member(member: dict[str, Any], row: Row) -> dict[str, Any]:
    if blank(row.cells.get("id_number")):  # an unreadable one has its own error, nothing more
        member.setdefault("id_number", None)  # a blank number: null, with id_missing_reason
    return member


def _survey(event: dict[str, Any]) -> dict[str, Any]:
    data = event.setdefault("data", {})
    data.setdefault("risk_types", [])
    if "per_capita_net_income" not in data:
        data["per_capita_net_income"] = _per_capita(data)
    return event


def _per_capita(data: dict[str, Any]) -> int | float:
    """The contract's formula, to the fen; 0 when a part is missing or wrong (that part's
    own error is reported, and the formula is then not judged)."""
    income, size = data.get("income", {}), data.get("household_size")
    parts = ("wage", "operating", "property", "transfer", "operating_cost")
    if (
        not isinstance(size, int)
        or size < 1
        or any(not isinstance(income.get(p), int | float) for p in parts)
    ):
        return 0
    net = sum(Decimal(str(income[p])) for p in parts[:4]) - Decimal(str(income[parts[4]]))
    return json_number((net / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))
