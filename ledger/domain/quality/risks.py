"""The findings on a household's risk types and markings (CONTRACT §7.5): risks the members
or the survey contradict, and a risk eliminated right after the enrolment."""

from collections.abc import Iterator, Mapping
from datetime import date

from ledger.domain import labels
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import Context
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import cite, cite_zh, finding, label, zh_date
from ledger.domain.record import day
from ledger.domain.vocabulary import Guarantee, Health, Marking, RiskType

# Each guarantee (两不愁三保障及饮水安全) and the risk type that must name its risk.
GUARANTEE_RISK = (
    ("drinking_water", RiskType.DRINKING_WATER),
    ("medical", RiskType.ILLNESS),
    ("housing", RiskType.HOUSING),
)
GUARANTEE_ZH = {"drinking_water": "饮水安全", "medical": "基本医疗", "housing": "住房安全"}


def disability_without_disabled(ctx: Context) -> Iterator[Finding]:
    if RiskType.DISABILITY not in ctx.risks:
        return
    if any(
        m.get("health") == Health.DISABLED or m.get("disability_grade") is not None
        for m in ctx.present
    ):
        return
    yield finding(
        FindingCode.DQ_DISABILITY_RISK_NO_DISABLED,
        "Risk 'disability' is named (by the latest survey or county confirmation), but no "
        "present member is 'disabled' or has a disability grade.",
        "最近一次入户核查或县级确定的风险类型为因残，但现有成员中无残疾或有残疾等级者。",
        ctx.risks[RiskType.DISABILITY],
    )


def guarantee_risk_mismatch(ctx: Context) -> Iterator[Finding]:
    survey = ctx.survey or {}
    guarantees, risk_types = survey.get("guarantees"), survey.get("risk_types")
    if not isinstance(guarantees, Mapping) or not isinstance(risk_types, list):
        return
    for guarantee, risk in GUARANTEE_RISK:
        if guarantees.get(guarantee) != Guarantee.AT_RISK or risk in risk_types:
            continue
        on = ctx.survey_day or date.min
        yield finding(
            FindingCode.DQ_GUARANTEE_RISK_MISMATCH,
            f"The latest survey, FieldSurveyConducted {survey.get('event_id')} ({on}), finds "
            f"'{guarantee}' at risk, but its risk types lack '{risk}'.",
            f"最近一次入户核查（{zh_date(on)}）认定{GUARANTEE_ZH[guarantee]}有风险，但风险类型未标注"
            f"{label(labels.RISK_TYPES, risk)}。",
            ctx.survey_events,
        )


def lack_of_labor_claim(ctx: Context) -> Iterator[Finding]:
    least = ctx.thresholds.lack_of_labor_min_members
    present, working = len(ctx.present), len(ctx.working)
    if RiskType.LACK_OF_LABOR not in ctx.risks or present < least.value or 2 * working <= present:
        return
    yield finding(
        FindingCode.DQ_LACK_OF_LABOR_CLAIM,
        f"Risk 'lack_of_labor' is named, but {working} of the {present} present members (more "
        f"than half, in a household of {least.value} or more) have full or partial labour.",
        f"风险类型为缺劳动力，但{present}名现有成员中有{working}名有劳动能力或部分丧失劳动"
        f"能力，超过半数（{least.value}人及以上家庭）。",
        ctx.risks[RiskType.LACK_OF_LABOR],
    )


def _month(on: date) -> int:
    return on.year * 12 + on.month


def quick_exit(ctx: Context) -> Iterator[Finding]:
    months = ctx.thresholds.quick_exit_months
    enrolment = None
    for marking in ctx.record.markings:
        if marking.data.get("marking") == Marking.ENROLLED:
            enrolment = marking
        elif marking.data.get("marking") == Marking.RISK_ELIMINATED and enrolment is not None:
            apart = _month(day(marking)) - _month(day(enrolment))
            if not 0 <= apart <= months.value:
                continue
            yield finding(
                FindingCode.DQ_QUICK_EXIT,
                f"The risk was eliminated ({cite(marking)}) {apart} calendar month(s) after "
                f"the month of the enrolment ({cite(enrolment)}), within the enrolment's "
                f"month and the {months.value} after it ({months.source}).",
                f"风险消除（{cite_zh(marking)}）与纳入监测（{cite_zh(enrolment)}）相隔"
                f"{apart}个自然月，在纳入当月或其后{months.value}个月内。",
                [str(marking.id), str(enrolment.id)],
            )
