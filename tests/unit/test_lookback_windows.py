"""The read models store look-back candidates with the reference dates at which they
hold; at any date those windows must say exactly what ``candidates()`` says."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.lookback import candidate_windows, candidates
from tests import factories as f
from tests.unit.test_completeness import CONFIG, Stream, ev, marked

ANNUAL = [
    marked("enrolled", "2021-03-01", "marginal"),
    ev("EffectivenessAppraised", {"result": "stable", "summary": "稳定"}, "2022-05-10"),
    ev(
        "WarningReceived",
        {"department": "health", "code": "serious_illness", "summary": "大病"},
        "2022-08-01",
    ),
    ev("ScreeningAnalyzed", {"decision": "key_check", "basis": "预警"}, "2022-10-15"),
    ev("AssistanceApplied", {"channel": "village", "summary": "申请"}, "2024-02-29"),
]


def streams() -> list[Stream]:
    made = []
    for n in range(4):
        stream = Stream(f.county_household(n)[0], household_id=f"hh-{n}")
        for event in f.county_household(n)[1:]:
            stream.add(event)
        made.append(stream)
    annual = Stream()
    for event in ANNUAL:
        annual.add(event)
    return [*made, annual]


STREAMS = streams()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STREAMS), st.dates(date(2020, 1, 1), date(2026, 12, 31)))
def test_windows_hold_exactly_where_candidates_are_found(stream: Stream, day: date) -> None:
    expected = {
        (c.code, c.detail) for c in candidates(stream.household_id, stream.events, CONFIG, day)
    }
    windows = candidate_windows(stream.household_id, stream.events, CONFIG)
    active = {
        (w.code, w.detail)
        for w in windows
        if (w.active_from is None or w.active_from <= day)
        and (w.active_until is None or day < w.active_until)
    }
    assert active == expected


def test_an_annual_appraisal_is_due_a_year_after_enrolment_and_after_each_appraisal() -> None:
    annual = STREAMS[-1]
    windows = [
        (w.active_from, w.active_until)
        for w in candidate_windows(annual.household_id, annual.events, CONFIG)
        if w.code == "LB_NO_ANNUAL_EFFECTIVENESS"
    ]
    # Enrolled 2021-03-01, appraised 2022-05-10: due from 2022-03-01 until that appraisal,
    # and again from 2023-05-10 (the 12 months before it include the same day).
    assert windows == [(date(2022, 3, 1), date(2022, 5, 10)), (date(2023, 5, 10), None)]
    on_time = candidates(annual.household_id, annual.events, CONFIG, date(2023, 5, 9))
    assert "LB_NO_ANNUAL_EFFECTIVENESS" not in {c.code for c in on_time}
