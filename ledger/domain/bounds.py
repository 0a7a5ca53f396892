"""The dates an append may carry (CONTRACT §7.1), judged against the moment it arrives.

Shapes are judged by the payload schemas; these bounds need the clock, so they are judged
when the ledger appends (API, ``ledger import`` and the roster alike). They keep every
date the domain computes with (windows of days and years around them) far inside the
calendar Python can represent: one event dated year 1 or 9999 would otherwise overflow
that arithmetic on every read of every household.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ledger.domain.commands import Envelope
from ledger.domain.errors import ValidationFailed

DATA_EARLIEST = date(1900, 1, 1)
"""No date inside ``data`` is before this (the oldest birth date of a living member)."""


@dataclass(frozen=True)
class InputBounds:
    """``occurred_at`` from ``earliest`` to ``clock_skew_s`` seconds after the request."""

    earliest: date = date(2000, 1, 1)
    clock_skew_s: int = 86_400


def one_year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def check_bounds(commands: Sequence[Envelope], bounds: InputBounds, now: datetime) -> None:
    """Refuses (``ValidationFailed``, naming each field) dates outside the bounds of
    CONTRACT §7.1 as of ``now``, the moment the request was received."""
    latest = now + timedelta(seconds=bounds.clock_skew_s)
    data_latest = one_year_after(now.date())
    problems: list[dict[str, Any]] = []
    for i, command in enumerate(commands):
        at = f"events[{i}].occurred_at"
        occurred = command.occurred_at
        if occurred.date() < bounds.earliest:
            problems.append(
                {
                    "field": at,
                    "message": f"{occurred.isoformat()} is before "
                    f"{bounds.earliest.isoformat()}, the earliest date accepted",
                }
            )
        elif occurred > latest:
            problems.append(
                {
                    "field": at,
                    "message": f"{occurred.isoformat()} is more than "
                    f"{bounds.clock_skew_s} s after the time the request was "
                    f"received ({now.isoformat(timespec='seconds')})",
                }
            )
        for path, value in _dates(command.data, f"events[{i}].data"):
            day = value.date() if isinstance(value, datetime) else value
            if not DATA_EARLIEST <= day <= data_latest:
                problems.append(
                    {
                        "field": path,
                        "message": f"{value.isoformat()} is not "
                        f"between {DATA_EARLIEST.isoformat()} and "
                        f"{data_latest.isoformat()} (a year from now)",
                    }
                )
            elif path.endswith(".birth_date") and day > occurred.date():
                problems.append(
                    {
                        "field": path,
                        "message": f"{value.isoformat()} is after "
                        f"the event's occurred_at ({occurred.date().isoformat()})",
                    }
                )
    if problems:
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise ValidationFailed(f"the request is invalid: {summary}", problems)


def _dates(value: Any, path: str) -> Iterator[tuple[str, date]]:
    """Every date and date-time in a payload, with its field path (aliases as sent)."""
    if isinstance(value, date):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from _dates(getattr(value, name), f"{path}.{field.alias or name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _dates(item, f"{path}[{index}]")
