"""Every gap and every look-back candidate explains itself in Chinese too (CONTRACT §7.5):
``detail_zh`` says what ``detail`` says for county staff, naming events by their types'
Chinese labels and dates, never by their ids or their English type names."""

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ledger.config import load_default
from ledger.domain.catalog import CATALOG
from ledger.domain.completeness import assess
from ledger.domain.configuration import RulesConfig
from ledger.domain.events import HouseholdEvent
from ledger.domain.gaps import GapCode
from ledger.domain.household import Household
from ledger.domain.lookback import candidate_windows, candidates
from ledger.domain.lookback.rules import RULES as LOOKBACK_RULES
from tests import factories as f
from tests.unit import test_completeness as c
from tests.unit import test_lookback as lb
from tests.unit.test_rules_never_crash import HOUSEHOLD_ID, histories

CONFIGURATION = load_default()
_CJK = re.compile(r"[\u4e00-\u9fff]")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def assert_written_for_county_staff(text: str, events: list[HouseholdEvent]) -> None:
    """Chinese, every sentence; no event id (the ledger's uuids or these events'); no
    English event type name."""
    assert text
    assert _CJK.search(text), text
    sentences = [s for s in re.split(r"[。；]", text) if s.strip()]
    assert [s for s in sentences if not _CJK.search(s)] == [], text
    assert not _UUID.search(text), text
    assert [str(e.id) for e in events if str(e.id) in text] == [], text
    assert [name for name in CATALOG if name in text] == [], text


# One household that has each gap code (the cases of test_completeness), its config.
Case = Callable[[], tuple[c.Stream, RulesConfig]]


def _identification(**changes: c.Json) -> Case:
    return lambda: (c.enrolled(c.replaced(c.identification(), **changes))[0], c.CONFIG)


def _missing(step: str) -> Case:
    return lambda: (c.enrolled(c.without(c.identification(), step))[0], c.CONFIG)


def _missing_in_elimination(step: str) -> Case:
    return lambda: (c.eliminated(c.without(c.elimination(), step))[0], c.CONFIG)


def _objection(resolved_on: str | None, outcome: str = "dismissed") -> Case:
    return lambda: (c._with_objection(resolved_on, outcome), c.CONFIG)


def _eliminated_on(per_capita: int, period_end: str) -> Case:
    def case() -> tuple[c.Stream, RulesConfig]:
        start = f"{int(period_end[:4]) - 1}-10-01"
        survey = c.survey(
            "2023-09-26",
            "elimination",
            per_capita,
            (start, period_end),
            ("survey_form", "income_sheet", "elimination_assessment"),
        )
        return c.eliminated(c.replaced(c.elimination(), field_survey=survey))[0], c.CONFIG

    return case


def _late_plan() -> tuple[c.Stream, RulesConfig]:
    steps = c.replaced(
        c.identification(),
        village_decision=c.ev(
            "VillageCommitteeDecided",
            {"purpose": "identification", "decision": "propose"},
            "2021-10-23",
        ),
    )
    marking = steps.pop("marking")
    stream, _ = c.enrolled(steps)
    stream.add(
        c.ev(
            "AssistancePlanned",
            {"measure_id": "ms1", "category": "health", "summary": "大病救助"},
            "2021-11-10",
        )
    )
    stream.add(marking)
    return stream, c.CONFIG


def _wrong_exit() -> tuple[c.Stream, RulesConfig]:
    registration = f.registered(category="poverty_alleviated", filed_card=True)
    stream, _ = c.enrolled(c.identification("unstable_alleviated"), registration)
    stream.run(c.assisted())
    stream.run(c.exit_steps("withdrawn"))
    return stream, c.CONFIG


def _remedied() -> tuple[c.Stream, RulesConfig]:
    stream, events = c.enrolled(c.without(c.identification(), "appraisal"))
    remedy = c.appraisal("2022-03-15")
    remedy["remedies"] = str(events["marking"].id)
    stream.add(remedy)
    return stream, c.CONFIG


def _elsewhere() -> tuple[c.Stream, RulesConfig]:
    stream, _ = c.enrolled(
        c.replaced(c.identification(), notice=c.notice("2021-10-25", "2021-10-25"))
    )
    return stream, CONFIGURATION.for_division("110101001001")


def _late_department_check() -> tuple[c.Stream, RulesConfig]:
    steps = {"comparison": c.verified("2021-10-15"), **c.identification()}
    steps["department_check"] = c.verified("2021-11-06")
    return c.enrolled(steps)[0], c.CONFIG


GAP_CASES: dict[GapCode, Case] = {
    GapCode.MISSING_SCREENING: _missing("screening"),
    GapCode.MISSING_FIELD_SURVEY: _missing("field_survey"),
    GapCode.MISSING_APPLICATION: _missing("application"),
    GapCode.MISSING_AUTHORIZATION: _missing("authorization"),
    GapCode.MISSING_APPRAISAL: _missing("appraisal"),
    GapCode.MISSING_VILLAGE_DECISION: _missing("village_decision"),
    GapCode.MISSING_ASSISTANCE_PLAN: _missing("village_decision"),
    GapCode.MISSING_NOTICE: _missing("notice"),
    GapCode.MISSING_TOWNSHIP_REVIEW: _missing("township_review"),
    GapCode.MISSING_DEPARTMENT_CHECK: _late_department_check,
    GapCode.MISSING_COUNTY_CONFIRMATION: _missing("county_confirmation"),
    GapCode.MISSING_EFFECTIVENESS_APPRAISAL: _missing_in_elimination("effectiveness_appraisal"),
    GapCode.MISSING_INFORMED_CONSENT: _missing_in_elimination("informed_consent"),
    GapCode.MISSING_MATERIAL: _identification(
        notice=c.notice("2021-10-25", "2021-10-29", kinds=["notice_text"])
    ),
    GapCode.NOTICE_TOO_SHORT: _identification(notice=c.notice("2021-10-25", "2021-10-28")),
    GapCode.NOTICE_CHANNEL_MISSING: _identification(
        notice=c.notice("2021-10-25", "2021-10-29", channels=["village_board"])
    ),
    GapCode.NOTICE_LENGTH_NOT_CONFIGURED: _elsewhere,
    GapCode.OBJECTION_UNRESOLVED: _objection("2021-11-02"),
    GapCode.OBJECTION_UPHELD: _objection("2021-10-30", "upheld"),
    GapCode.OUT_OF_ORDER: _identification(notice=c.notice("2021-10-29", "2021-11-02")),
    GapCode.STEP_REJECTED: _identification(appraisal=c.appraisal("2021-10-22", result="rejected")),
    GapCode.EXCLUSION_FOUND: _identification(
        department_check=c.verified(
            "2021-10-22", findings=[{"exclusion": "consumer_car", "since": "2021-06-01"}]
        )
    ),
    GapCode.QUICK_IN_OUT: lambda: (c.eliminated(help_given=False)[0], c.CONFIG),
    GapCode.INCOME_BELOW_FLOOR: _eliminated_on(8000, "2023-09-30"),
    GapCode.LATE_ASSISTANCE_PLAN: _late_plan,
    GapCode.DEPARTMENT_CHECK_INCOMPLETE: lambda: (
        c.enrolled()[0],
        c._requiring("public_security", "natural_resources"),
    ),
    GapCode.WRONG_EXIT_FOR_CARD_STATUS: _wrong_exit,
    GapCode.REMEDIED_LATE: _remedied,
    GapCode.FLOOR_NOT_CONFIGURED: _eliminated_on(5000, "2024-09-30"),
    GapCode.CALENDAR_UNKNOWN: _identification(notice=c.notice("2027-10-25", "2027-10-26")),
}


def test_every_gap_code_has_a_case_here() -> None:
    assert set(GAP_CASES) == set(GapCode)


@pytest.mark.parametrize("code", list(GapCode), ids=str)
def test_every_gap_says_in_chinese_what_its_detail_says(code: GapCode) -> None:
    stream, config = GAP_CASES[code]()
    gaps = [g for e in stream.report(config).episodes for g in e.gaps if g.code == code]
    assert gaps, f"the case of {code} does not have it"
    for gap in gaps:
        assert gap.detail  # the English detail keeps naming the events by id
        assert_written_for_county_staff(gap.detail_zh, stream.events)
        assert gap.to_document()["detail_zh"] == gap.detail_zh


def test_a_gaps_chinese_detail_gives_the_numbers_dates_and_labels_of_its_rule() -> None:
    stream, config = GAP_CASES[GapCode.NOTICE_TOO_SHORT]()
    [gap] = [g for g in stream.episode(config=config).gaps if g.code == "NOTICE_TOO_SHORT"]
    assert "2021年10月25日的“公示”记录" in gap.detail_zh
    assert "2021年10月28日" in gap.detail_zh
    assert "4个工作日" in gap.detail_zh
    assert "5个" in gap.detail_zh
    stream, config = GAP_CASES[GapCode.INCOME_BELOW_FLOOR]()
    [gap] = stream.episode(config=config).gaps
    assert "8000元" in gap.detail_zh
    assert "2023年监测底线8050元" in gap.detail_zh
    assert "“风险消除”标注" in gap.detail_zh
    stream, config = GAP_CASES[GapCode.NOTICE_CHANNEL_MISSING]()
    details = [g.detail_zh for g in stream.episode(config=config).gaps]
    assert any("“村公开栏”" in d and "“村民小组公开场所”" in d for d in details)


# One household that has each look-back code (the cases of test_lookback), on a date.
LookbackCase = Callable[[], tuple[c.Stream, str]]


def _eliminated_then(*events: c.Json) -> c.Stream:
    stream, _ = c.eliminated()
    for event in events:
        stream.add(event)
    return stream


def _no_labor() -> tuple[c.Stream, str]:
    stream, _ = c.eliminated()
    lb._labor(stream, "none", "partial")
    stream.add(lb._lookback_survey(stable_income_from_work=False))
    return stream, "2024-02-01"


def _member_change() -> tuple[c.Stream, str]:
    stream, _ = c.enrolled()
    stream.add(
        c.verified(
            "2022-02-01", "lookback", findings=[{"exclusion": "absent_member", "member_id": "m2"}]
        )
    )
    stream.add(c.verified("2022-02-02", "lookback", findings=[{"exclusion": "absent_member"}]))
    return stream, "2022-03-01"


def _should_enroll() -> tuple[c.Stream, str]:
    stream = c.Stream()
    stream.add(c.survey("2021-10-21", "annual"))
    return stream, "2021-11-01"


LOOKBACK_CASES: dict[str, LookbackCase] = {
    "LB_REMARK_INCOME_BELOW_FLOOR": lambda: (
        _eliminated_then(c.survey("2024-01-10", "lookback", 8000, ("2022-10-01", "2023-09-30"))),
        "2024-02-01",
    ),
    "LB_ROLLBACK_NO_LABOR": _no_labor,
    "LB_ROLLBACK_UNSTABLE": lambda: (
        _eliminated_then(
            lb._delivered("2023-11-15"),
            c.ev("EffectivenessAppraised", {"result": "unstable", "summary": "不稳"}, "2023-12-01"),
        ),
        "2024-02-01",
    ),
    "LB_WITHDRAW_EXCLUSION": lambda: (lb._car_found(filed_card=False), "2022-03-01"),
    "LB_ROLLBACK_MARK_EXCLUSION": lambda: (lb._car_found(filed_card=True), "2022-03-01"),
    "LB_MEMBER_CHANGE": _member_change,
    "LB_TYPE_MISMATCH": lambda: (
        c.enrolled(
            c.replaced(
                c.identification("unstable_alleviated"),
                field_survey=c.survey("2021-10-21", per_capita=6000),
            )
        )[0],
        "2022-01-01",
    ),
    "LB_SHOULD_ENROLL": _should_enroll,
    "LB_TRIGGER_UNVERIFIED": lambda: (lb._warned(), "2021-11-01"),
    "LB_NO_ANNUAL_EFFECTIVENESS": lambda: (c.enrolled()[0], "2022-11-20"),
    "LB_MISSING_PROCEDURE": lambda: (
        c.enrolled(
            c.replaced(
                c.without(c.identification(), "appraisal"),
                notice=c.notice("2021-10-25", "2021-10-29", kinds=["notice_text"]),
            )
        )[0],
        "2022-01-01",
    ),
}


def test_every_look_back_code_has_a_case_here() -> None:
    assert set(LOOKBACK_CASES) == {code for code, _, _ in LOOKBACK_RULES}


@pytest.mark.parametrize("code", sorted(LOOKBACK_CASES))
def test_every_candidate_says_in_chinese_what_its_detail_says(code: str) -> None:
    stream, on = LOOKBACK_CASES[code]()
    reference = date.fromisoformat(on)
    found = {x.code: x for x in candidates(stream.household_id, stream.events, c.CONFIG, reference)}
    assert code in found, f"the case of {code} does not have it"
    candidate = found[code]
    assert_written_for_county_staff(candidate.detail_zh, stream.events)
    assert candidate.to_document()["detail_zh"] == candidate.detail_zh
    windows = [
        w
        for w in candidate_windows(stream.household_id, stream.events, c.CONFIG)
        if w.code == code
        and (w.active_from is None or w.active_from <= reference)
        and (w.active_until is None or reference < w.active_until)
    ]
    assert [(w.detail, w.detail_zh) for w in windows] == [(candidate.detail, candidate.detail_zh)]


def test_a_candidate_of_several_reasons_gives_each_in_chinese_in_the_same_order() -> None:
    stream, on = LOOKBACK_CASES["LB_ROLLBACK_UNSTABLE"]()
    [candidate] = candidates(stream.household_id, stream.events, c.CONFIG, date.fromisoformat(on))
    assert candidate.detail.count("AssistanceDelivered") == 1
    assert candidate.detail.index("AssistanceDelivered") < candidate.detail.index(
        "EffectivenessAppraised"
    )
    assert candidate.detail_zh.index("“落实帮扶”") < candidate.detail_zh.index("“帮扶成效评议”")
    assert candidate.detail_zh.count("。") == 2
    assert "落实日期2023年11月15日" in candidate.detail_zh


def test_the_missing_procedure_names_each_gap_by_its_chinese_label() -> None:
    stream, on = LOOKBACK_CASES["LB_MISSING_PROCEDURE"]()
    found = candidates(stream.household_id, stream.events, c.CONFIG, date.fromisoformat(on))
    [candidate] = [x for x in found if x.code == "LB_MISSING_PROCEDURE"]
    assert GapCode.MISSING_APPRAISAL.label_zh in candidate.detail_zh
    assert GapCode.MISSING_MATERIAL.label_zh in candidate.detail_zh
    assert "2021年11月20日的“纳入监测”标注" in candidate.detail_zh


SETTINGS: dict[str, Any] = {
    "max_examples": 100,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(**SETTINGS)
@given(history=histories())
def test_every_gap_and_candidate_of_any_valid_history_has_a_chinese_detail(
    history: tuple[Household, list[HouseholdEvent]],
) -> None:
    household, events = history
    config = CONFIGURATION.for_division(household.village_code)
    for episode in assess(HOUSEHOLD_ID, events, config).episodes:
        for gap in episode.gaps:
            assert_written_for_county_staff(gap.detail_zh, events)
    for window in candidate_windows(HOUSEHOLD_ID, events, config):
        assert window.detail
        assert_written_for_county_staff(window.detail_zh, events)
