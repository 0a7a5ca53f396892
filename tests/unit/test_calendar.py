"""Official working days: the State Council's holidays and make-up working days."""

from datetime import date, timedelta

import pytest

from ledger.domain.calendar import OFFICIAL_CALENDAR, working_days_between

D = date.fromisoformat


def test_the_make_up_days_around_national_day_2021_were_working_days() -> None:
    assert working_days_between(D("2021-09-26"), D("2021-09-26")) == 1  # a Sunday
    assert working_days_between(D("2021-10-09"), D("2021-10-09")) == 1  # a Saturday


def test_national_day_2021_from_the_first_to_the_seventh_was_a_holiday() -> None:
    assert working_days_between(D("2021-10-01"), D("2021-10-07")) == 0


def test_a_notice_from_the_28th_of_september_to_the_8th_of_october_2021_has_four() -> None:
    assert working_days_between(D("2021-09-28"), D("2021-10-08")) == 4


def test_both_ends_are_counted() -> None:
    assert working_days_between(D("2021-10-25"), D("2021-10-29")) == 5
    assert working_days_between(D("2021-10-25"), D("2021-10-25")) == 1


def test_the_count_is_not_monday_to_friday() -> None:
    weekdays = sum(1 for n in range(5) if (D("2021-10-08") + timedelta(days=n)).weekday() < 5)
    assert weekdays == 3
    assert working_days_between(D("2021-10-08"), D("2021-10-12")) == 4


def test_an_end_before_the_start_covers_no_day() -> None:
    assert working_days_between(D("2021-10-12"), D("2021-10-08")) == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2027-01-04", "2027-01-08"),  # not yet published
        ("2003-06-02", "2003-06-06"),  # before the package's data
        ("2026-12-28", "2027-01-05"),  # one end outside is enough
    ],
)
def test_a_year_outside_the_known_arrangements_is_unknown_never_guessed(
    start: str, end: str
) -> None:
    assert working_days_between(D(start), D(end)) is None
    assert not OFFICIAL_CALENDAR.covers(D(end))


def test_the_years_the_package_knows_are_covered() -> None:
    assert OFFICIAL_CALENDAR.covers(D("2004-01-01"))
    assert OFFICIAL_CALENDAR.covers(D("2026-12-31"))
    assert working_days_between(D("2026-12-28"), D("2026-12-31")) == 4


def test_the_extreme_dates_do_not_crash() -> None:
    assert working_days_between(date.min, date.min) is None
    assert working_days_between(date.max, date.max) is None
