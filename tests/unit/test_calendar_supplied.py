"""The official calendar as data: a year's State Council arrangement supplied in the rules
configuration is counted like the package's years; a year nobody supplied stays unknown."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.config import default_text
from ledger.domain.calendar import Arrangement, OfficialCalendar
from ledger.domain.configuration import ConfigurationError, RulesConfiguration
from tests import factories as f
from tests.unit.test_completeness import _identified_with_notice

D = date.fromisoformat
# Invented for the tests (not the real 2027 arrangement): Spring Festival 02-06 to 02-13
# off, Saturday 02-20 worked instead.
ARRANGEMENT_2027 = """
[calendar."2027"]
source = "test arrangement (invented)"
holidays = [2027-01-01, [2027-02-06, 2027-02-13]]
working_days = [2027-02-20]
"""


def _with(text: str) -> RulesConfiguration:
    return RulesConfiguration.from_toml(default_text() + "\n" + text)


def test_a_2027_notice_is_unknown_without_data_and_judged_with_it() -> None:
    # Monday 02-15 to Friday 02-19: five working days, whatever the arrangement.
    assert "CALENDAR_UNKNOWN" in _identified_with_notice("2027-02-15", "2027-02-19")
    supplied = _with(ARRANGEMENT_2027).for_division(f.VILLAGE)
    found = _identified_with_notice("2027-02-15", "2027-02-19", supplied)
    assert "CALENDAR_UNKNOWN" not in found
    assert "NOTICE_TOO_SHORT" not in found


def test_a_2027_notice_over_the_supplied_holiday_is_too_short() -> None:
    # 02-04 (Thu), 02-05 (Fri) work; 02-06 to 02-13 are off; 02-15 works: three.
    assert "CALENDAR_UNKNOWN" in _identified_with_notice("2027-02-04", "2027-02-15")
    supplied = _with(ARRANGEMENT_2027).for_division(f.VILLAGE)
    found = _identified_with_notice("2027-02-04", "2027-02-15", supplied)
    assert "NOTICE_TOO_SHORT" in found
    assert "CALENDAR_UNKNOWN" not in found


def test_a_supplied_make_up_saturday_counts_as_a_working_day() -> None:
    calendar = _with(ARRANGEMENT_2027).calendar
    assert calendar.working_days_between(D("2027-02-20"), D("2027-02-21")) == 1
    assert calendar.working_days_between(D("2027-02-16"), D("2027-02-20")) == 5


def test_a_notice_running_from_a_known_year_into_a_supplied_one_is_counted() -> None:
    calendar = _with(ARRANGEMENT_2027).calendar
    assert OfficialCalendar().working_days_between(D("2026-12-28"), D("2027-01-05")) is None
    # 2026-12-28 to 12-31 (package: four), 2027-01-01 off, 01-04 and 01-05: six.
    assert calendar.working_days_between(D("2026-12-28"), D("2027-01-05")) == 6


def test_a_year_nobody_supplied_stays_unknown() -> None:
    calendar = _with(ARRANGEMENT_2027).calendar
    assert calendar.working_days_between(D("2028-03-06"), D("2028-03-10")) is None
    assert not calendar.covers(D("2028-03-06"))
    assert calendar.covers(D("2027-03-08"))


def test_the_packaged_rules_supply_no_year_of_their_own() -> None:
    assert dict(RulesConfiguration.from_toml(default_text()).calendar.supplied) == {}


def test_the_example_in_the_packaged_rules_loads_once_uncommented() -> None:
    text = default_text()
    example = text[text.index("# [calendar.") :].splitlines()
    assert all(line.startswith("# ") for line in example)
    uncommented = "\n".join(line[2:] for line in example)
    assert "EXAMPLE" in uncommented
    assert sorted(RulesConfiguration.from_toml(text + "\n" + uncommented).calendar.supplied) == [
        2027
    ]


@pytest.mark.parametrize(
    ("arrangement", "message"),
    [
        ('source = "x"\nholidays = [2026-12-31]', "calendar.2027: 2026-12-31 is not in 2027"),
        ('source = "x"\nholidays = [[2027-12-30, 2028-01-02]]', "2028-01-01 is not in 2027"),
        (
            'source = "x"\nholidays = [[2027-02-06, 2027-02-21]]\nworking_days = [2027-02-20]',
            "2027-02-20 is both a holiday and a make-up working day",
        ),
        ("holidays = [2027-01-01]", "calendar.2027.source: name the State Council notice"),
        ('source = "  "\nholidays = [2027-01-01]', "no source"),
        (
            'source = "x"\nworking_days = [2027-02-17]',
            "2027-02-17 is a make-up working day but a Wednesday",
        ),
        ('source = "x"\nholidays = ["2027-01-01"]', "'2027-01-01' is not a date"),
        (
            'source = "x"\nholidays = [[2027-02-13, 2027-02-06]]',
            "is not a date (YYYY-MM-DD) or a [first, last] period",
        ),
        ('source = "x"\nholidays = 2027-01-01', "expected a list of dates"),
        ('source = "x"\nholiday = [2027-01-01]', "unknown keys ['holiday']"),
    ],
)
def test_a_mistaken_arrangement_is_refused_at_load_naming_it(
    arrangement: str, message: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        _with(f'[calendar."2027"]\n{arrangement}\n')
    assert message in str(refused.value)


def test_a_year_the_package_covers_must_agree_with_it() -> None:
    with pytest.raises(ConfigurationError) as refused:
        _with('[calendar."2021"]\nsource = "x"\nholidays = [[2021-10-01, 2021-10-07]]\n')
    # The make-up days 09-26 and 10-09 are missing, and the other holidays of the year.
    assert "the chinesecalendar package, which covers 2021, differs on" in str(refused.value)
    assert "2021-01-01 (a day off)" in str(refused.value)


def test_a_year_that_is_not_four_digits_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"calendar\.27: a year is four digits"):
        _with('[calendar."27"]\nsource = "x"\n')


# The count against a brute-force count, on supplied arrangements of every shape.

YEAR = 2030
_DAYS = st.dates(date(YEAR, 1, 1), date(YEAR, 12, 31))


@st.composite
def arrangements(draw: st.DrawFn) -> Arrangement:
    holidays = draw(st.frozensets(_DAYS, max_size=40))
    weekends = draw(st.frozensets(_DAYS.filter(lambda d: d.weekday() >= 5), max_size=10))
    return Arrangement(YEAR, holidays, weekends - holidays, "drawn")


@given(arrangements(), _DAYS, st.integers(min_value=-5, max_value=400))
def test_the_working_day_count_is_the_brute_force_count(
    arrangement: Arrangement, start: date, length: int
) -> None:
    assert arrangement.problems() == []
    end = start + timedelta(days=length)
    counted = OfficialCalendar({YEAR: arrangement}).working_days_between(start, end)
    if end.year > YEAR:
        assert counted is None  # 2031: nobody supplied it
        return
    brute = 0
    day = start
    while day <= end:
        off = day in arrangement.holidays
        worked = day in arrangement.working_days
        brute += 1 if worked or (not off and day.weekday() < 5) else 0
        day += timedelta(days=1)
    assert counted == brute


@given(st.dates(date(2004, 1, 1), date(2026, 12, 31)))
def test_an_arrangement_copied_from_the_package_agrees_with_it(day: date) -> None:
    calendar = OfficialCalendar()
    year = [
        day.replace(month=1, day=1) + timedelta(days=n)
        for n in range(366)
        if (day.replace(month=1, day=1) + timedelta(days=n)).year == day.year
    ]
    holidays = frozenset(
        d for d in year if d.weekday() < 5 and calendar.working_days_between(d, d) == 0
    )
    worked = frozenset(
        d for d in year if d.weekday() >= 5 and calendar.working_days_between(d, d) == 1
    )
    assert Arrangement(day.year, holidays, worked, "copied").problems() == []
