"""Completeness (CONTRACT §3): every gap code, each beside a close case without it.

Events are built as an upstream app sends them and recorded through the ledger's own
``decide_sealed`` (no database), with the field dates (``occurred_at``) each case needs. The
builders here are reused by the look-back and never-crash tests.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.config import default_text, load_default
from ledger.domain.commands import AppendBatch
from ledger.domain.completeness import Completeness, Episode, assess
from ledger.domain.configuration import (
    RulesConfig,
    RulesConfiguration,
)
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all
from ledger.domain.personal import Sealed
from ledger.domain.rules import Recording, decide_sealed
from tests import factories as f

Json = dict[str, Any]
ORIGIN = UUID(int=7)
CONFIGURATION = load_default()
CONFIG = CONFIGURATION.for_division(f.VILLAGE)


# Builders


def at(on: str, time: str = "09:30:00", offset: str = "+08:00") -> str:
    return f"{on}T{time}{offset}"


def material(kind: str) -> Json:
    return {
        "sha256": hashlib.sha256(kind.encode()).hexdigest(),
        "kind": kind,
        "name": f"{kind}.jpg",
        "media_type": "image/jpeg",
        "size": 1000,
    }


def ev(type_: str, data: Json, on: str, kinds: Iterable[str] = (), **envelope: Any) -> Json:
    event = f.event(type_, data, occurred_at=at(on), **envelope)
    event["materials"] = [material(k) for k in kinds]
    return event


def survey(
    on: str,
    purpose: str = "identification",
    per_capita: int = 5000,
    period: tuple[str, str] = ("2020-10-01", "2021-09-30"),
    kinds: Iterable[str] = ("survey_form", "income_sheet"),
    **data: Any,
) -> Json:
    body = {
        **f.survey()["data"],
        "purpose": purpose,
        "period": {"start": period[0], "end": period[1]},
        "income": {
            "wage": per_capita * 2,
            "operating": 0,
            "property": 0,
            "transfer": 0,
            "operating_cost": 0,
        },
        "household_size": 2,
        "per_capita_net_income": per_capita,
        **data,
    }
    return ev("FieldSurveyConducted", body, on, kinds)


def notice(
    start: str,
    end: str,
    purpose: str = "identification",
    channels: Iterable[str] = ("group_board", "rescue_platform"),
    kinds: Iterable[str] = ("notice_text", "notice_photo"),
) -> Json:
    return ev(
        "PublicNoticePosted",
        {"purpose": purpose, "channels": list(channels), "start_date": start, "end_date": end},
        start,
        kinds,
    )


def verified(
    on: str,
    purpose: str = "identification",
    department: str = "public_security",
    findings: Iterable[Json] = (),
) -> Json:
    found = list(findings)
    return ev(
        "DepartmentVerified",
        {
            "purpose": purpose,
            "department": department,
            "consistent": not found,
            "findings": found,
            "summary": "比对",
        },
        on,
    )


def appraisal(on: str, purpose: str = "identification", result: str = "approved") -> Json:
    return ev(
        "DemocraticAppraisalHeld",
        {
            "purpose": purpose,
            "attendees": {"party_members": 5, "household_heads": 30, "total": 35},
            "result": result,
        },
        on,
        ("minutes", "sign_in_sheet"),
    )


def review(on: str, purpose: str = "identification", decision: str = "approved") -> Json:
    return ev(
        "TownshipReviewed", {"purpose": purpose, "decision": decision, "spot_checked": True}, on
    )


def confirmed(on: str, purpose: str = "identification", **data: Any) -> Json:
    body: Json = {"purpose": purpose, "decision": "confirmed"}
    if purpose == "identification":
        body.update(
            monitoring_type="marginal", risk_types=["illness"], responsible_department="health"
        )
    return ev("CountyConfirmed", {**body, **data}, on)


def marked(marking: str, on: str, monitoring_type: str | None = None) -> Json:
    data: Json = {"marking": marking}
    if monitoring_type:
        data["monitoring_type"] = monitoring_type
    return ev("SystemMarked", data, on)


def identification(monitoring_type: str = "marginal") -> dict[str, Json]:
    """A complete identification in Shuangjiang's 2021 round: no gaps. A case changes one
    step."""
    return {
        "trigger": ev(
            "WarningReceived",
            {
                "department": "medical_insurance",
                "code": "medical_self_pay_high",
                "summary": "自付超过1万元",
            },
            "2021-10-19",
        ),
        "screening": ev(
            "ScreeningAnalyzed",
            {"decision": "key_check", "basis": "医保预警"},
            "2021-10-20",
            ("minutes",),
        ),
        "field_survey": survey("2021-10-21"),
        "application": ev(
            "ApplicationSigned", {"member_id": "m1"}, "2021-10-21", ("application_form",)
        ),
        "authorization": ev(
            "AuthorizationSigned", {"member_id": "m1"}, "2021-10-21", ("authorization_letter",)
        ),
        "department_check": verified("2021-10-22"),
        "appraisal": appraisal("2021-10-22"),
        "village_decision": ev(
            "VillageCommitteeDecided",
            {"purpose": "identification", "decision": "propose", "measures": ["health"]},
            "2021-10-23",
        ),
        "notice": notice("2021-10-25", "2021-10-29"),  # Monday to Friday: 5 working days
        "township_review": review("2021-11-01"),
        "county_confirmation": confirmed("2021-11-05", monitoring_type=monitoring_type),
        "marking": marked("enrolled", "2021-11-20", monitoring_type),
    }


def assisted() -> dict[str, Json]:
    return {
        "plan": ev(
            "AssistancePlanned",
            {"measure_id": "ms1", "category": "health", "summary": "大病救助"},
            "2021-11-25",
        ),
        "delivery": ev(
            "AssistanceDelivered",
            {
                "measure_id": "ms1",
                "delivered_on": "2021-12-15",
                "amount": 3000,
                "summary": "救助金",
            },
            "2021-12-15",
        ),
    }


def elimination() -> dict[str, Json]:
    """A complete risk elimination in 2023 (income period ending 2023-09-30, floor 8050)."""
    return {
        "effectiveness_appraisal": ev(
            "EffectivenessAppraised", {"result": "stable", "summary": "收入稳定"}, "2023-09-25"
        ),
        "field_survey": survey(
            "2023-09-26",
            "elimination",
            9000,
            ("2022-10-01", "2023-09-30"),
            ("survey_form", "income_sheet", "elimination_assessment"),
        ),
        "informed_consent": ev(
            "InformedConsentGiven",
            {"purpose": "elimination", "member_id": "m1"},
            "2023-09-27",
            ("consent_form",),
        ),
        "appraisal": appraisal("2023-09-28", "elimination"),
        # after National Day 2023 (09-29 to 10-06 off): Monday 10-09 to Friday 10-13
        "notice": notice("2023-10-09", "2023-10-13", "elimination"),
        "township_review": review("2023-10-16", "elimination"),
        "county_confirmation": confirmed("2023-10-18", "elimination"),
        "marking": marked("risk_eliminated", "2023-10-25"),
    }


def exit_steps(marking: str = "withdrawn") -> dict[str, Json]:
    """A look-back exit (清退 or 风险标注回退) on a consumer car owned since before the
    enrolment."""
    return {
        "department_check": verified(
            "2022-03-01",
            "lookback",
            findings=[{"exclusion": "consumer_car", "since": "2021-06-01"}],
        ),
        "field_survey": survey("2022-03-02", "lookback"),
        "township_review": review("2022-03-04", "lookback"),
        "county_confirmation": confirmed("2022-03-07", "lookback"),
        "marking": marked(marking, "2022-03-10"),
    }


def rollback() -> dict[str, Json]:
    """A 风险消除回退 after the 2023 elimination."""
    return {
        "effectiveness_appraisal": ev(
            "EffectivenessAppraised", {"result": "unstable", "summary": "收入不稳"}, "2023-11-10"
        ),
        "field_survey": survey("2023-11-12", "lookback", 7000, ("2022-10-01", "2023-09-30")),
        "county_confirmation": confirmed("2023-11-15", "lookback"),
        "marking": marked("elimination_rolled_back", "2023-11-20"),
    }


class Stream:
    """One household's history, recorded event by event through the ledger's rules."""

    def __init__(self, registration: Json | None = None, household_id: str = "hh-test") -> None:
        self.household_id = household_id
        self.household = Household(household_id)
        self.events: list[HouseholdEvent] = []
        self.sealed: list[Sealed] = []  # the personal values its commitments were made of
        self._clock = datetime(2021, 10, 1, tzinfo=UTC)
        self.add(registration or f.registered())

    def add(self, event: Json) -> HouseholdEvent:
        self._clock += timedelta(minutes=1)
        commands = AppendBatch.model_validate({"events": [event]}).events
        decision = decide_sealed(
            self.household,
            commands,
            Recording(self._clock, {"role": "recorder"}),
            originator_id=ORIGIN,
            opened={s.commitment: s.value for s in self.sealed},
        )
        [recorded] = decision.events
        self.household = apply_all(self.household, [recorded])
        self.events.append(recorded)
        self.sealed += decision.sealed
        return recorded

    def run(self, steps: dict[str, Json]) -> dict[str, HouseholdEvent]:
        return {name: self.add(event) for name, event in steps.items()}

    def report(self, config: RulesConfig = CONFIG) -> Completeness:
        return assess(self.household_id, self.events, config)

    def episode(self, index: int = -1, config: RulesConfig = CONFIG) -> Episode:
        return self.report(config).episodes[index]


def codes(episode: Episode) -> list[str]:
    return [gap.code for gap in episode.gaps]


def enrolled(
    steps: dict[str, Json] | None = None,
    registration: Json | None = None,
) -> tuple[Stream, dict[str, HouseholdEvent]]:
    stream = Stream(registration)
    return stream, stream.run(steps if steps is not None else identification())


def eliminated(
    steps: dict[str, Json] | None = None,
    help_given: bool = True,
) -> tuple[Stream, dict[str, HouseholdEvent]]:
    stream, _ = enrolled()
    if help_given:
        stream.run(assisted())
    return stream, stream.run(steps if steps is not None else elimination())


def without(steps: dict[str, Json], *names: str) -> dict[str, Json]:
    return {k: v for k, v in steps.items() if k not in names}


def replaced(steps: dict[str, Json], **changes: Json) -> dict[str, Json]:
    return {k: changes.get(k, v) for k, v in steps.items()}


# Whole episodes


def test_a_complete_identification_has_no_gaps_and_lists_every_step() -> None:
    stream, events = enrolled()
    episode = stream.episode()
    assert episode.kind == "identification"
    assert episode.marking_event_id == str(events["marking"].id)
    assert episode.gaps == []
    assert episode.steps["trigger"] == [str(events["trigger"].id)]
    assert episode.steps["assistance_plan"] == [str(events["village_decision"].id)]
    assert episode.steps["department_comparison"] == []
    for step in (
        "screening",
        "field_survey",
        "application",
        "authorization",
        "appraisal",
        "village_decision",
        "notice",
        "township_review",
        "department_check",
        "county_confirmation",
    ):
        assert episode.steps[step] == [str(events[step].id)]


def test_complete_elimination_exit_and_rollback_episodes_have_no_gaps() -> None:
    stream, _ = eliminated()
    assert stream.episode().kind == "elimination"
    assert stream.episode().gaps == []
    stream.run(rollback())
    assert (stream.episode().kind, stream.episode().gaps) == ("rollback", [])
    exiting, _ = enrolled()
    exiting.run(assisted())
    exiting.run(exit_steps())
    assert (exiting.episode().kind, exiting.episode().gaps) == ("exit", [])


def test_the_document_has_exactly_the_contract_shape_plus_the_configuration_version() -> None:
    stream, _ = enrolled(without(identification(), "notice"))
    document = json.loads(json.dumps(stream.report().to_document()))
    assert set(document) == {"household_id", "config_version", "episodes"}
    assert document["config_version"] == "2021.1@530925"
    [episode] = document["episodes"]
    assert set(episode) == {"kind", "marking_event_id", "steps", "gaps"}
    assert set(episode["gaps"][0]) == {"code", "step", "severity", "detail", "detail_zh"}


# Episode boundaries


def test_steps_recorded_after_the_marking_count_for_the_next_episode_not_this_one() -> None:
    steps = identification()
    late_notice = steps.pop("notice")
    stream, _ = enrolled(steps)
    stream.add(late_notice)
    assert "MISSING_NOTICE" in codes(stream.episode())


def test_a_step_of_another_purpose_does_not_count_for_the_episode() -> None:
    steps = replaced(identification(), notice=notice("2021-10-25", "2021-10-29", "elimination"))
    stream, _ = enrolled(steps)
    assert codes(stream.episode()) == ["MISSING_NOTICE"]


def test_a_type_adjustment_ends_no_one_elses_episode_and_requires_no_steps() -> None:
    stream, _ = enrolled()
    stream.run(assisted())
    steps = elimination()
    first = {k: steps.pop(k) for k in ("effectiveness_appraisal", "field_survey")}
    stream.run(first)
    stream.add(marked("type_adjusted", "2023-09-26", "sudden_hardship"))
    stream.run(steps)
    adjustment, removal = stream.report().episodes[1:]
    assert (adjustment.kind, adjustment.steps, adjustment.gaps) == ("type_adjustment", {}, [])
    assert removal.kind == "elimination"
    assert removal.gaps == []


def test_a_voided_step_counts_for_nothing() -> None:
    steps = identification()
    marking = steps.pop("marking")
    stream, events = enrolled(steps)
    stream.add(
        ev(
            "EntryVoided",
            {"target_event_id": str(events["notice"].id), "reason": "录错户"},
            "2021-11-10",
        )
    )
    stream.add(marking)
    assert codes(stream.episode()) == ["MISSING_NOTICE"]


def test_the_last_event_of_a_step_before_the_marking_is_judged_and_the_others_listed() -> None:
    steps = identification()
    marking = steps.pop("marking")
    stream, events = enrolled(steps)
    second = stream.add(appraisal("2021-10-22", result="rejected"))
    stream.add(marking)
    episode = stream.episode()
    assert episode.steps["appraisal"] == [str(events["appraisal"].id), str(second.id)]
    assert codes(episode) == ["STEP_REJECTED"]


# MISSING_<STEP>


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("screening", ["MISSING_SCREENING"]),
        ("field_survey", ["MISSING_FIELD_SURVEY"]),
        ("application", ["MISSING_APPLICATION"]),
        ("authorization", ["MISSING_AUTHORIZATION"]),
        ("appraisal", ["MISSING_APPRAISAL"]),
        ("village_decision", ["MISSING_VILLAGE_DECISION", "MISSING_ASSISTANCE_PLAN"]),
        ("notice", ["MISSING_NOTICE"]),
        ("township_review", ["MISSING_TOWNSHIP_REVIEW"]),
        ("department_check", ["MISSING_DEPARTMENT_CHECK"]),
        ("county_confirmation", ["MISSING_COUNTY_CONFIRMATION"]),
    ],
)
def test_an_identification_without_a_step_misses_it(step: str, expected: list[str]) -> None:
    stream, _ = enrolled(without(identification(), step))
    assert codes(stream.episode()) == expected
    assert all(g.severity == "violation" for g in stream.episode().gaps)


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("effectiveness_appraisal", ["MISSING_EFFECTIVENESS_APPRAISAL"]),
        # without it, the latest survey is the identification's, below the 2021 floor
        ("field_survey", ["MISSING_FIELD_SURVEY", "INCOME_BELOW_FLOOR"]),
        ("informed_consent", ["MISSING_INFORMED_CONSENT"]),
        ("appraisal", ["MISSING_APPRAISAL"]),
        ("notice", ["MISSING_NOTICE"]),
        ("township_review", ["MISSING_TOWNSHIP_REVIEW"]),
        ("county_confirmation", ["MISSING_COUNTY_CONFIRMATION"]),
    ],
)
def test_an_elimination_without_a_step_misses_it(step: str, expected: list[str]) -> None:
    stream, _ = eliminated(without(elimination(), step))
    assert codes(stream.episode()) == expected


@pytest.mark.parametrize(
    "step", ["field_survey", "department_check", "township_review", "county_confirmation"]
)
def test_an_exit_without_a_step_misses_it(step: str) -> None:
    stream, _ = enrolled()
    stream.run(assisted())
    stream.run(without(exit_steps(), step))
    assert codes(stream.episode()) == [f"MISSING_{step.upper()}"]


def test_a_rollback_rests_on_a_survey_or_an_unstable_appraisal_after_the_elimination() -> None:
    on_appraisal, _ = eliminated()
    on_appraisal.run(without(rollback(), "field_survey"))
    assert on_appraisal.episode().gaps == []
    on_nothing, _ = eliminated()
    on_nothing.run(without(rollback(), "field_survey", "effectiveness_appraisal"))
    assert codes(on_nothing.episode()) == ["MISSING_FIELD_SURVEY"]
    unconfirmed, _ = eliminated()
    unconfirmed.run(without(rollback(), "county_confirmation"))
    assert codes(unconfirmed.episode()) == ["MISSING_COUNTY_CONFIRMATION"]


def test_an_exit_needs_a_verification_whose_findings_name_an_exclusion() -> None:
    stream, _ = enrolled()
    stream.run(assisted())
    stream.run(replaced(exit_steps(), department_check=verified("2022-03-01", "lookback")))
    assert codes(stream.episode()) == ["MISSING_DEPARTMENT_CHECK"]


def test_an_exclusion_found_at_identification_supports_the_exit_whatever_its_purpose() -> None:
    steps = replaced(
        identification(),
        department_check=verified("2021-10-22", findings=[{"exclusion": "urban_property"}]),
    )
    stream, _ = enrolled(steps)
    stream.run(assisted())
    stream.run(without(exit_steps(), "department_check"))
    assert stream.episode().gaps == []


# NOTICE_TOO_SHORT and CALENDAR_UNKNOWN (the State Council calendar)


def _identified_with_notice(start: str, end: str, config: RulesConfig = CONFIG) -> list[str]:
    stream, _ = enrolled(replaced(identification(), notice=notice(start, end)))
    return codes(stream.episode(config=config))


def test_a_notice_over_national_day_2021_covers_only_four_working_days() -> None:
    # 09-28, 09-29, 09-30 and 10-08 work; 10-01 to 10-07 are the holiday
    assert "NOTICE_TOO_SHORT" in _identified_with_notice("2021-09-28", "2021-10-08")


def test_a_notice_counting_the_make_up_sunday_before_national_day_is_long_enough() -> None:
    # Sunday 2021-09-26 was a make-up working day: 09-26 to 09-30 are five
    assert "NOTICE_TOO_SHORT" not in _identified_with_notice("2021-09-26", "2021-09-30")


def test_the_make_up_saturday_after_national_day_counts_as_a_working_day() -> None:
    # 10-08 (Fri), 10-09 (make-up Sat), 10-11, 10-12: four; with 10-13, five
    assert "NOTICE_TOO_SHORT" in _identified_with_notice("2021-10-08", "2021-10-12")
    assert "NOTICE_TOO_SHORT" not in _identified_with_notice("2021-10-08", "2021-10-13")


def test_a_notice_one_working_day_short_is_too_short() -> None:
    found = _identified_with_notice("2021-10-25", "2021-10-28")
    assert "NOTICE_TOO_SHORT" in found
    stream, events = enrolled(replaced(identification(), notice=notice("2021-10-25", "2021-10-28")))
    [gap] = [g for g in stream.episode().gaps if g.code == "NOTICE_TOO_SHORT"]
    assert str(events["notice"].id) in gap.detail
    assert "4 working days" in gap.detail
    assert "2021-10-25" in gap.detail


def test_a_notice_outside_the_known_calendar_is_not_judged_but_reported_as_information() -> None:
    found = _identified_with_notice("2027-10-25", "2027-10-26")
    assert "CALENDAR_UNKNOWN" in found
    assert "NOTICE_TOO_SHORT" not in found
    close = _identified_with_notice("2026-10-26", "2026-10-27")
    assert "CALENDAR_UNKNOWN" not in close
    assert "NOTICE_TOO_SHORT" in close


def test_a_division_counting_calendar_days_counts_the_holiday() -> None:
    text = load_text().replace(
        'notice_day_basis = { value = "working"', 'notice_day_basis = { value = "calendar"'
    )
    calendar_days = RulesConfiguration.from_toml(text).for_division(f.VILLAGE)
    assert "NOTICE_TOO_SHORT" not in _identified_with_notice(
        "2021-10-01", "2021-10-05", calendar_days
    )
    assert "NOTICE_TOO_SHORT" in _identified_with_notice("2021-10-01", "2021-10-05")


def test_a_division_without_a_notice_length_reports_that_it_was_not_judged() -> None:
    elsewhere = CONFIGURATION.for_division("110101001001")
    found = _identified_with_notice("2021-10-25", "2021-10-25", elsewhere)
    assert "NOTICE_LENGTH_NOT_CONFIGURED" in found
    assert "NOTICE_TOO_SHORT" not in found


def load_text() -> str:
    return default_text()


# NOTICE_CHANNEL_MISSING


def test_a_notice_missing_the_villager_groups_public_place_lacks_a_channel() -> None:
    stream, _ = enrolled(
        replaced(
            identification(),
            notice=notice(
                "2021-10-25", "2021-10-29", channels=["village_board", "rescue_platform"]
            ),
        )
    )
    [gap] = stream.episode().gaps
    assert (gap.code, gap.step) == ("NOTICE_CHANNEL_MISSING", "notice")
    assert "group_board" in gap.detail


def test_a_notice_on_the_group_board_and_the_rescue_platform_has_every_channel() -> None:
    stream, _ = enrolled(
        replaced(
            identification(),
            notice=notice(
                "2021-10-25",
                "2021-10-29",
                channels=["group_board", "rescue_platform", "village_board"],
            ),
        )
    )
    assert stream.episode().gaps == []


def test_a_notice_only_on_boards_misses_the_rescue_platform_online() -> None:
    stream, _ = enrolled(
        replaced(
            identification(),
            notice=notice("2021-10-25", "2021-10-29", channels=["group_board", "village_board"]),
        )
    )
    assert codes(stream.episode()) == ["NOTICE_CHANNEL_MISSING"]


def test_a_division_may_accept_the_village_board_for_the_public_place() -> None:
    text = load_text() + (
        '\n[divisions."530925101"]\nnotice_channels = { value = ["group_board|village_board", '
        '"rescue_platform"], source = "test: township accepts the village board" }\n'
    )
    township = RulesConfiguration.from_toml(text).for_division(f.VILLAGE)
    stream, _ = enrolled(
        replaced(
            identification(),
            notice=notice(
                "2021-10-25", "2021-10-29", channels=["village_board", "rescue_platform"]
            ),
        )
    )
    assert stream.episode(config=township).gaps == []


# Objections: OBJECTION_UNRESOLVED and OBJECTION_UPHELD


def _with_objection(
    resolved_on: str | None, outcome: str = "dismissed", purpose: str = "identification"
) -> Stream:
    steps = identification()
    later = {k: steps.pop(k) for k in ("township_review", "county_confirmation", "marking")}
    stream, _ = enrolled(steps)
    objection = stream.add(
        ev("ObjectionRaised", {"purpose": purpose, "summary": "有车"}, "2021-10-26")
    )
    answer = ev(
        "ObjectionResolved",
        {"objection_id": str(objection.id), "outcome": outcome, "summary": "核实无车"},
        resolved_on or "2021-10-30",
    )
    if resolved_on and resolved_on < "2021-11-01":
        stream.add(answer)
    stream.run(later)
    if resolved_on and resolved_on >= "2021-11-01":
        stream.add(answer)
    return stream


def test_an_objection_answered_before_the_township_review_leaves_no_gap() -> None:
    stream = _with_objection("2021-10-30")
    assert stream.episode().gaps == []
    assert len(stream.episode().steps["objection"]) == 1


def test_an_objection_answered_only_after_the_township_review_was_unresolved() -> None:
    stream = _with_objection("2021-11-02")
    [gap] = stream.episode().gaps
    assert (gap.code, gap.step) == ("OBJECTION_UNRESOLVED", "objection")
    assert "2021-11-01" in gap.detail
    assert "2021-11-02" in gap.detail


def test_an_objection_still_open_is_unresolved() -> None:
    assert codes(_with_objection(None).episode()) == ["OBJECTION_UNRESOLVED"]


def test_an_objection_to_another_purpose_counts_there_not_here() -> None:
    assert _with_objection(None, purpose="elimination").episode().gaps == []


def test_an_upheld_objection_contradicts_the_marking() -> None:
    assert codes(_with_objection("2021-10-30", "upheld").episode()) == ["OBJECTION_UPHELD"]


# OUT_OF_ORDER


def test_a_survey_dated_before_the_screening_is_out_of_order() -> None:
    stream, events = enrolled(replaced(identification(), field_survey=survey("2021-10-19")))
    [gap] = stream.episode().gaps
    assert (gap.code, gap.step) == ("OUT_OF_ORDER", "field_survey")
    assert str(events["screening"].id) in gap.detail
    assert "2021-10-19" in gap.detail


def test_steps_on_the_same_date_are_in_order() -> None:
    stream, _ = enrolled(replaced(identification(), field_survey=survey("2021-10-20")))
    assert stream.episode().gaps == []


def test_a_township_review_before_the_notice_ends_is_out_of_order() -> None:
    stream, _ = enrolled(replaced(identification(), township_review=review("2021-10-28")))
    assert codes(stream.episode()) == ["OUT_OF_ORDER"]
    assert stream.episode().gaps[0].step == "township_review"


def test_dates_are_taken_in_each_events_own_utc_offset() -> None:
    # 2021-10-28 23:00 at -05:00 is 10-29 in Beijing, but its own date is 10-28: before the
    # notice ended on 10-29.
    early = review("2021-10-28")
    early["occurred_at"] = at("2021-10-28", "23:00:00", "-05:00")
    stream, _ = enrolled(replaced(identification(), township_review=early))
    assert codes(stream.episode()) == ["OUT_OF_ORDER"]
    same_day = review("2021-10-29")
    same_day["occurred_at"] = at("2021-10-29", "23:00:00", "-05:00")
    stream, _ = enrolled(replaced(identification(), township_review=same_day))
    assert stream.episode().gaps == []


def test_an_elimination_notice_must_start_after_the_appraisal() -> None:
    stream, _ = eliminated(
        replaced(elimination(), appraisal=appraisal("2023-10-10", "elimination"))
    )
    assert codes(stream.episode()) == ["OUT_OF_ORDER"]


# STEP_REJECTED


@pytest.mark.parametrize(
    ("step", "event"),
    [
        (
            "screening",
            ev(
                "ScreeningAnalyzed",
                {"decision": "no_action", "basis": "收入达标"},
                "2021-10-20",
                ("minutes",),
            ),
        ),
        ("appraisal", appraisal("2021-10-22", result="rejected")),
        (
            "village_decision",
            ev(
                "VillageCommitteeDecided",
                {"purpose": "identification", "decision": "reject", "measures": ["health"]},
                "2021-10-23",
            ),
        ),
        ("township_review", review("2021-11-01", decision="returned")),
        ("county_confirmation", confirmed("2021-11-05", decision="rejected")),
    ],
)
def test_a_rejected_step_contradicts_the_marking(step: str, event: Json) -> None:
    stream, _ = enrolled(replaced(identification(), **{step: event}))
    assert [(g.code, g.step) for g in stream.episode().gaps] == [("STEP_REJECTED", step)]


def test_an_elimination_on_an_unstable_effectiveness_appraisal_is_rejected() -> None:
    stream, _ = eliminated(
        replaced(
            elimination(),
            effectiveness_appraisal=ev(
                "EffectivenessAppraised", {"result": "unstable", "summary": "不稳"}, "2023-09-25"
            ),
        )
    )
    assert codes(stream.episode()) == ["STEP_REJECTED"]


def test_a_rejection_followed_by_an_approval_is_not_rejected() -> None:
    steps = identification()
    steps = {
        **{k: steps[k] for k in list(steps)[:6]},
        "first_appraisal": appraisal("2021-10-21", result="rejected"),
        **{k: steps[k] for k in list(steps)[6:]},
    }
    stream, events = enrolled(steps)
    assert stream.episode().gaps == []
    assert stream.episode().steps["appraisal"] == [
        str(events["first_appraisal"].id),
        str(events["appraisal"].id),
    ]


# EXCLUSION_FOUND


def _enrolled_with_findings(*findings: Json, on: str = "2021-10-22", **county: Any) -> Stream:
    steps = identification()
    steps["department_check"] = verified(on, findings=list(findings))
    steps["county_confirmation"] = confirmed("2021-11-05", **county)
    return enrolled(steps)[0]


def test_a_household_level_exclusion_found_before_enrolment_counts_against_it() -> None:
    stream = _enrolled_with_findings({"exclusion": "consumer_car"})
    [gap] = stream.episode().gaps
    assert (gap.code, gap.step) == ("EXCLUSION_FOUND", "department_check")
    assert "consumer_car" in gap.detail


def test_a_special_inclusion_explanation_answers_the_exclusion() -> None:
    stream = _enrolled_with_findings(
        {"exclusion": "consumer_car"}, special_inclusion="车辆为残疾人代步车，已公开说明"
    )
    assert stream.episode().gaps == []


def test_a_finding_about_one_member_is_not_household_level() -> None:
    assert (
        _enrolled_with_findings({"exclusion": "paid_village_cadre", "member_id": "m2"})
        .episode()
        .gaps
        == []
    )
    assert _enrolled_with_findings({"exclusion": "absent_member"}).episode().gaps == []


def test_a_later_check_counts_against_the_enrolment_only_if_the_situation_existed_then() -> None:
    later = verified("2022-02-01", "lookback", findings=[{"exclusion": "urban_property"}])
    stream, _ = enrolled()
    stream.add(later)
    assert stream.episode().gaps == []
    since = verified(
        "2022-02-01", "lookback", findings=[{"exclusion": "urban_property", "since": "2020-05-01"}]
    )
    stream, _ = enrolled()
    stream.add(since)
    assert codes(stream.episode()) == ["EXCLUSION_FOUND"]


# QUICK_IN_OUT


def test_risk_eliminated_without_any_delivered_assistance_is_quick_in_and_out() -> None:
    stream, _ = eliminated(help_given=False)
    assert codes(stream.episode()) == ["QUICK_IN_OUT"]


def test_risk_eliminated_after_delivered_assistance_is_not_quick_in_and_out() -> None:
    stream, _ = eliminated(help_given=True)
    assert "QUICK_IN_OUT" not in codes(stream.episode())


# INCOME_BELOW_FLOOR and FLOOR_NOT_CONFIGURED


def _eliminated_on_income(per_capita: int, period_end: str = "2023-09-30") -> Episode:
    start = f"{int(period_end[:4]) - 1}-10-01"
    stream, _ = eliminated(
        replaced(
            elimination(),
            field_survey=survey(
                "2023-09-26",
                "elimination",
                per_capita,
                (start, period_end),
                ("survey_form", "income_sheet", "elimination_assessment"),
            ),
        )
    )
    return stream.episode()


def test_risk_eliminated_below_that_years_floor_is_income_below_floor() -> None:
    [gap] = _eliminated_on_income(8000).gaps
    assert (gap.code, gap.step) == ("INCOME_BELOW_FLOOR", "field_survey")
    assert "8050" in gap.detail
    assert "2023" in gap.detail


def test_an_income_exactly_at_the_floor_is_not_below_it() -> None:
    assert _eliminated_on_income(8050).gaps == []


def test_a_year_without_a_configured_floor_is_reported_and_not_guessed() -> None:
    [gap] = _eliminated_on_income(5000, "2024-09-30").gaps
    assert (gap.code, gap.severity) == ("FLOOR_NOT_CONFIGURED", "info")
    assert _eliminated_on_income(5000, "2025-09-30").gaps[0].code == "INCOME_BELOW_FLOOR"


# MISSING_MATERIAL


def test_a_notice_without_its_photo_lacks_a_trace_material() -> None:
    stream, _ = enrolled(
        replaced(identification(), notice=notice("2021-10-25", "2021-10-29", kinds=["notice_text"]))
    )
    [gap] = stream.episode().gaps
    assert (gap.code, gap.step) == ("MISSING_MATERIAL", "notice")
    assert "notice_photo" in gap.detail


def test_a_photo_attached_later_completes_the_notices_materials() -> None:
    steps = replaced(
        identification(), notice=notice("2021-10-25", "2021-10-29", kinds=["notice_text"])
    )
    stream, events = enrolled(steps)
    stream.add(
        ev(
            "MaterialAttached",
            {"target_event_id": str(events["notice"].id), "note": "补公示照片"},
            "2022-01-05",
            ("notice_photo",),
        )
    )
    assert stream.episode().gaps == []


def test_a_voided_attachment_does_not_complete_the_materials() -> None:
    steps = replaced(
        identification(), notice=notice("2021-10-25", "2021-10-29", kinds=["notice_text"])
    )
    stream, events = enrolled(steps)
    attached = stream.add(
        ev(
            "MaterialAttached",
            {"target_event_id": str(events["notice"].id), "note": "补"},
            "2022-01-05",
            ("notice_photo",),
        )
    )
    stream.add(
        ev("EntryVoided", {"target_event_id": str(attached.id), "reason": "错图"}, "2022-01-06")
    )
    assert codes(stream.episode()) == ["MISSING_MATERIAL"]


def test_a_survey_made_in_the_national_app_needs_no_paper_form() -> None:
    in_app = survey("2021-10-21", kinds=["income_sheet"], system_ref="APP-2021-0042")
    assert enrolled(replaced(identification(), field_survey=in_app))[0].episode().gaps == []
    on_paper_without_form = survey("2021-10-21", kinds=["income_sheet"])
    stream, _ = enrolled(replaced(identification(), field_survey=on_paper_without_form))
    assert codes(stream.episode()) == ["MISSING_MATERIAL"]


def test_an_elimination_survey_needs_the_risk_elimination_assessment() -> None:
    stream, _ = eliminated(
        replaced(
            elimination(),
            field_survey=survey("2023-09-26", "elimination", 9000, ("2022-10-01", "2023-09-30")),
        )
    )
    [gap] = stream.episode().gaps
    assert gap.code == "MISSING_MATERIAL"
    assert "elimination_assessment" in gap.detail


def test_an_unsigned_application_form_is_a_missing_material() -> None:
    stream, _ = enrolled(
        replaced(
            identification(), application=ev("ApplicationSigned", {"member_id": "m1"}, "2021-10-21")
        )
    )
    assert [(g.code, g.step) for g in stream.episode().gaps] == [
        ("MISSING_MATERIAL", "application")
    ]


# LATE_ASSISTANCE_PLAN and MISSING_ASSISTANCE_PLAN


def _planned(on: str | None, after_marking: bool = False) -> Episode:
    steps = replaced(
        identification(),
        village_decision=ev(
            "VillageCommitteeDecided",
            {"purpose": "identification", "decision": "propose"},
            "2021-10-23",
        ),
    )
    plan = ev(
        "AssistancePlanned",
        {"measure_id": "ms1", "category": "health", "summary": "大病救助"},
        on or "2021-11-01",
    )
    marking = steps.pop("marking")
    stream, _ = enrolled(steps)
    if on and not after_marking:
        stream.add(plan)
    stream.add(marking)
    if on and after_marking:
        stream.add(plan)
    return stream.episode(0)


def test_measures_planned_only_after_the_county_confirmation_are_late() -> None:
    assert codes(_planned("2021-11-10")) == ["LATE_ASSISTANCE_PLAN"]
    assert codes(_planned("2021-12-01", after_marking=True)) == ["LATE_ASSISTANCE_PLAN"]


def test_measures_planned_by_the_county_confirmation_are_in_time() -> None:
    assert _planned("2021-11-05").gaps == []


def test_no_measures_at_all_is_a_missing_assistance_plan() -> None:
    assert codes(_planned(None)) == ["MISSING_ASSISTANCE_PLAN"]


# Department checks: MISSING_DEPARTMENT_CHECK timing and DEPARTMENT_CHECK_INCOMPLETE


def test_a_department_check_after_the_county_confirmation_does_not_satisfy_it() -> None:
    stream, events = enrolled(replaced(identification(), department_check=verified("2021-11-06")))
    [gap] = stream.episode().gaps
    assert gap.code == "MISSING_DEPARTMENT_CHECK"
    assert str(events["department_check"].id) in gap.detail


def test_a_comparison_before_the_authorization_is_kept_as_information() -> None:
    steps = identification()
    steps = {"comparison": verified("2021-10-15"), **steps}
    stream, events = enrolled(steps)
    episode = stream.episode()
    assert episode.steps["department_comparison"] == [str(events["comparison"].id)]
    assert episode.gaps == []
    stream, _ = enrolled(
        {"comparison": verified("2021-10-15"), **without(identification(), "department_check")}
    )
    assert codes(stream.episode()) == ["MISSING_DEPARTMENT_CHECK"]


def _requiring(*departments: str) -> RulesConfig:
    listed = ", ".join(f'"{d}"' for d in departments)
    text = load_text() + (
        f'\n[divisions."530925".required_departments]\nidentification = '
        f'{{ value = [{listed}], source = "test: county joint review" }}\n'
    )
    return RulesConfiguration.from_toml(text).for_division(f.VILLAGE)


def test_a_required_department_that_did_not_verify_leaves_the_check_incomplete() -> None:
    stream, _ = enrolled()
    config = _requiring("public_security", "natural_resources")
    [gap] = stream.episode(config=config).gaps
    assert gap.code == "DEPARTMENT_CHECK_INCOMPLETE"
    assert "natural_resources" in gap.detail


def test_every_required_department_verifying_completes_the_check() -> None:
    steps = identification()
    steps = {**steps, "second": verified("2021-10-22", department="natural_resources")}
    steps["marking"] = steps.pop("marking")
    stream, _ = enrolled(steps)
    assert stream.episode(config=_requiring("public_security", "natural_resources")).gaps == []


# WRONG_EXIT_FOR_CARD_STATUS


def _exited(marking: str, filed_card: bool) -> Episode:
    registration = f.registered(
        category="poverty_alleviated" if filed_card else "general", filed_card=filed_card
    )
    monitoring_type = "unstable_alleviated" if filed_card else "marginal"
    stream, _ = enrolled(identification(monitoring_type), registration)
    stream.run(assisted())
    stream.run(exit_steps(marking))
    return stream.episode()


def test_withdrawing_a_filed_card_household_is_the_wrong_exit() -> None:
    assert codes(_exited("withdrawn", filed_card=True)) == ["WRONG_EXIT_FOR_CARD_STATUS"]


def test_rolling_back_the_risk_mark_of_a_filed_card_household_is_its_exit() -> None:
    assert _exited("risk_mark_rolled_back", filed_card=True).gaps == []


def test_rolling_back_the_mark_of_a_household_without_a_card_is_the_wrong_exit() -> None:
    assert codes(_exited("risk_mark_rolled_back", filed_card=False)) == [
        "WRONG_EXIT_FOR_CARD_STATUS"
    ]
    assert _exited("withdrawn", filed_card=False).gaps == []


# Remedies (补齐): REMEDIED_LATE


def test_a_step_completed_afterwards_is_remedied_late_not_missing_or_out_of_order() -> None:
    stream, events = enrolled(without(identification(), "appraisal"))
    remedy = appraisal("2022-03-15")
    remedy["remedies"] = str(events["marking"].id)
    added = stream.add(remedy)
    episode = stream.episode()
    assert [(g.code, g.step, g.severity) for g in episode.gaps] == [
        ("REMEDIED_LATE", "appraisal", "info")
    ]
    assert episode.steps["appraisal"] == [str(added.id)]


def test_the_same_step_done_late_without_remedies_still_misses() -> None:
    stream, _ = enrolled(without(identification(), "appraisal"))
    stream.add(appraisal("2022-03-15"))
    assert codes(stream.episode()) == ["MISSING_APPRAISAL"]


def test_a_remedying_event_counts_only_in_the_episode_it_remedies() -> None:
    stream, enrolment = enrolled()
    stream.run(assisted())
    steps = elimination()
    marking = steps.pop("marking")
    steps.pop("appraisal")
    stream.run(steps)
    remedy = appraisal("2023-09-28", "elimination")
    remedy["remedies"] = str(enrolment["marking"].id)  # recorded here, but for the enrolment
    stream.add(remedy)
    stream.add(marking)
    first, second = stream.report().episodes
    assert codes(second) == ["MISSING_APPRAISAL"]
    assert "REMEDIED_LATE" in codes(first)


def test_a_remedied_notice_is_still_judged_for_its_length() -> None:
    stream, events = enrolled(without(identification(), "notice"))
    late = notice("2022-03-14", "2022-03-16")
    late["remedies"] = str(events["marking"].id)
    stream.add(late)
    assert sorted(codes(stream.episode())) == ["NOTICE_TOO_SHORT", "REMEDIED_LATE"]


def test_measures_planned_in_a_later_monitoring_period_do_not_make_an_old_plan_late() -> None:
    stream, _ = enrolled(
        replaced(
            identification(),
            village_decision=ev(
                "VillageCommitteeDecided",
                {"purpose": "identification", "decision": "propose"},
                "2021-10-23",
            ),
        )
    )
    stream.run(exit_steps())
    stream.add(marked("enrolled", "2022-06-01", "marginal"))
    stream.add(
        ev(
            "AssistancePlanned",
            {"measure_id": "ms9", "category": "employment", "summary": "公益性岗位"},
            "2022-06-05",
        )
    )
    assert "MISSING_ASSISTANCE_PLAN" in codes(stream.episode(0))
    assert "LATE_ASSISTANCE_PLAN" not in codes(stream.episode(0))


def test_a_risk_re_marking_follows_the_identification_procedure() -> None:
    stream, _ = eliminated()
    stream.add(marked("risk_remarked", "2024-03-01", "sudden_hardship"))
    episode = stream.episode()
    assert episode.kind == "identification"
    assert {
        "MISSING_SCREENING",
        "MISSING_FIELD_SURVEY",
        "MISSING_NOTICE",
        "MISSING_COUNTY_CONFIRMATION",
    } <= set(codes(episode))


def test_help_delivered_during_the_identification_procedure_counts_against_quick_in_out() -> None:
    steps = identification()
    marking = steps.pop("marking")
    stream = Stream()
    stream.run(steps)
    stream.run(assisted())  # planned and delivered before the marking was entered
    stream.add(marking)
    stream.run(elimination())
    assert "QUICK_IN_OUT" not in codes(stream.episode())
