"""Official working days (工作日): the State Council's holiday arrangements (国务院办公厅
关于部分节假日安排的通知), with their make-up working days (调休上班).

A notice of "5 个工作日" (002 §三(四)) is counted on this calendar, never on Monday to
Friday: around National Day 2021, for example, Sunday 09-26 and Saturday 10-09 were working
days and 10-01 to 10-07 were not. The arrangements come from the ``chinesecalendar``
package, which knows the years it was published for (2004–2026 in 1.11); for any other
year the answer is ``None`` — unknown, so the rule that needed it is not judged — rather
than a guess. Only this module imports the package.
"""

from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints


class WorkingDayCalendar(Protocol):
    """What the completeness rules need of a calendar."""

    def working_days_between(self, start: date, end: date) -> int | None:
        """Working days from ``start`` to ``end``, both counted; ``None`` if unknown."""


class OfficialCalendar:
    """The State Council's working days, for the years the arrangements are known."""

    def working_days_between(self, start: date, end: date) -> int | None:
        if end < start:
            return 0
        if not all(_year_known(year) for year in range(start.year, end.year + 1)):
            return None
        days = (end - start).days + 1
        return sum(1 for n in range(days) if _is_working_day(start + timedelta(days=n)))

    def covers(self, day: date) -> bool:
        """Whether the official arrangement of ``day``'s year is known."""
        return _year_known(day.year)


OFFICIAL_CALENDAR = OfficialCalendar()


def working_days_between(start: date, end: date) -> int | None:
    """Official working days from ``start`` to ``end``, both ends counted, or ``None`` when
    a year in between is outside the known arrangements (→ ``CALENDAR_UNKNOWN``)."""
    return OFFICIAL_CALENDAR.working_days_between(start, end)


@lru_cache(maxsize=256)
def _year_known(year: int) -> bool:
    if year < date.min.year or year > date.max.year:
        return False
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:  # the package's way of saying "not published for that year"
        return False
    return True


@lru_cache(maxsize=8192)  # the package scans its whole holiday table on every call (~8 µs)
def _is_working_day(day: date) -> bool:
    return bool(chinese_calendar.is_workday(day))
