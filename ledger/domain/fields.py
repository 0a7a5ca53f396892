"""Field types shared by the event payloads: strict where JSON is ambiguous.

FastAPI hands pydantic already-decoded JSON, so lax mode would accept ``"5"`` for an
int, ``1`` for a bool and a Unix time for a date. An audit ledger records what was
meant, so those shapes are refused here.
"""

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

PAYLOAD_CONFIG = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)


def _number_only(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return value


def _iso_date_string(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    # Ten characters are not enough: pydantic reads "1638316800" as a Unix time.
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date string YYYY-MM-DD")
    return value


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


_RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _datetime_string(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        # Python keeps microseconds: a finer fraction would be silently cut, so refuse it.
        raise ValueError(
            "must be an RFC 3339 date-time with seconds and an offset, "
            "e.g. 2021-10-22T09:30:00+08:00 (at most 6 fractional digits)"
        )
    return value


def _plain_offset(value: datetime) -> datetime:
    # pydantic's own TzInfo would not survive storage as the same type.
    offset = value.utcoffset()
    if offset is None:  # AwareDatetime runs first, so never; kept for type checkers
        raise ValueError("must have a UTC offset")
    return value.replace(tzinfo=timezone(offset))


# Documented as what is accepted: a JSON number (pydantic would also offer a string).
_YUAN_SCHEMA = {
    "type": "number",
    "maximum": 9_999_999_999_999.99,
    "description": "Yuan, at most 2 decimal places and 15 digits",
}
Yuan = Annotated[
    Decimal,
    BeforeValidator(_number_only),
    Field(max_digits=15, decimal_places=2),
    WithJsonSchema({**_YUAN_SCHEMA, "minimum": -9_999_999_999_999.99}),
]
NonNegativeYuan = Annotated[
    Decimal,
    BeforeValidator(_number_only),
    Field(ge=0, max_digits=15, decimal_places=2),
    WithJsonSchema({**_YUAN_SCHEMA, "minimum": 0}),
]
IsoDate = Annotated[date, BeforeValidator(_iso_date_string)]
Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_datetime_string), AfterValidator(_plain_offset)]
Coordinate = Annotated[float, BeforeValidator(_number_only), Field(allow_inf_nan=False)]
Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
ByteSize = Annotated[StrictInt, Field(ge=0, le=2**40)]
Flag = StrictBool

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""An id of CONTRACT §7.1 (household, member, measure, issue, actor, event), matched in
full: no space, no control character, nothing a spreadsheet or a URL path would mangle."""
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # Cc but tab and LF
NO_CONTROLS_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
FREE_TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"


def control_character(value: str, *, free_text: bool = False) -> str | None:
    """The first control character (Unicode Cc) in ``value`` as ``U+XXXX``, or None; free
    text may hold line feeds and tabs."""
    found = (_CONTROLS_BUT_LINES if free_text else _CONTROLS).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _no_controls(value: str) -> str:
    # A NUL stops PostgreSQL's text columns and a control character stops an .xlsx export:
    # one such string must not take the read side down for everyone (CONTRACT §7.1).
    if (found := control_character(value)) is not None:
        raise ValueError(f"must not contain a control character ({found})")
    return value


def _lines_and_tabs_only(value: str) -> str:
    if (found := control_character(value, free_text=True)) is not None:
        raise ValueError(
            f"must not contain a control character ({found}) other than line feed and tab"
        )
    return value


Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN)
]
Reference = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_no_controls),
    Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
]
"""A code or a record's id in another system: any printable characters."""
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_no_controls),
    Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
]
RecordId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_no_controls),
    Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
]
"""An upstream system's id of the record an event was captured from (CONTRACT §7.2)."""
CorrelationId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_no_controls),
    Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
]
"""Shared by the events of one upstream operation (CONTRACT §7.2)."""
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=4000),
    AfterValidator(_no_controls),
    Field(json_schema_extra={"pattern": NO_CONTROLS_PATTERN}),
]
FreeText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=4000),
    AfterValidator(_lines_and_tabs_only),
    Field(json_schema_extra={"pattern": FREE_TEXT_PATTERN}),
]
"""Free text (``summary``, ``basis``, ``note``, ``reason``, ``detail``): lines and tabs."""
IdNumber = Annotated[str, StringConstraints(max_length=18)]
"""A GB 11643 number; its shape and check digit are judged with the whole member."""
DivisionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{12}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
MediaType = Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=127)]
