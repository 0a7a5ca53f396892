"""Dates of people: a birth date as opened, whole years of age, the day a given age is
reached, and what an ID number's segments say (GB 11643)."""

import re
from datetime import MAXYEAR, date
from typing import Any, NamedTuple

_NUMBER_18 = re.compile(r"[0-9]{17}[0-9X]")
_NUMBER_15 = re.compile(r"[0-9]{15}")


def birth_date(value: Any) -> date | None:
    """A birth date as opened (its JSON form, ``YYYY-MM-DD``, or a date), else None."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def age_on(born: date, on: date) -> int:
    """Whole years of age on ``on`` (one born on 29 February completes a year on 1 March
    in other years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def turns(born: date, years: int) -> date | None:
    """The first day aged ``years``; None beyond the calendar (year 9999)."""
    year = born.year + years
    if year > MAXYEAR:
        return None
    try:
        return born.replace(year=year)
    except ValueError:  # born on 29 February, a common year
        return date(year, 3, 1)


class IdSegments(NamedTuple):
    """What an ID number says of its holder: the birth date and the sex (odd sequence
    digit: male), and whether it is an old 15-digit number."""

    born: date
    sex: str
    old: bool


def id_segments(number: Any) -> IdSegments | None:
    """The segments of an 18-character GB 11643-1999 number (birth date in characters
    7–14, sex in the 17th), or of an old 15-digit GB 11643-1989 one (birth date
    ``19YYMMDD`` in characters 7–12, sex in the 15th); None for any other shape or a birth
    segment that is no date, which says nothing to compare."""
    if not isinstance(number, str):
        return None
    text = number.strip().upper()
    if _NUMBER_18.fullmatch(text):
        segment, sex_digit, old = text[6:14], text[16], False
    elif _NUMBER_15.fullmatch(text):
        segment, sex_digit, old = "19" + text[6:12], text[14], True
    else:
        return None
    try:
        born = date(int(segment[:4]), int(segment[4:6]), int(segment[6:]))
    except ValueError:
        return None
    return IdSegments(born, "M" if int(sex_digit) % 2 else "F", old)
