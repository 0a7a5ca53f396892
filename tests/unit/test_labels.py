"""Chinese labels: every code the domain can produce has one, so a new event type, enum
member, step, gap code or look-back code without a label fails here. Episode kinds, steps,
gap codes and severities carry their labels (and a gap code its severity) in their enums."""

import inspect
import typing
from collections.abc import Iterator
from enum import StrEnum

import pytest
from pydantic import BaseModel

from ledger.domain import payloads, shapes, vocabulary
from ledger.domain.catalog import EVENT_TYPES as CONTRACT_EVENT_TYPES
from ledger.domain.gaps import MISSING, GapCode, Severity
from ledger.domain.labels import (
    Vocabulary,
    field_label,
    label,
    labels,
    value_vocabulary,
)
from ledger.domain.lookback.rules import RULES as LOOKBACK_RULES
from ledger.domain.procedure import KIND_OF_MARKING, REQUIRED_STEPS, STEPS, EpisodeKind, Step
from ledger.domain.quality.codes import FindingCode, SignalCode

ENUM_VOCABULARY: dict[type[StrEnum], Vocabulary] = {
    vocabulary.ActorRole: "actor_role",
    vocabulary.MaterialKind: "material_kind",
    vocabulary.Purpose: "purpose",
    vocabulary.MonitoringType: "monitoring_type",
    vocabulary.Department: "department",
    vocabulary.RiskType: "risk_type",
    vocabulary.Exclusion: "exclusion",
    vocabulary.Measure: "measure",
    vocabulary.Category: "category",
    vocabulary.Relation: "relation",
    vocabulary.Sex: "sex",
    vocabulary.Labor: "labor",
    vocabulary.Health: "health",
    vocabulary.MemberAddedReason: "member_added_reason",
    vocabulary.MemberRemovedReason: "member_removed_reason",
    vocabulary.ApplicationChannel: "application_channel",
    vocabulary.WarningCode: "warning_code",
    vocabulary.ScreeningDecision: "screening_decision",
    vocabulary.Guarantee: "guarantee",
    vocabulary.AppraisalResult: "appraisal_result",
    vocabulary.CommitteeDecision: "committee_decision",
    vocabulary.NoticeChannel: "notice_channel",
    vocabulary.ObjectionOutcome: "objection_outcome",
    vocabulary.TownshipDecision: "township_decision",
    vocabulary.CountyDecision: "county_decision",
    vocabulary.EffectivenessResult: "effectiveness_result",
    vocabulary.Marking: "marking",
    vocabulary.Status: "status",
    vocabulary.DataIssueSource: "data_issue_source",
    vocabulary.CallerRole: "caller_role",
}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _labelled(vocabulary_name: Vocabulary, value: str) -> bool:
    return value in labels(vocabulary_name) and _is_chinese(label(vocabulary_name, value))


# Enumerations and event types


def test_every_enumeration_of_the_vocabulary_has_a_label_vocabulary() -> None:
    enums = {
        cls
        for _, cls in inspect.getmembers(vocabulary, inspect.isclass)
        if issubclass(cls, StrEnum) and cls.__module__ == vocabulary.__name__
    }
    assert enums == set(ENUM_VOCABULARY)


@pytest.mark.parametrize("enum", list(ENUM_VOCABULARY), ids=lambda e: e.__name__)
def test_every_member_of_an_enumeration_has_a_chinese_label(enum: type[StrEnum]) -> None:
    name = ENUM_VOCABULARY[enum]
    assert [m.value for m in enum if not _labelled(name, m.value)] == []
    assert set(labels(name)) == {m.value for m in enum}, "a label for a value that is gone"


def test_every_event_type_has_a_chinese_label() -> None:
    assert set(labels("event_type")) == set(CONTRACT_EVENT_TYPES)
    assert [t for t in CONTRACT_EVENT_TYPES if not _labelled("event_type", t)] == []


def test_the_labels_of_the_seeds_are_used_for_the_procedure() -> None:
    assert label("event_type", "FieldSurveyConducted") == "入户核查（实地调查）"
    assert label("event_type", "DemocraticAppraisalHeld") == "民主评议"
    assert label("marking", "risk_mark_rolled_back") == "风险标注回退"
    assert label("monitoring_type", "marginal") == "边缘易致贫户"


def test_an_unknown_value_falls_back_to_itself() -> None:
    assert label("gap_code", "SOMETHING_NEW") == "SOMETHING_NEW"
    assert label("status", None) == ""


# Episodes and steps


def test_every_episode_kind_and_step_has_a_chinese_label() -> None:
    kinds = set(EpisodeKind) | set(KIND_OF_MARKING.values())
    assert set(labels("episode_kind")) == {k.value for k in EpisodeKind}
    assert [k for k in kinds if not _labelled("episode_kind", k)] == []
    steps = {step for listed in STEPS.values() for step in listed}
    assert [s for s in steps if not _labelled("step", s)] == []


# Gap codes, severities and steps: enums carrying their own labels


def test_every_gap_code_has_a_chinese_label_and_its_contract_severity() -> None:
    assert {"MISSING_SCREENING", "OUT_OF_ORDER", "REMEDIED_LATE"} <= {c.value for c in GapCode}
    assert [c for c in GapCode if not _labelled("gap_code", c)] == []
    assert set(labels("gap_code")) == {c.value for c in GapCode}, "a label for a code that is gone"
    # CONTRACT §3: the rules not judged and the steps completed late are information.
    assert {c for c in GapCode if c.severity == Severity.INFO} == {
        "NOTICE_LENGTH_NOT_CONFIGURED",
        "REMEDIED_LATE",
        "FLOOR_NOT_CONFIGURED",
        "CALENDAR_UNKNOWN",
    }
    assert {c.severity for c in GapCode} == set(Severity)


def test_every_finding_and_signal_code_has_a_chinese_label_and_no_label_outlives_its_code() -> None:
    assert [c for c in FindingCode if not _labelled("finding_code", c)] == []
    assert [c for c in SignalCode if not _labelled("signal_code", c)] == []
    assert set(labels("finding_code")) == {c.value for c in FindingCode}
    assert set(labels("signal_code")) == {c.value for c in SignalCode}
    assert label("finding_code", "DQ_DUPLICATE_PERSON") == FindingCode.DQ_DUPLICATE_PERSON.label_zh


def test_every_required_step_has_its_missing_code_and_no_other_step_does() -> None:
    required = {step for steps in REQUIRED_STEPS.values() for step in steps}
    assert set(MISSING) == required
    assert all(MISSING[step] == f"MISSING_{step.upper()}" for step in required)
    assert [c for c in GapCode if c.value.startswith("MISSING_") and not c.completable] == []


def test_every_step_has_a_chinese_label() -> None:
    assert [s for s in Step if not _labelled("step", s)] == []
    assert set(labels("step")) == {s.value for s in Step}


def test_every_severity_has_a_chinese_label() -> None:
    assert _labelled("severity", Severity.VIOLATION)
    assert _labelled("severity", Severity.INFO)
    assert set(labels("severity")) == {s.value for s in Severity}


# Look-back codes and the actions they suggest


def test_every_lookback_code_and_action_has_a_chinese_label() -> None:
    codes = {code for code, _, _ in LOOKBACK_RULES}
    actions = {action for _, action, _ in LOOKBACK_RULES}
    assert [c for c in codes if not _labelled("lookback_code", c)] == []
    assert set(labels("lookback_code")) == codes
    assert [a for a in actions if not _labelled("lookback_action", a)] == []


# Data fields: a label for every field, and the right vocabulary for its values


def _enum_and_model(annotation: object) -> tuple[type[StrEnum] | None, type[BaseModel] | None]:
    if isinstance(annotation, type):
        if issubclass(annotation, StrEnum):
            return annotation, None
        if issubclass(annotation, BaseModel):
            return None, annotation
    enum: type[StrEnum] | None = None
    model: type[BaseModel] | None = None
    for argument in typing.get_args(annotation):
        inner_enum, inner_model = _enum_and_model(argument)
        enum, model = enum or inner_enum, model or inner_model
    return enum, model


def _fields(
    model: type[BaseModel],
    prefix: str = "",
) -> Iterator[tuple[str, type[StrEnum] | None]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{info.alias or name}"
        enum, nested = _enum_and_model(info.annotation)
        yield path, enum
        if nested is not None:
            yield from _fields(nested, f"{path}.")


def _payload_fields() -> Iterator[tuple[str, str, type[StrEnum] | None]]:
    for event_type in CONTRACT_EVENT_TYPES:
        model = getattr(payloads, f"{event_type}Data")
        for path, enum in _fields(model):
            yield event_type, path, enum


def test_every_data_field_of_every_event_type_has_a_chinese_label() -> None:
    unlabelled = [
        (t, path)
        for t, path, _ in _payload_fields()
        if not _is_chinese(field_label(path)) and field_label(path) != "SHA-256"
    ]
    assert unlabelled == []


def test_the_envelope_fields_have_chinese_labels() -> None:
    for model in (shapes.Actor, shapes.Material, shapes.Member):
        paths = [path for path, _ in _fields(model)]
        assert [p for p in paths if p != "sha256" and not _is_chinese(field_label(p))] == []


def test_every_enumerated_data_field_names_the_vocabulary_of_its_values() -> None:
    wrong = [
        (t, path, value_vocabulary(t, path))
        for t, path, enum in _payload_fields()
        if value_vocabulary(t, path) != (ENUM_VOCABULARY[enum] if enum else None)
    ]
    assert wrong == []
