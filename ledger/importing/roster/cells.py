"""Spreadsheet cells to the JSON values an append takes (CONTRACT §1).

A cell arrives as Excel keeps it: text, a number (``int`` or ``float``), a date-time
(``datetime``, which Excel also uses for plain dates), a ``bool``, or ``None`` when blank.
This module only converts: what the value means — an ID number's check digit, a code's
length, an amount's sign — is judged by the domain's own models, as for an HTTP append.
A cell that cannot be converted raises ``CellError`` with what to type instead.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.domain.labels import labels
from ledger.importing.roster.columns import Column

Json = str | int | float | bool | list[str] | None


class CellError(ValueError):
    """A cell that cannot become the field's value; the message says what to type."""


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if isinstance(value, bool | datetime | date):
        raise CellError("must be text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        raise CellError(f"must be text, not the number {value!r}")
    return str(value).strip()


def _id_number(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps 15 significant digits of a number: the last of 18 are already lost.
        raise CellError(
            f"the cell holds the number {value!r}, not text: Excel keeps only 15 "
            "digits of a number, so the ID number may have lost its last ones; "
            "format the column as text (设置单元格格式 → 文本) and type it again"
        )
    return _text(value).upper()  # a lower-case check digit x is the same number


_DATE = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$")
_DATE_TIME = re.compile(
    r"^([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})[ T]"
    r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$"
)


def _date_of(text: str) -> date:
    match = _DATE.match(text)
    if not match:
        raise CellError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2021-10-20")
    try:
        return date(*map(int, match.groups()))
    except ValueError as error:
        raise CellError(f"{text!r} is not a date: {error}") from None


def _date(value: object) -> str:
    if isinstance(value, datetime):
        if value.time() != time():
            raise CellError(f"must be a date without a time, not {value:%Y-%m-%d %H:%M}")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _date_of(value.strip()).isoformat()
    raise CellError(f"must be a date (YYYY-MM-DD), not {value!r}")


def _datetime(value: object, offset: timezone) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=offset)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), offset)
    elif isinstance(value, str):
        text = value.strip()
        if "T" in text and (
            text.endswith(("Z", "z")) or re.search(r"[+-][0-9]{2}:[0-9]{2}$", text)
        ):
            return text  # RFC 3339 as the API takes it; the domain judges it
        match = _DATE_TIME.match(text)
        if match:
            day, hour, minute, second = match.groups()
            try:
                moment = datetime.combine(
                    _date_of(day), time(int(hour), int(minute), int(second or 0)), offset
                )
            except ValueError as error:
                raise CellError(f"{text!r} is not a time of day: {error}") from None
        else:
            moment = datetime.combine(_date_of(text), time(), offset)
    else:
        raise CellError(f"must be a date or a date and time, not {value!r}")
    return moment.isoformat(timespec="seconds")


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool | datetime | date):
        raise CellError(f"must be a number, not {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        exact = Decimal(repr(value))
        cents = exact.quantize(Decimal("0.01"))
        # 0.1 + 0.2 in a formula: binary noise beyond the fen, not a fraction of a fen.
        return cents if abs(exact - cents) < Decimal("1e-6") else exact
    text = re.sub(r"[\s,，]", "", str(value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise CellError(f"{value!r} is not a number")
    return number


def json_number(number: Decimal) -> int | float:
    """An amount as a JSON number, as an HTTP caller would write it."""
    return int(number) if number == number.to_integral_value() else float(number)


def _yuan(value: object) -> int | float:
    return json_number(_decimal(value))


def _integer(value: object) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise CellError(f"must be a whole number, not {value!r}")
    return int(number)


_TRUE, _FALSE = {"是", "true", "yes", "y", "1", "有"}, {"否", "false", "no", "n", "0", "无"}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise CellError(f"{value!r} must be 是 or 否")


def choice(column: Column, value: object) -> str:
    """A code of the column's vocabulary, from its Chinese label or the code itself."""
    if column.vocabulary is None:
        raise TypeError(f"column {column.path} has no vocabulary to choose from")
    known = labels(column.vocabulary)
    text = _text(value)
    if text in known:
        return text
    for code, label in known.items():
        if text == label:
            return code
    raise CellError(
        f"{text!r} is not one of {'、'.join(known.values())} (or the codes {', '.join(known)})"
    )


def _choices(column: Column, value: object) -> list[str]:
    parts = [p for p in re.split(r"[、,，;；\s]+", _text(value)) if p]
    return list(dict.fromkeys(choice(column, part) for part in parts))


def convert(column: Column, value: object, offset: timezone) -> Json:
    """The field's value from a non-blank cell, or ``CellError``."""
    converters: Mapping[str, Callable[[Any], Json]] = {
        "text": _text,
        "id_number": _id_number,
        "date": _date,
        "datetime": lambda v: _datetime(v, offset),
        "yuan": _yuan,
        "integer": _integer,
        "flag": _flag,
        "choice": lambda v: choice(column, v),
        "choices": lambda v: _choices(column, v),
    }
    return converters[column.kind](value)
