"""Official working days (工作日): the State Council's holiday arrangements (国务院办公厅
关于部分节假日安排的通知), with their make-up working days (调休上班).

A notice of "5 个工作日" (002 §三(四)) is counted on this calendar, never on Monday to
Friday: around National Day 2021, for example, Sunday 09-26 and Saturday 10-09 were working
days and 10-01 to 10-07 were not. The arrangements come from the ``chinesecalendar``
package, which knows the years it was published for (2004–2026 in 1.11); for any other
year the answer is ``None`` — unknown, so the rule that needed it is not judged — rather
than a guess. Only this module imports the package.

The State Council publishes each next year's arrangement in November, often before the
package is released for it. Operators supply such a year in the rules configuration
(``[calendar."2027"]``, read by ``configuration``) as an ``Arrangement``: its holidays,
its make-up working days and the notice's number as ``source``. The package stays the
source for the years it covers; a supplied year it also covers must agree with it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Protocol

import chinese_calendar  # type: ignore[import-untyped]  # the package ships no type hints


class WorkingDayCalendar(Protocol):
    """What the completeness rules need of a calendar."""

    def working_days_between(self, start: date, end: date) -> int | None:
        """Working days from ``start`` to ``end``, both counted; ``None`` if unknown."""


@dataclass(frozen=True)
class Arrangement:
    """One year's holiday arrangement (国务院办公厅关于 YYYY 年部分节假日安排的通知): the
    days off (放假) and the weekend days worked instead (调休上班); every other Monday to
    Friday is a working day."""

    year: int
    holidays: frozenset[date]
    working_days: frozenset[date]
    source: str  # the notice's number, e.g. 国办发明电〔2025〕7号

    def problems(self) -> list[str]:
        """What is wrong with the arrangement as supplied; empty when it is sound."""
        found = [
            f"{day} is not in {self.year}"
            for day in sorted(self.holidays | self.working_days)
            if day.year != self.year
        ]
        found += [
            f"{day} is both a holiday and a make-up working day"
            for day in sorted(self.holidays & self.working_days)
        ]
        found += [
            f"{day} is a make-up working day but a {day:%A} (make-up days are weekend days)"
            for day in sorted(self.working_days)
            if day.weekday() < 5
        ]
        if not self.source.strip():
            found.append("no source: name the State Council notice (e.g. 国办发明电〔…〕N号)")
        if package_covers(self.year):
            differ = [
                f"{day} ({'a working day' if works else 'a day off'})"
                for day in _days_of(self.year)
                if self.is_working_day(day) != (works := _is_working_day(day))
            ]
            if differ:
                more = f" and {len(differ) - 5} more" if len(differ) > 5 else ""
                found.append(
                    f"the chinesecalendar package, which covers {self.year}, "
                    f"differs on {', '.join(differ[:5])}{more}"
                )
        return found

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.working_days or day.weekday() < 5


class OfficialCalendar:
    """The State Council's working days, for the years the arrangements are known: those of
    the ``chinesecalendar`` package and those ``supplied`` (by the rules configuration)."""

    def __init__(self, supplied: Mapping[int, Arrangement] | None = None) -> None:
        self.supplied = MappingProxyType(
            {
                year: arrangement
                for year, arrangement in (supplied or {}).items()
                if not package_covers(year)
            }
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (OfficialCalendar, (dict(self.supplied),))

    def __eq__(self, other: object) -> bool:  # two parsings of one file give equal configs
        return isinstance(other, OfficialCalendar) and self.supplied == other.supplied

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.supplied.items())))

    def working_days_between(self, start: date, end: date) -> int | None:
        if end < start:
            return 0
        if not all(self._year_known(year) for year in range(start.year, end.year + 1)):
            return None
        days = (end - start).days + 1
        return sum(1 for n in range(days) if self._is_working_day(start + timedelta(days=n)))

    def covers(self, day: date) -> bool:
        """Whether the official arrangement of ``day``'s year is known."""
        return self._year_known(day.year)

    def _year_known(self, year: int) -> bool:
        return year in self.supplied or package_covers(year)

    def _is_working_day(self, day: date) -> bool:
        arrangement = self.supplied.get(day.year)
        return arrangement.is_working_day(day) if arrangement else _is_working_day(day)


OFFICIAL_CALENDAR = OfficialCalendar()


def working_days_between(start: date, end: date) -> int | None:
    """Official working days from ``start`` to ``end``, both ends counted, or ``None`` when
    a year in between is outside the known arrangements (→ ``CALENDAR_UNKNOWN``)."""
    return OFFICIAL_CALENDAR.working_days_between(start, end)


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year, 12, 31) - first).days + 1)]


@lru_cache(maxsize=256)
def package_covers(year: int) -> bool:
    """Whether the ``chinesecalendar`` package knows the arrangement of ``year``."""
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
