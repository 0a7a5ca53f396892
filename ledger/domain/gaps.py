"""Gaps (程序缺失, CONTRACT §3): what the completeness rules can find wrong with an
episode, each code with its severity and its Chinese label.

A new gap code is one ``GapCode`` entry here and the rule that gives it
(``ledger/domain/completeness/``); the labels, the exports, the web pages' filters and the
report's listings are derived from this enum. Codes and severities are ``StrEnum``s, so
a report carries their plain string values.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Self

from ledger.domain.labelled import LabelledEnum
from ledger.domain.procedure import Step


class Severity(LabelledEnum):
    """A violation of the procedure, or information (a rule not judged, a step completed
    late)."""

    VIOLATION = "violation", "违规"
    INFO = "info", "提示"


VIOLATION, INFO = Severity.VIOLATION, Severity.INFO


class GapCode(StrEnum):
    """A gap's code; ``missing_step`` is the step a ``MISSING_<STEP>`` code says is absent."""

    severity: Severity
    label_zh: str
    missing_step: Step | None

    # The defaults only let a lookup by value (``GapCode("OUT_OF_ORDER")``) type-check:
    # every member below gives its severity and label.
    def __new__(
        cls,
        value: str,
        severity: Severity = Severity.VIOLATION,
        label_zh: str = "",
        missing_step: Step | None = None,
    ) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.severity = severity
        member.label_zh = label_zh
        member.missing_step = missing_step
        return member

    MISSING_SCREENING = (
        "MISSING_SCREENING",
        VIOLATION,
        "缺少综合分析研判（列为重点核查）",
        Step.SCREENING,
    )
    MISSING_FIELD_SURVEY = (
        "MISSING_FIELD_SURVEY",
        VIOLATION,
        "缺少实地调查（入户核查）",
        Step.FIELD_SURVEY,
    )
    MISSING_APPLICATION = "MISSING_APPLICATION", VIOLATION, "缺少纳入监测申请", Step.APPLICATION
    MISSING_AUTHORIZATION = "MISSING_AUTHORIZATION", VIOLATION, "缺少授权承诺书", Step.AUTHORIZATION
    MISSING_APPRAISAL = "MISSING_APPRAISAL", VIOLATION, "缺少通过的民主评议", Step.APPRAISAL
    MISSING_VILLAGE_DECISION = (
        "MISSING_VILLAGE_DECISION",
        VIOLATION,
        "缺少村两委研究提出",
        Step.VILLAGE_DECISION,
    )
    MISSING_ASSISTANCE_PLAN = (
        "MISSING_ASSISTANCE_PLAN",
        VIOLATION,
        "缺少帮扶措施",
        Step.ASSISTANCE_PLAN,
    )
    MISSING_NOTICE = "MISSING_NOTICE", VIOLATION, "缺少公示", Step.NOTICE
    MISSING_TOWNSHIP_REVIEW = (
        "MISSING_TOWNSHIP_REVIEW",
        VIOLATION,
        "缺少通过的乡镇审核",
        Step.TOWNSHIP_REVIEW,
    )
    MISSING_DEPARTMENT_CHECK = (
        "MISSING_DEPARTMENT_CHECK",
        VIOLATION,
        "缺少部门复核",
        Step.DEPARTMENT_CHECK,
    )
    MISSING_COUNTY_CONFIRMATION = (
        "MISSING_COUNTY_CONFIRMATION",
        VIOLATION,
        "缺少县级确定",
        Step.COUNTY_CONFIRMATION,
    )
    MISSING_EFFECTIVENESS_APPRAISAL = (
        "MISSING_EFFECTIVENESS_APPRAISAL",
        VIOLATION,
        "缺少“稳定”的帮扶成效评议",
        Step.EFFECTIVENESS_APPRAISAL,
    )
    MISSING_INFORMED_CONSENT = (
        "MISSING_INFORMED_CONSENT",
        VIOLATION,
        "缺少农户知情同意",
        Step.INFORMED_CONSENT,
    )
    MISSING_MATERIAL = "MISSING_MATERIAL", VIOLATION, "缺少痕迹资料"
    NOTICE_TOO_SHORT = "NOTICE_TOO_SHORT", VIOLATION, "公示时间不足"
    NOTICE_CHANNEL_MISSING = "NOTICE_CHANNEL_MISSING", VIOLATION, "公示渠道不全"
    NOTICE_LENGTH_NOT_CONFIGURED = "NOTICE_LENGTH_NOT_CONFIGURED", INFO, "未配置公示时长（未判断）"
    OBJECTION_UNRESOLVED = "OBJECTION_UNRESOLVED", VIOLATION, "异议未处理即审核"
    OBJECTION_UPHELD = "OBJECTION_UPHELD", VIOLATION, "异议成立仍作标注"
    OUT_OF_ORDER = "OUT_OF_ORDER", VIOLATION, "程序顺序颠倒"
    STEP_REJECTED = "STEP_REJECTED", VIOLATION, "环节未通过仍作标注"
    EXCLUSION_FOUND = "EXCLUSION_FOUND", VIOLATION, "存在不纳入情形且无专门说明"
    QUICK_IN_OUT = "QUICK_IN_OUT", VIOLATION, "即时进即时退（无帮扶）"
    INCOME_BELOW_FLOOR = "INCOME_BELOW_FLOOR", VIOLATION, "收入低于监测底线仍消除风险"
    LATE_ASSISTANCE_PLAN = "LATE_ASSISTANCE_PLAN", VIOLATION, "帮扶措施晚于县级确定"
    DEPARTMENT_CHECK_INCOMPLETE = "DEPARTMENT_CHECK_INCOMPLETE", VIOLATION, "部门复核不全"
    WRONG_EXIT_FOR_CARD_STATUS = (
        "WRONG_EXIT_FOR_CARD_STATUS",
        VIOLATION,
        "退出方式与建档立卡身份不符",
    )
    REMEDIED_LATE = "REMEDIED_LATE", INFO, "事后补齐"
    FLOOR_NOT_CONFIGURED = "FLOOR_NOT_CONFIGURED", INFO, "未配置当年监测底线（未判断）"
    CALENDAR_UNKNOWN = "CALENDAR_UNKNOWN", INFO, "工作日历未知（未判断）"

    @property
    def completable(self) -> bool:
        """Whether ``remedies`` or ``MaterialAttached`` can still complete what it lacks
        (a ``MISSING_<STEP>`` or ``MISSING_MATERIAL``: CONTRACT §3 LB_MISSING_PROCEDURE)."""
        return self.missing_step is not None or self is GapCode.MISSING_MATERIAL


MISSING: Mapping[str, GapCode] = MappingProxyType(
    {code.missing_step: code for code in GapCode if code.missing_step is not None}
)
"""The ``MISSING_<STEP>`` code of each required step, by step (typed by ``str`` so that a
step read from a row looks it up as well)."""


@dataclass(frozen=True)
class Gap:
    """Something the procedure lacks (a violation) or a rule not judged or completed late
    (information), found in one episode; ``detail`` names the events, dates and rule;
    ``detail_zh`` says the same in Chinese for county staff (CONTRACT §7.5): the events by
    their types' labels and dates, never their ids (``ledger.domain.wording``)."""

    code: GapCode
    step: Step
    detail: str
    detail_zh: str

    @property
    def severity(self) -> Severity:
        return self.code.severity

    def to_document(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "step": self.step.value,
            "severity": self.severity.value,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
        }
