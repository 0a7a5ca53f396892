"""Look-back candidates (回头看, CONTRACT §3): every code, each beside a close case without it."""

from datetime import date
from typing import Any

from ledger.domain.lookback import Candidate, candidates
from tests import factories as f
from tests.unit.test_completeness import (
    CONFIG,
    Stream,
    appraisal,
    assisted,
    confirmed,
    eliminated,
    enrolled,
    ev,
    exit_steps,
    identification,
    notice,
    replaced,
    survey,
    verified,
    without,
)


def found(stream: Stream, on: str = "2024-02-01") -> dict[str, Candidate]:
    listed = candidates(stream.household_id, stream.events, CONFIG, date.fromisoformat(on))
    return {c.code: c for c in listed}


def test_households_whose_procedures_are_complete_are_no_candidates() -> None:
    assert found(eliminated()[0]) == {}
    assert found(enrolled()[0], "2022-01-01") == {}


def test_candidates_say_the_action_they_suggest_and_why() -> None:
    stream, _ = eliminated()
    stream.add(survey("2024-01-10", "lookback", 8000, ("2022-10-01", "2023-09-30")))
    candidate = found(stream)["LB_REMARK_INCOME_BELOW_FLOOR"]
    assert candidate.action == "risk_remarked"
    assert "8000" in candidate.detail
    assert "8050" in candidate.detail
    assert "8000元" in candidate.detail_zh
    assert "2023年监测底线8050元" in candidate.detail_zh
    assert candidate.to_document() == {
        "code": candidate.code,
        "action": candidate.action,
        "detail": candidate.detail,
        "detail_zh": candidate.detail_zh,
    }


# LB_REMARK_INCOME_BELOW_FLOOR


def test_an_eliminated_household_whose_latest_income_is_below_the_floor_is_re_marked() -> None:
    stream, _ = eliminated()
    stream.add(survey("2024-01-10", "lookback", 8000, ("2022-10-01", "2023-09-30")))
    assert set(found(stream)) == {"LB_REMARK_INCOME_BELOW_FLOOR"}


def test_an_eliminated_household_whose_latest_income_is_above_the_floor_is_not() -> None:
    stream, _ = eliminated()
    stream.add(survey("2024-01-10", "lookback", 8100, ("2022-10-01", "2023-09-30")))
    assert found(stream) == {}


# LB_ROLLBACK_NO_LABOR


def _lookback_survey(**data: Any) -> dict[str, Any]:
    return survey("2024-01-10", "lookback", 9000, ("2022-10-01", "2023-09-30"), **data)


def _labor(stream: Stream, m1: str, m2: str) -> None:
    for member, labor in (("m1", m1), ("m2", m2)):
        stream.add(ev("MemberUpdated", {"member_id": member, "labor": labor}, "2024-01-05"))


def test_an_eliminated_household_that_wholly_lacks_labour_is_rolled_back() -> None:
    stream, _ = eliminated()
    stream.add(_lookback_survey(whole_household_lacks_labor=True))
    assert found(stream)["LB_ROLLBACK_NO_LABOR"].action == "elimination_rolled_back"


def test_partial_labour_without_stable_income_from_work_is_rolled_back() -> None:
    stream, _ = eliminated()
    _labor(stream, "none", "partial")
    stream.add(_lookback_survey(stable_income_from_work=False))
    assert "LB_ROLLBACK_NO_LABOR" in found(stream)


def test_partial_labour_with_stable_income_from_work_is_not_rolled_back() -> None:
    stream, _ = eliminated()
    _labor(stream, "none", "partial")
    stream.add(_lookback_survey(stable_income_from_work=True))
    assert "LB_ROLLBACK_NO_LABOR" not in found(stream)


def test_no_present_member_with_any_labour_is_rolled_back() -> None:
    stream, _ = eliminated()
    _labor(stream, "none", "not_applicable")
    assert "LB_ROLLBACK_NO_LABOR" in found(stream)


# LB_ROLLBACK_UNSTABLE


def _delivered(on: str) -> dict[str, Any]:
    return ev(
        "AssistanceDelivered", {"measure_id": "ms1", "delivered_on": on, "summary": "救助金"}, on
    )


def test_assistance_delivered_after_the_elimination_means_still_living_on_measures() -> None:
    stream, _ = eliminated()
    stream.add(_delivered("2023-11-15"))
    assert found(stream)["LB_ROLLBACK_UNSTABLE"].action == "elimination_rolled_back"


def test_a_delivery_before_the_elimination_entered_late_is_not_after_it() -> None:
    stream, _ = eliminated()
    stream.add(_delivered("2023-10-20"))
    assert "LB_ROLLBACK_UNSTABLE" not in found(stream)


def test_an_unstable_effectiveness_appraisal_after_the_elimination_rolls_it_back() -> None:
    stream, _ = eliminated()
    stream.add(
        ev("EffectivenessAppraised", {"result": "unstable", "summary": "不稳"}, "2023-12-01")
    )
    assert "LB_ROLLBACK_UNSTABLE" in found(stream)
    stable, _ = eliminated()
    stable.add(ev("EffectivenessAppraised", {"result": "stable", "summary": "稳"}, "2023-12-01"))
    assert "LB_ROLLBACK_UNSTABLE" not in found(stable)


# LB_WITHDRAW_EXCLUSION and LB_ROLLBACK_MARK_EXCLUSION


def _car_found(filed_card: bool, **county: Any) -> Stream:
    registration = f.registered(
        category="poverty_alleviated" if filed_card else "general", filed_card=filed_card
    )
    monitoring_type = "unstable_alleviated" if filed_card else "marginal"
    steps = identification(monitoring_type)
    steps["county_confirmation"] = confirmed(
        "2021-11-05", monitoring_type=monitoring_type, **county
    )
    stream, _ = enrolled(steps, registration)
    stream.add(
        verified(
            "2022-02-01",
            "lookback",
            findings=[{"exclusion": "consumer_car", "since": "2021-06-01"}],
        )
    )
    return stream


def test_a_non_filed_card_household_with_an_exclusion_before_enrolment_is_withdrawn() -> None:
    assert set(found(_car_found(filed_card=False), "2022-03-01")) == {"LB_WITHDRAW_EXCLUSION"}


def test_a_filed_card_household_with_an_exclusion_has_its_risk_mark_rolled_back() -> None:
    candidates_found = found(_car_found(filed_card=True), "2022-03-01")
    assert "LB_ROLLBACK_MARK_EXCLUSION" in candidates_found
    assert "LB_WITHDRAW_EXCLUSION" not in candidates_found


def test_an_exclusion_explained_by_a_special_inclusion_is_no_candidate() -> None:
    stream = _car_found(filed_card=False, special_inclusion="残疾人代步车，已公开说明")
    assert found(stream, "2022-03-01") == {}


def test_an_exclusion_arising_after_the_enrolment_does_not_count_against_it() -> None:
    stream, _ = enrolled()
    stream.add(
        verified(
            "2022-02-01",
            "lookback",
            findings=[{"exclusion": "consumer_car", "since": "2022-01-15"}],
        )
    )
    assert found(stream, "2022-03-01") == {}


def test_a_household_already_withdrawn_is_no_exclusion_candidate() -> None:
    stream, _ = enrolled()
    stream.run(assisted())
    stream.run(exit_steps())
    assert not {"LB_WITHDRAW_EXCLUSION", "LB_ROLLBACK_MARK_EXCLUSION"} & set(found(stream))


# LB_MEMBER_CHANGE


def test_a_finding_about_a_member_still_present_suggests_a_population_change() -> None:
    stream, _ = enrolled()
    stream.add(
        verified(
            "2022-02-01", "lookback", findings=[{"exclusion": "absent_member", "member_id": "m2"}]
        )
    )
    assert found(stream, "2022-03-01")["LB_MEMBER_CHANGE"].action == "MemberRemoved or a correction"
    stream.add(ev("MemberRemoved", {"member_id": "m2", "reason": "imprisoned"}, "2022-02-10"))
    assert "LB_MEMBER_CHANGE" not in found(stream, "2022-03-01")


def test_an_absent_member_finding_without_a_name_holds_until_a_member_is_removed() -> None:
    stream, _ = enrolled()
    stream.add(verified("2022-02-01", "lookback", findings=[{"exclusion": "absent_member"}]))
    assert "LB_MEMBER_CHANGE" in found(stream, "2022-03-01")
    stream.add(ev("MemberRemoved", {"member_id": "m2", "reason": "death"}, "2022-02-10"))
    assert "LB_MEMBER_CHANGE" not in found(stream, "2022-03-01")


# LB_TYPE_MISMATCH


def test_an_unstable_alleviated_type_on_a_household_that_never_had_a_card_is_wrong() -> None:
    stream, _ = enrolled(identification("unstable_alleviated"))
    assert found(stream, "2022-01-01")["LB_TYPE_MISMATCH"].action == "type_adjusted"
    assert found(enrolled(identification("marginal"))[0], "2022-01-01") == {}


def test_a_marginal_type_identified_at_or_above_the_floor_should_be_sudden_hardship() -> None:
    above = replaced(identification("marginal"), field_survey=survey("2021-10-21", per_capita=6000))
    assert "LB_TYPE_MISMATCH" in found(enrolled(above)[0], "2022-01-01")
    below = replaced(identification("marginal"), field_survey=survey("2021-10-21", per_capita=5999))
    assert "LB_TYPE_MISMATCH" not in found(enrolled(below)[0], "2022-01-01")


def test_a_sudden_hardship_type_identified_below_the_floor_should_be_another_type() -> None:
    below = replaced(identification("sudden_hardship"), field_survey=survey("2021-10-21"))
    assert "LB_TYPE_MISMATCH" in found(enrolled(below)[0], "2022-01-01")
    above = replaced(
        identification("sudden_hardship"), field_survey=survey("2021-10-21", per_capita=7000)
    )
    assert "LB_TYPE_MISMATCH" not in found(enrolled(above)[0], "2022-01-01")


def test_a_type_adjustment_settles_the_mismatch() -> None:
    stream, _ = enrolled(identification("unstable_alleviated"))
    stream.add(
        ev(
            "SystemMarked",
            {"marking": "type_adjusted", "monitoring_type": "marginal"},
            "2021-12-01",
        )
    )
    assert "LB_TYPE_MISMATCH" not in found(stream, "2022-01-01")


# LB_SHOULD_ENROLL


def test_a_household_not_monitored_with_income_below_the_floor_should_be_checked() -> None:
    stream = Stream()
    stream.add(survey("2021-10-21", "annual"))
    assert found(stream, "2021-11-01")["LB_SHOULD_ENROLL"].action == "enrolled after the procedure"
    at_floor = Stream()
    at_floor.add(survey("2021-10-21", "annual", per_capita=6000))
    assert found(at_floor, "2021-11-01") == {}


def test_an_unexplained_exclusion_keeps_a_low_income_household_out() -> None:
    stream = Stream()
    stream.add(survey("2021-10-21", "annual"))
    stream.add(verified("2021-10-25", "annual", findings=[{"exclusion": "operating_business"}]))
    assert "LB_SHOULD_ENROLL" not in found(stream, "2021-11-01")


# LB_TRIGGER_UNVERIFIED


def _warned(screened_on: str | None = None) -> Stream:
    stream = Stream()
    stream.add(
        ev(
            "WarningReceived",
            {"department": "emergency", "code": "disaster", "summary": "泥石流"},
            "2021-10-01",
        )
    )
    if screened_on:
        stream.add(
            ev("ScreeningAnalyzed", {"decision": "no_action", "basis": "核实无损"}, screened_on)
        )
    return stream


def test_a_warning_with_no_screening_within_thirty_days_is_unverified() -> None:
    assert found(_warned(), "2021-11-01")["LB_TRIGGER_UNVERIFIED"].action == "screen and survey"
    assert "LB_TRIGGER_UNVERIFIED" in found(_warned("2021-11-01"), "2021-11-02")


def test_a_warning_screened_on_the_thirtieth_day_is_verified() -> None:
    assert found(_warned("2021-10-31"), "2021-11-01") == {}


def test_a_warning_whose_thirty_days_have_not_passed_is_not_yet_unverified() -> None:
    assert found(_warned(), "2021-10-31") == {}


# LB_NO_ANNUAL_EFFECTIVENESS


def test_a_household_monitored_for_a_year_without_an_effectiveness_appraisal() -> None:
    stream, _ = enrolled()  # enrolled 2021-11-20
    assert found(stream, "2022-11-20")["LB_NO_ANNUAL_EFFECTIVENESS"].action == "appraise"
    assert "LB_NO_ANNUAL_EFFECTIVENESS" not in found(stream, "2022-11-19")


def test_an_effectiveness_appraisal_within_the_twelve_months_is_enough() -> None:
    stream, _ = enrolled()
    stream.add(ev("EffectivenessAppraised", {"result": "stable", "summary": "稳"}, "2021-11-21"))
    assert "LB_NO_ANNUAL_EFFECTIVENESS" not in found(stream, "2022-11-20")
    assert "LB_NO_ANNUAL_EFFECTIVENESS" in found(stream, "2022-11-21")


# LB_MISSING_PROCEDURE


def test_an_episode_missing_a_step_can_still_be_completed() -> None:
    stream, _ = enrolled(without(identification(), "notice"))
    candidate = found(stream, "2022-01-01")["LB_MISSING_PROCEDURE"]
    assert candidate.action == "complete the procedure"
    assert "MISSING_NOTICE" in candidate.detail


def test_a_remedied_step_leaves_nothing_to_complete() -> None:
    stream, events = enrolled(without(identification(), "appraisal"))
    remedy = appraisal("2021-12-15")
    remedy["remedies"] = str(events["marking"].id)
    stream.add(remedy)
    assert found(stream, "2022-01-01") == {}


def test_a_missing_material_is_completed_by_attaching_it() -> None:
    steps = replaced(
        identification(), notice=notice("2021-10-25", "2021-10-29", kinds=["notice_text"])
    )
    stream, events = enrolled(steps)
    assert "MISSING_MATERIAL" in found(stream, "2022-01-01")["LB_MISSING_PROCEDURE"].detail
    stream.add(
        ev(
            "MaterialAttached",
            {"target_event_id": str(events["notice"].id), "note": "补照片"},
            "2021-12-20",
            ("notice_photo",),
        )
    )
    assert found(stream, "2022-01-01") == {}
