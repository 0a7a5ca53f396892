"""The official procedure (程序, CONTRACT §3): the kinds of episode a marking closes, the
steps each lists and requires, and which event type makes up which step.

``EpisodeKind`` and ``Step`` are ``StrEnum``s: the completeness report and the read models
carry their plain string values, so the served format never depends on these classes.
Each member carries its Chinese label (``label_zh``), from which ``labels`` derives its
vocabularies.
"""

from collections.abc import Mapping
from types import MappingProxyType

from ledger.domain.labelled import LabelledEnum
from ledger.domain.vocabulary import Purpose


class EpisodeKind(LabelledEnum):
    """The procedure a marking needs (one episode per ``SystemMarked``)."""

    IDENTIFICATION = "identification", "识别纳入程序"
    ELIMINATION = "elimination", "风险消除程序"
    EXIT = "exit", "退出程序（清退或风险标注回退）"
    ROLLBACK = "rollback", "风险消除回退程序"
    TYPE_ADJUSTMENT = "type_adjustment", "类型调整"


class Step(LabelledEnum):
    """A step of the procedure, as episodes list it and gaps name it."""

    TRIGGER = "trigger", "申报或预警线索"
    SCREENING = "screening", "综合分析研判"
    FIELD_SURVEY = "field_survey", "实地调查（入户核查）"
    APPLICATION = "application", "纳入监测申请"
    AUTHORIZATION = "authorization", "授权承诺书"
    APPRAISAL = "appraisal", "民主评议"
    VILLAGE_DECISION = "village_decision", "村两委研究"
    ASSISTANCE_PLAN = "assistance_plan", "帮扶措施"
    NOTICE = "notice", "公示"
    OBJECTION = "objection", "异议处理"
    TOWNSHIP_REVIEW = "township_review", "乡镇审核"
    DEPARTMENT_COMPARISON = "department_comparison", "部门信息比对（授权前）"
    DEPARTMENT_CHECK = "department_check", "部门复核（联审）"
    COUNTY_CONFIRMATION = "county_confirmation", "县级确定"
    EFFECTIVENESS_APPRAISAL = "effectiveness_appraisal", "帮扶成效评议"
    INFORMED_CONSENT = "informed_consent", "农户知情同意"
    # steps named only by gaps, never listed by an episode
    ASSISTANCE = "assistance", "帮扶落实"
    MARKING = "marking", "系统标注"


KIND_OF_MARKING: Mapping[str, EpisodeKind] = MappingProxyType(
    {
        "enrolled": EpisodeKind.IDENTIFICATION,
        # 再标注 is "按程序标注": the identification procedure
        "risk_remarked": EpisodeKind.IDENTIFICATION,
        "risk_eliminated": EpisodeKind.ELIMINATION,
        "withdrawn": EpisodeKind.EXIT,
        "risk_mark_rolled_back": EpisodeKind.EXIT,
        "elimination_rolled_back": EpisodeKind.ROLLBACK,
        "type_adjusted": EpisodeKind.TYPE_ADJUSTMENT,
    }
)
PURPOSE_OF_KIND: Mapping[str, Purpose] = MappingProxyType(
    {
        EpisodeKind.IDENTIFICATION: Purpose.IDENTIFICATION,
        EpisodeKind.ELIMINATION: Purpose.ELIMINATION,
        EpisodeKind.EXIT: Purpose.LOOKBACK,
        EpisodeKind.ROLLBACK: Purpose.LOOKBACK,
    }
)

# Keyed by episode kind; typed by ``str`` so that a kind read from a served document looks
# its steps up as well.
STEPS: Mapping[str, tuple[Step, ...]] = MappingProxyType(
    {
        EpisodeKind.IDENTIFICATION: (
            Step.TRIGGER,
            Step.SCREENING,
            Step.FIELD_SURVEY,
            Step.APPLICATION,
            Step.AUTHORIZATION,
            Step.APPRAISAL,
            Step.VILLAGE_DECISION,
            Step.ASSISTANCE_PLAN,
            Step.NOTICE,
            Step.OBJECTION,
            Step.TOWNSHIP_REVIEW,
            Step.DEPARTMENT_COMPARISON,
            Step.DEPARTMENT_CHECK,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.ELIMINATION: (
            Step.EFFECTIVENESS_APPRAISAL,
            Step.FIELD_SURVEY,
            Step.INFORMED_CONSENT,
            Step.APPRAISAL,
            Step.NOTICE,
            Step.OBJECTION,
            Step.TOWNSHIP_REVIEW,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.EXIT: (
            Step.FIELD_SURVEY,
            Step.OBJECTION,
            Step.DEPARTMENT_CHECK,
            Step.TOWNSHIP_REVIEW,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.ROLLBACK: (
            Step.FIELD_SURVEY,
            Step.EFFECTIVENESS_APPRAISAL,
            Step.OBJECTION,
            Step.TOWNSHIP_REVIEW,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.TYPE_ADJUSTMENT: (),
    }
)
"""Every step an episode lists, required or not, in procedure order."""

REQUIRED_STEPS: Mapping[str, tuple[Step, ...]] = MappingProxyType(
    {
        EpisodeKind.IDENTIFICATION: (
            Step.SCREENING,
            Step.FIELD_SURVEY,
            Step.APPLICATION,
            Step.AUTHORIZATION,
            Step.APPRAISAL,
            Step.VILLAGE_DECISION,
            Step.ASSISTANCE_PLAN,
            Step.NOTICE,
            Step.TOWNSHIP_REVIEW,
            Step.DEPARTMENT_CHECK,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.ELIMINATION: (
            Step.EFFECTIVENESS_APPRAISAL,
            Step.FIELD_SURVEY,
            Step.INFORMED_CONSENT,
            Step.APPRAISAL,
            Step.NOTICE,
            Step.TOWNSHIP_REVIEW,
            Step.COUNTY_CONFIRMATION,
        ),
        EpisodeKind.EXIT: (
            Step.FIELD_SURVEY,
            Step.DEPARTMENT_CHECK,
            Step.TOWNSHIP_REVIEW,
            Step.COUNTY_CONFIRMATION,
        ),
        # a rollback needs a survey *or* an unstable effectiveness appraisal: see rollback_basis
        EpisodeKind.ROLLBACK: (Step.FIELD_SURVEY, Step.COUNTY_CONFIRMATION),
        EpisodeKind.TYPE_ADJUSTMENT: (),
    }
)

STEP_TYPE: Mapping[Step, str] = MappingProxyType(
    {
        Step.SCREENING: "ScreeningAnalyzed",
        Step.FIELD_SURVEY: "FieldSurveyConducted",
        Step.APPLICATION: "ApplicationSigned",
        Step.AUTHORIZATION: "AuthorizationSigned",
        Step.APPRAISAL: "DemocraticAppraisalHeld",
        Step.VILLAGE_DECISION: "VillageCommitteeDecided",
        Step.NOTICE: "PublicNoticePosted",
        Step.OBJECTION: "ObjectionRaised",
        Step.TOWNSHIP_REVIEW: "TownshipReviewed",
        Step.COUNTY_CONFIRMATION: "CountyConfirmed",
        Step.EFFECTIVENESS_APPRAISAL: "EffectivenessAppraised",
        Step.INFORMED_CONSENT: "InformedConsentGiven",
    }
)
"""The event type that makes up a step, where one type alone does."""

ALL_STEPS = frozenset(step for steps in STEPS.values() for step in steps)
"""The steps some episode lists (those a rules file may configure)."""

TRIGGERS = frozenset({"AssistanceApplied", "WarningReceived"})
EVERY_EPISODE = TRIGGERS | {
    "AssistancePlanned",
    "AssistanceDelivered",
    "AssistanceEnded",
    "MaterialAttached",
}
"""Event types without a ``purpose`` that belong to an episode of any kind."""

KINDS_OF_TYPE: Mapping[str, frozenset[EpisodeKind]] = MappingProxyType(
    {
        "ScreeningAnalyzed": frozenset({EpisodeKind.IDENTIFICATION}),
        "ApplicationSigned": frozenset({EpisodeKind.IDENTIFICATION}),
        "AuthorizationSigned": frozenset({EpisodeKind.IDENTIFICATION}),
        "EffectivenessAppraised": frozenset({EpisodeKind.ELIMINATION, EpisodeKind.ROLLBACK}),
    }
)
"""Event types without a ``purpose`` that belong to episodes of some kinds only."""
