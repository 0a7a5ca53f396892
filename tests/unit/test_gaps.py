"""Gap codes, severities, steps and episode kinds are enums whose members carry their
facets; a report serves their plain string values, as it did when they were strings."""

import json

from ledger.domain.completeness import Episode
from ledger.domain.gaps import MISSING, Gap, GapCode, Severity
from ledger.domain.procedure import REQUIRED_STEPS, STEPS, EpisodeKind, Step


def test_a_gap_serves_plain_strings_and_takes_its_severity_from_its_code() -> None:
    gap = Gap(
        GapCode.REMEDIED_LATE,
        Step.NOTICE,
        "PublicNoticePosted e1 completed it",
        "2021年10月25日的“公示”记录事后补齐了公示环节",
    )
    document = gap.to_document()
    assert document == {
        "code": "REMEDIED_LATE",
        "step": "notice",
        "severity": "info",
        "detail": "PublicNoticePosted e1 completed it",
        "detail_zh": "2021年10月25日的“公示”记录事后补齐了公示环节",
    }
    assert all(type(value) is str for value in document.values())
    assert gap.severity is Severity.INFO


def test_an_episode_serves_its_kind_and_step_names_as_plain_strings() -> None:
    gap = Gap(GapCode.MISSING_NOTICE, Step.NOTICE, "no notice", "没有公示")
    episode = Episode(EpisodeKind.IDENTIFICATION, "m1", {Step.NOTICE: []}, [gap])
    document = episode.to_document()
    assert type(document["kind"]) is str
    assert [type(step) for step in document["steps"]] == [str]
    assert json.dumps(document) == json.dumps(
        {
            "kind": "identification",
            "marking_event_id": "m1",
            "steps": {"notice": []},
            "gaps": [
                {
                    "code": "MISSING_NOTICE",
                    "step": "notice",
                    "severity": "violation",
                    "detail": "no notice",
                    "detail_zh": "没有公示",
                }
            ],
        }
    )


def test_codes_steps_and_kinds_compare_hash_and_format_as_their_values() -> None:
    assert GapCode.OUT_OF_ORDER == "OUT_OF_ORDER"
    assert f"{GapCode.OUT_OF_ORDER}" == "OUT_OF_ORDER"
    assert Step.FIELD_SURVEY.value == "field_survey"
    by_step: dict[str, int] = {Step.FIELD_SURVEY: 1}
    assert by_step["field_survey"] == 1  # a plain name looks a member up
    assert f"{Step.FIELD_SURVEY}" == "field_survey"
    assert EpisodeKind("exit") is EpisodeKind.EXIT
    assert GapCode("CALENDAR_UNKNOWN") is GapCode.CALENDAR_UNKNOWN


def test_a_missing_code_names_its_step_and_can_be_completed_later() -> None:
    assert GapCode.MISSING_INFORMED_CONSENT.missing_step is Step.INFORMED_CONSENT
    assert MISSING[Step.ASSISTANCE_PLAN] is GapCode.MISSING_ASSISTANCE_PLAN
    assert MISSING.get("notice") is GapCode.MISSING_NOTICE
    assert GapCode.MISSING_MATERIAL.missing_step is None
    completable = {c for c in GapCode if c.completable}
    assert completable == {*MISSING.values(), GapCode.MISSING_MATERIAL}
    assert not GapCode.OUT_OF_ORDER.completable


def test_every_step_an_episode_requires_it_also_lists_and_every_kind_lists_its_steps() -> None:
    assert set(STEPS) == set(REQUIRED_STEPS) == set(EpisodeKind)
    for kind in EpisodeKind:
        assert set(REQUIRED_STEPS[kind]) <= set(STEPS[kind])
    listed = {step for steps in STEPS.values() for step in steps}
    assert set(Step) - listed == {Step.ASSISTANCE, Step.MARKING}  # named only by gaps
