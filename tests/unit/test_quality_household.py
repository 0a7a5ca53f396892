"""Data-quality findings judged on one household (CONTRACT §7.5): every ``DQ_*`` code of a
household's own, each beside a close case without it.

Histories are recorded through the ledger's own rules (``tests.unit.test_completeness``'s
``Stream``: ``decide_sealed``), so members' ID numbers and birth dates are commitments in
the events and the state; the rules read them through the openings a vault would give.
"""

from dataclasses import replace
from datetime import date
from typing import Any

from ledger.domain.configuration import RulesConfig
from ledger.domain.configuration.values import Sourced
from ledger.domain.idnumber import with_check_digit
from ledger.domain.quality import NO_OPENINGS, Finding, Openings, assess_quality
from ledger.domain.quality.ages import age_on, id_segments, turns
from ledger.domain.quality.household import HouseholdQuality
from tests import factories as f
from tests.unit.test_completeness import (
    CONFIG,
    Stream,
    confirmed,
    enrolled,
    ev,
    identification,
    marked,
    replaced,
    survey,
)

Json = dict[str, Any]
INDEX_KEY = b"an index key for the tests"
ON = "2022-01-01"  # a reference date after every case's events


def openings(stream: Stream) -> Openings:
    """What the vault would open of the stream's commitments."""
    return Openings({s.commitment: s.value for s in stream.sealed}, INDEX_KEY)


def assessed(
    stream: Stream, config: RulesConfig = CONFIG, opened: Openings | None = None
) -> HouseholdQuality:
    return assess_quality(
        stream.household_id,
        stream.events,
        stream.household,
        config,
        openings(stream) if opened is None else opened,
    )


def found(
    stream: Stream, on: str = ON, config: RulesConfig = CONFIG, opened: Openings | None = None
) -> dict[str, list[Finding]]:
    """The findings that hold at ``on``, by code."""
    by_code: dict[str, list[Finding]] = {}
    for finding in assessed(stream, config, opened).findings:
        if finding.active_at(date.fromisoformat(on)):
            by_code.setdefault(finding.code.value, []).append(finding)
    return by_code


def household(*members: Json, **registration: Any) -> Stream:
    return Stream(f.registered(members=list(members), **registration))


HEAD = f.member("m1")
SPOUSE = f.member("m2", "spouse", sex="F")


def member(member_id: str, relation: str, born: str, **fields: Any) -> Json:
    """A member born ``born`` whose ID number agrees with its birth date and sex."""
    sex = fields.pop("sex", "M")
    serial = int(member_id[1:]) * 2 + (1 if sex == "M" else 0)
    return f.member(
        member_id,
        relation,
        sex=sex,
        birth_date=born,
        id_number=f.id_number(serial, born.replace("-", "")),
        **fields,
    )


def with_thresholds(**values: Any) -> RulesConfig:
    changed = {name: Sourced(value, "a test's threshold") for name, value in values.items()}
    return replace(CONFIG, quality=replace(CONFIG.quality, **changed))


def plan(measure_id: str, category: str, on: str) -> Json:
    return ev(
        "AssistancePlanned",
        {"measure_id": measure_id, "category": category, "summary": "帮扶"},
        on,
    )


def delivery(measure_id: str, on: str) -> Json:
    return ev(
        "AssistanceDelivered",
        {"measure_id": measure_id, "delivered_on": on, "amount": 500, "summary": "落实"},
        on,
    )


def deciding(*measures: str) -> dict[str, Json]:
    """A complete identification whose village committee proposes ``measures``."""
    decision = ev(
        "VillageCommitteeDecided",
        {"purpose": "identification", "decision": "propose", "measures": list(measures)},
        "2021-10-23",
    )
    return replaced(identification(), village_decision=decision)


def updated(member_id: str, on: str = "2021-10-21", **changes: Any) -> Json:
    return ev("MemberUpdated", {"member_id": member_id, **changes}, on)


# DQ_ID_BIRTH_MISMATCH and DQ_ID_SEX_MISMATCH


def test_an_id_number_whose_birth_segment_differs_from_the_birth_date_is_a_finding() -> None:
    stream = household(f.member("m1", birth_date="1980-01-02"), SPOUSE)
    [finding] = found(stream)["DQ_ID_BIRTH_MISMATCH"]
    assert "m1" in finding.detail
    assert finding.events == (str(stream.events[0].id),)
    # Neither the number nor either date is written out.
    for text in (finding.detail, finding.detail_zh):
        assert f.id_number(1) not in text
        assert "1980" not in text


def test_an_id_number_that_agrees_with_the_birth_date_and_sex_is_no_finding() -> None:
    stream = household(HEAD, SPOUSE)
    assert not {"DQ_ID_BIRTH_MISMATCH", "DQ_ID_SEX_MISMATCH"} & set(found(stream))


def test_an_id_number_whose_sex_digit_differs_from_the_sex_is_a_finding() -> None:
    odd = f.id_number(3)  # a man's number
    stream = household(HEAD, f.member("m2", "spouse", sex="F", id_number=odd))
    [finding] = found(stream)["DQ_ID_SEX_MISMATCH"]
    assert "m2" in finding.detail
    assert "odd" in finding.detail
    assert "奇数" in finding.detail_zh
    assert "DQ_ID_BIRTH_MISMATCH" not in found(stream)


def test_a_number_whose_birth_segment_is_no_date_is_not_judged() -> None:
    month_13 = with_check_digit("530925" + "19801301" + "001")
    stream = household(f.member("m1", id_number=month_13, sex="F"), SPOUSE)
    assert not {"DQ_ID_BIRTH_MISMATCH", "DQ_ID_SEX_MISMATCH"} & set(found(stream))


def test_values_that_do_not_open_are_not_judged() -> None:
    stream = household(f.member("m1", birth_date="1980-01-02", sex="F"), SPOUSE)
    assert "DQ_ID_BIRTH_MISMATCH" in found(stream)
    assert not {"DQ_ID_BIRTH_MISMATCH", "DQ_ID_SEX_MISMATCH"} & set(
        found(stream, opened=NO_OPENINGS)
    )


def test_an_old_15_digit_number_is_read_with_its_19yymmdd_birth_and_15th_digit_sex() -> None:
    assert id_segments("530925800101003") == (date(1980, 1, 1), "M", True)
    assert id_segments("530925800101002") == (date(1980, 1, 1), "F", True)
    assert id_segments(" 53092519800101001x ".replace("x", "X")) is not None
    assert id_segments("530925801301003") is None  # month 13
    assert id_segments("53092519800101") is None


# DQ_HEAD_COUNT


def test_a_household_left_without_its_head_or_with_two_is_a_finding() -> None:
    stream = household(HEAD, SPOUSE)
    removal = stream.add(ev("MemberRemoved", {"member_id": "m1", "reason": "death"}, "2021-11-01"))
    [finding] = found(stream)["DQ_HEAD_COUNT"]
    assert str(removal.id) in finding.events
    assert finding.detail.startswith("0 present members")
    two = household(HEAD, SPOUSE)
    two.add(
        ev(
            "MemberAdded",
            {"member": member("m3", "head", "1982-02-02"), "reason": "return"},
            "2021-11-01",
        )
    )
    assert "户主2人" in found(two)["DQ_HEAD_COUNT"][0].detail_zh


def test_a_household_with_one_present_head_is_no_finding() -> None:
    assert "DQ_HEAD_COUNT" not in found(household(HEAD, SPOUSE))


# DQ_HEAD_SPOUSE_SAME_SEX


def test_a_head_and_spouse_of_the_same_sex_is_a_finding() -> None:
    stream = household(HEAD, member("m2", "spouse", "1981-01-01", sex="M"))
    [finding] = found(stream)["DQ_HEAD_SPOUSE_SAME_SEX"]
    assert "m1" in finding.detail
    assert "m2" in finding.detail


def test_a_head_and_spouse_of_different_sexes_is_no_finding() -> None:
    assert "DQ_HEAD_SPOUSE_SAME_SEX" not in found(household(HEAD, SPOUSE))


# DQ_AGE_LABOR


def test_a_member_aged_60_at_the_survey_with_full_labour_is_a_finding() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "parent", "1961-10-21"))
    stream.add(survey("2021-10-21"))  # the 60th birthday
    [finding] = found(stream)["DQ_AGE_LABOR"]
    assert "m3" in finding.detail
    assert "60" in finding.detail_zh
    assert (finding.active_from, finding.active_until) == (None, None)


def test_a_member_aged_59_at_the_survey_or_with_partial_labour_is_no_finding() -> None:
    younger = household(HEAD, SPOUSE, member("m3", "parent", "1961-10-22"))
    younger.add(survey("2021-10-21"))
    assert "DQ_AGE_LABOR" not in found(younger)
    partial = household(HEAD, SPOUSE, member("m3", "parent", "1950-01-01", labor="partial"))
    partial.add(survey("2021-10-21"))
    assert "DQ_AGE_LABOR" not in found(partial)


def test_a_child_under_16_at_the_survey_with_partial_labour_is_a_finding() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "child", "2010-05-01", labor="partial"))
    stream.add(survey("2021-10-21"))
    assert "under 16" in found(stream)["DQ_AGE_LABOR"][0].detail


def test_a_child_under_16_without_labour_is_no_finding() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "child", "2010-05-01", labor="not_applicable"))
    stream.add(survey("2021-10-21"))
    assert "DQ_AGE_LABOR" not in found(stream)


def test_without_a_survey_age_counts_at_the_reference_date_as_a_window() -> None:
    stream = household(
        HEAD,
        SPOUSE,
        member("m3", "parent", "1962-03-05"),
        member("m4", "child", "2010-05-01", labor="partial"),
    )

    def of(member_id: str, on: str) -> list[Finding]:
        return [x for x in found(stream, on).get("DQ_AGE_LABOR", []) if member_id in x.detail]

    assert of("m3", "2022-03-04") == []
    [elderly] = of("m3", "2022-03-05")
    assert (elderly.active_from, elderly.active_until) == (date(2022, 3, 5), None)
    assert "reference date" in elderly.detail
    assert "1962" not in elderly.detail + elderly.detail_zh  # no birth date
    [child] = of("m4", "2026-04-30")
    assert (child.active_from, child.active_until) == (None, date(2026, 5, 1))
    assert of("m4", "2026-05-01") == []


def test_a_window_that_closed_before_the_household_was_registered_is_not_kept() -> None:
    # Every grown-up with labour would otherwise carry an "under 16" window for good,
    # holding only at reference dates before the ledger knew the household (registered
    # 2021-10-20): the head and spouse (born 1980), and m3, 16 on 2021-06-01.
    def under_16(stream: Stream) -> list[Finding]:
        return [
            x
            for x in assessed(stream).findings
            if x.code.value == "DQ_AGE_LABOR" and x.active_until is not None
        ]

    assert (
        under_16(household(HEAD, SPOUSE, member("m3", "child", "2005-06-01", labor="partial")))
        == []
    )
    # The near miss: a child who turns 16 after the registration keeps its window.
    child = household(HEAD, SPOUSE, member("m3", "child", "2005-10-21", labor="partial"))
    [window] = under_16(child)
    assert (window.active_from, window.active_until) == (None, date(2021, 10, 21))


def test_age_thresholds_come_from_the_configuration() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "parent", "1966-01-01"))
    stream.add(survey("2021-10-21"))
    assert "DQ_AGE_LABOR" not in found(stream)
    assert "DQ_AGE_LABOR" in found(stream, config=with_thresholds(elderly_age=55))


def test_whole_years_of_age_and_birthdays_of_29_february() -> None:
    leap = date(2000, 2, 29)
    assert turns(leap, 60) == date(2060, 2, 29)
    assert turns(leap, 61) == date(2061, 3, 1)
    assert age_on(leap, date(2061, 2, 28)) == 60
    assert age_on(leap, date(2061, 3, 1)) == 61
    assert turns(date(9990, 1, 1), 60) is None


# DQ_WORKING_AGE_NO_LABOR

IDLE = {"labor": "none", "health": "healthy"}
ALLEVIATED = {"category": "poverty_alleviated", "filed_card": True}


def test_a_healthy_working_age_member_without_labour_in_an_alleviated_household() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "child", "1995-01-01", **IDLE), **ALLEVIATED)
    stream.add(survey("2021-10-21"))
    [finding] = found(stream)["DQ_WORKING_AGE_NO_LABOR"]
    assert "m3" in finding.detail
    assert "16 to 59" in finding.detail


def test_a_general_household_a_pupil_or_a_sick_member_is_no_finding() -> None:
    cases = [
        household(HEAD, SPOUSE, member("m3", "child", "1995-01-01", **IDLE)),
        household(
            HEAD,
            SPOUSE,
            member("m3", "child", "2004-01-01", in_school=True, **IDLE),
            **ALLEVIATED,
        ),
        household(
            HEAD,
            SPOUSE,
            member("m3", "child", "1995-01-01", labor="none", health="chronic"),
            **ALLEVIATED,
        ),
    ]
    for stream in cases:
        stream.add(survey("2021-10-21"))
        assert "DQ_WORKING_AGE_NO_LABOR" not in found(stream)


def test_without_a_survey_working_age_is_a_window_from_16_until_60() -> None:
    stream = household(HEAD, SPOUSE, member("m3", "child", "1995-01-01", **IDLE), **ALLEVIATED)
    [finding] = [x for x in assessed(stream).findings if x.code.value == "DQ_WORKING_AGE_NO_LABOR"]
    assert (finding.active_from, finding.active_until) == (date(2011, 1, 1), date(2055, 1, 1))


# DQ_DISABILITY_RISK_NO_DISABLED


def test_a_disability_risk_without_a_disabled_member_is_a_finding() -> None:
    stream = household(HEAD, SPOUSE)
    surveyed = stream.add(survey("2021-10-21", risk_types=["disability"]))
    [finding] = found(stream)["DQ_DISABILITY_RISK_NO_DISABLED"]
    assert finding.events == (str(surveyed.id),)
    by_confirmation = household(HEAD, SPOUSE)
    by_confirmation.add(confirmed("2021-11-05", risk_types=["disability"]))
    assert "DQ_DISABILITY_RISK_NO_DISABLED" in found(by_confirmation)


def test_a_disability_risk_with_a_disabled_or_graded_member_is_no_finding() -> None:
    for change in ({"health": "disabled"}, {"disability_grade": 2}):
        stream = household(HEAD, SPOUSE)
        stream.add(survey("2021-10-21", risk_types=["disability"]))
        stream.add(updated("m2", "2021-10-22", **change))
        assert "DQ_DISABILITY_RISK_NO_DISABLED" not in found(stream)


# DQ_ILLNESS_RISK_NO_HEALTH_MEASURE and DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE


def test_a_monitored_illness_risk_without_a_health_or_safety_net_measure() -> None:
    stream, events = enrolled(deciding("industry"))
    [finding] = found(stream)["DQ_ILLNESS_RISK_NO_HEALTH_MEASURE"]
    assert str(events["village_decision"].id) in finding.events
    assert str(events["county_confirmation"].id) in finding.events
    assert "产业帮扶" in finding.detail_zh


def test_an_illness_risk_with_a_safety_net_measure_or_no_longer_monitored_is_none() -> None:
    assert "DQ_ILLNESS_RISK_NO_HEALTH_MEASURE" not in found(enrolled()[0])
    assert "DQ_ILLNESS_RISK_NO_HEALTH_MEASURE" not in found(enrolled(deciding("minimum_living"))[0])
    stream, _ = enrolled(deciding("industry"))
    stream.add(plan("ms9", "temporary_relief", "2021-11-25"))
    assert "DQ_ILLNESS_RISK_NO_HEALTH_MEASURE" not in found(stream)
    eliminated, _ = enrolled(deciding("industry"))
    eliminated.add(marked("risk_eliminated", "2022-06-01"))
    assert "DQ_ILLNESS_RISK_NO_HEALTH_MEASURE" not in found(eliminated, "2022-07-01")


def _education_risk(*measures: str) -> Stream:
    steps = deciding(*measures)
    steps["county_confirmation"] = confirmed("2021-11-05", risk_types=["education"])
    return enrolled(steps)[0]


def test_a_monitored_education_risk_without_an_education_measure() -> None:
    assert "DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE" in found(_education_risk("health"))


def test_an_education_risk_with_an_education_measure_is_no_finding() -> None:
    assert "DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE" not in found(_education_risk("education"))
    planned = _education_risk("health")
    planned.add(plan("ms3", "education", "2021-12-01"))
    assert "DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE" not in found(planned)


def test_measures_before_the_latest_enrolment_do_not_count() -> None:
    stream = _education_risk("health")
    stream.add(plan("ms3", "education", "2021-12-01"))
    stream.add(marked("withdrawn", "2022-03-10"))
    stream.add(confirmed("2022-05-05", risk_types=["education"]))
    stream.add(marked("enrolled", "2022-05-20", "marginal"))
    assert "DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE" in found(stream, "2022-06-01")


# DQ_GUARANTEE_RISK_MISMATCH


def _guarantees(**at_risk: str) -> Json:
    return {
        "food_clothing": "secure",
        "education": "secure",
        "medical": "secure",
        "housing": "secure",
        "drinking_water": "secure",
        **at_risk,
    }


def test_a_guarantee_at_risk_without_its_risk_type_is_a_finding() -> None:
    stream = household(HEAD, SPOUSE)
    stream.add(
        survey(
            "2021-10-21",
            guarantees=_guarantees(drinking_water="at_risk", housing="at_risk"),
            risk_types=["housing"],
        )
    )
    [finding] = found(stream)["DQ_GUARANTEE_RISK_MISMATCH"]
    assert "'drinking_water'" in finding.detail
    assert "饮水安全" in finding.detail_zh


def test_a_guarantee_at_risk_with_its_risk_type_is_no_finding() -> None:
    stream = household(HEAD, SPOUSE)
    stream.add(
        survey(
            "2021-10-21",
            guarantees=_guarantees(medical="at_risk", drinking_water="at_risk"),
            risk_types=["illness", "drinking_water"],
        )
    )
    assert "DQ_GUARANTEE_RISK_MISMATCH" not in found(stream)


# DQ_LABOR_NO_DEVELOPMENTAL_MEASURE


def test_a_monitored_household_with_labour_and_no_developmental_measure() -> None:
    stream, _ = enrolled()  # a health measure only; both members of full labour
    [finding] = found(stream)["DQ_LABOR_NO_DEVELOPMENTAL_MEASURE"]
    assert "'m1', 'm2'" in finding.detail


def test_a_developmental_measure_or_no_labour_is_no_finding() -> None:
    stream, _ = enrolled()
    stream.add(plan("ms2", "microcredit", "2021-11-25"))
    assert "DQ_LABOR_NO_DEVELOPMENTAL_MEASURE" not in found(stream)
    idle, _ = enrolled(
        registration=f.registered(
            members=[f.member("m1", **IDLE), f.member("m2", "spouse", sex="F", **IDLE)]
        )
    )
    assert "DQ_LABOR_NO_DEVELOPMENTAL_MEASURE" not in found(idle)


# DQ_TOKEN_MEASURES_ONLY


def test_a_monitored_household_whose_only_measures_are_token_ones() -> None:
    stream, _ = enrolled(deciding("skills_training"))
    stream.add(plan("ms2", "other", "2021-11-25"))
    assert "DQ_TOKEN_MEASURES_ONLY" in found(stream)


def test_a_real_measure_beside_token_ones_or_no_monitoring_is_no_finding() -> None:
    stream, _ = enrolled(deciding("skills_training"))
    stream.add(plan("ms2", "industry", "2021-11-25"))
    assert "DQ_TOKEN_MEASURES_ONLY" not in found(stream)
    never = household(HEAD, SPOUSE)
    never.add(plan("ms2", "other", "2021-11-25"))
    assert "DQ_TOKEN_MEASURES_ONLY" not in found(never)


# DQ_MEASURE_NO_WORKER


def test_an_employment_measure_in_a_household_without_labour() -> None:
    idle = f.registered(members=[f.member("m1", **IDLE), f.member("m2", "spouse", sex="F", **IDLE)])
    stream, events = enrolled(deciding("public_welfare_post"), idle)
    [finding] = found(stream)["DQ_MEASURE_NO_WORKER"]
    assert str(events["village_decision"].id) in finding.events


def test_an_employment_measure_with_a_member_of_partial_labour_is_no_finding() -> None:
    some = f.registered(
        members=[f.member("m1", **IDLE), f.member("m2", "spouse", sex="F", labor="partial")]
    )
    assert "DQ_MEASURE_NO_WORKER" not in found(enrolled(deciding("public_welfare_post"), some)[0])


# DQ_EMPLOYMENT_NO_WAGE


def _employed(surveyed_on: str, per_capita: int) -> Stream:
    stream, _ = enrolled()
    stream.add(plan("ms2", "employment", "2021-11-25"))
    stream.add(delivery("ms2", "2021-12-15"))
    stream.add(survey(surveyed_on, "annual", per_capita, ("2021-10-01", "2022-09-30")))
    return stream


def test_an_employment_measure_delivered_and_no_wage_at_the_next_survey() -> None:
    stream = _employed("2022-10-10", 0)
    [finding] = found(stream, "2022-11-01")["DQ_EMPLOYMENT_NO_WAGE"]
    assert "2021-12-15" in finding.detail
    assert "2021年12月15日" in finding.detail_zh


def test_wages_at_the_next_survey_or_a_survey_before_the_delivery_is_no_finding() -> None:
    assert "DQ_EMPLOYMENT_NO_WAGE" not in found(_employed("2022-10-10", 3000), "2022-11-01")
    assert "DQ_EMPLOYMENT_NO_WAGE" not in found(_employed("2021-12-10", 0), "2022-11-01")


# DQ_LACK_OF_LABOR_CLAIM


def _four(third_labour: str, risk: str = "lack_of_labor") -> Stream:
    stream = household(
        HEAD,
        SPOUSE,
        member("m3", "child", "2000-01-01", labor=third_labour),
        member("m4", "parent", "1940-01-01", labor="none"),
    )
    stream.add(survey("2021-10-21", risk_types=[risk]))
    return stream


def test_a_lack_of_labour_risk_in_a_household_mostly_of_workers() -> None:
    [finding] = found(_four("full"))["DQ_LACK_OF_LABOR_CLAIM"]
    assert "3 of the 4" in finding.detail


def test_half_of_the_members_working_or_a_small_household_is_no_finding() -> None:
    assert "DQ_LACK_OF_LABOR_CLAIM" not in found(_four("none"))
    small = household(HEAD, SPOUSE)
    small.add(survey("2021-10-21", risk_types=["lack_of_labor"]))
    assert "DQ_LACK_OF_LABOR_CLAIM" not in found(small)
    assert "DQ_LACK_OF_LABOR_CLAIM" in found(
        small, config=with_thresholds(lack_of_labor_min_members=2)
    )


# DQ_MEASURE_NOT_DELIVERED


def test_a_measure_never_delivered_holds_from_the_31st_day_after_it_was_planned() -> None:
    stream, _ = enrolled()
    planned = stream.add(plan("ms2", "industry", "2021-11-25"))
    assert "DQ_MEASURE_NOT_DELIVERED" not in found(stream, "2021-12-25")
    [finding] = found(stream, "2021-12-26")["DQ_MEASURE_NOT_DELIVERED"]
    assert finding.events == (str(planned.id),)
    assert (finding.active_from, finding.active_until) == (date(2021, 12, 26), None)
    shorter = with_thresholds(measure_not_delivered_days=10)
    assert "DQ_MEASURE_NOT_DELIVERED" in found(stream, "2021-12-06", shorter)


def test_a_measure_delivered_or_ended_is_no_finding() -> None:
    delivered, _ = enrolled()
    delivered.add(plan("ms2", "industry", "2021-11-25"))
    delivered.add(delivery("ms2", "2022-02-01"))
    assert "DQ_MEASURE_NOT_DELIVERED" not in found(delivered, "2022-06-01")
    ended, _ = enrolled()
    ended.add(plan("ms2", "industry", "2021-11-25"))
    ended.add(ev("AssistanceEnded", {"measure_id": "ms2", "reason": "不再需要"}, "2022-01-10"))
    assert "DQ_MEASURE_NOT_DELIVERED" not in found(ended, "2022-06-01")


# DQ_QUICK_EXIT


def test_a_risk_eliminated_in_the_month_after_the_enrolment_is_a_finding() -> None:
    stream, events = enrolled()  # enrolled 2021-11-20
    elimination = stream.add(marked("risk_eliminated", "2021-12-28"))
    [finding] = found(stream)["DQ_QUICK_EXIT"]
    assert finding.events == (str(elimination.id), str(events["marking"].id))


def test_a_risk_eliminated_two_months_after_the_enrolment_is_no_finding() -> None:
    stream, _ = enrolled()
    stream.add(marked("risk_eliminated", "2022-01-03"))
    assert "DQ_QUICK_EXIT" not in found(stream, "2022-02-01")
    assert "DQ_QUICK_EXIT" in found(stream, "2022-02-01", with_thresholds(quick_exit_months=2))


# DQ_WAGE_IMPLAUSIBLE


def _wage(per_capita: int) -> Stream:
    """Two working members; the survey's wage is twice the per-capita income."""
    stream = household(HEAD, SPOUSE)
    stream.add(survey("2021-10-21", per_capita=per_capita))
    return stream


def test_a_wage_per_working_member_per_month_out_of_bounds_is_a_finding() -> None:
    low = found(_wage(1000))["DQ_WAGE_IMPLAUSIBLE"][0]  # 2000 / 12 / 2 = 83.33
    assert "83.33" in low.detail
    assert "below 100" in low.detail
    assert "低于100元" in low.detail_zh
    high = found(_wage(360_012))["DQ_WAGE_IMPLAUSIBLE"][0]  # 30001 a month
    assert "above 30000" in high.detail


def test_a_wage_within_bounds_or_none_at_all_is_no_finding() -> None:
    for per_capita in (1200, 360_000, 0):
        assert "DQ_WAGE_IMPLAUSIBLE" not in found(_wage(per_capita))


# DQ_INCOME_JUMP


def _surveys(*incomes: tuple[str, int]) -> Stream:
    stream = household(HEAD, SPOUSE)
    for on, per_capita in incomes:
        stream.add(survey(on, per_capita=per_capita))
    return stream


def test_an_income_more_than_three_times_the_previous_within_12_months() -> None:
    stream = _surveys(("2021-10-21", 2000), ("2022-10-21", 6001))
    [finding] = found(stream, "2022-11-01")["DQ_INCOME_JUMP"]
    assert "2000" in finding.detail
    assert "6001" in finding.detail
    assert finding.events == tuple(str(e.id) for e in stream.events[1:])


def test_three_times_exactly_or_after_more_than_12_months_is_no_finding() -> None:
    assert "DQ_INCOME_JUMP" not in found(
        _surveys(("2021-10-21", 2000), ("2022-06-01", 6000)), "2022-11-01"
    )
    assert "DQ_INCOME_JUMP" not in found(
        _surveys(("2021-10-21", 2000), ("2022-10-22", 9000)), "2022-11-01"
    )


# Voided events


def test_a_voided_event_counts_for_nothing() -> None:
    stream = _wage(1000)
    surveyed = stream.events[-1]
    assert "DQ_WAGE_IMPLAUSIBLE" in found(stream)
    stream.add(ev("EntryVoided", {"target_event_id": str(surveyed.id), "reason": "录错"}, ON))
    assert "DQ_WAGE_IMPLAUSIBLE" not in found(stream)
    result = assessed(stream)
    assert all(str(surveyed.id) not in x.events for x in result.findings)
    assert all(x.event_id != str(surveyed.id) for x in result.facts)
