"""The look-back rules (监测对象"回头看", CONTRACT §3): each code, the action it suggests
and the reasons it finds for one household."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType

from ledger.domain.completeness import assess
from ledger.domain.events import HouseholdEvent
from ledger.domain.exclusions import findings, unexplained_exclusions
from ledger.domain.labels import label
from ledger.domain.lookback.dated import (
    DatedRule,
    annual_effectiveness,
    at_reference,
    trigger_unverified,
)
from ledger.domain.lookback.facts import Facts, below_floor, survey_income, survey_ref
from ledger.domain.procedure import Step
from ledger.domain.record import day
from ledger.domain.wording import Said, date_zh, event_zh, finding_zh, labelled_zh, marking_zh


def _remark_income(f: Facts) -> Iterator[Said]:
    reason = below_floor(f) if f.status == "risk_eliminated" else None
    if reason:
        yield Said(
            f"{reason.en} The household is marked risk_eliminated (000 §二(六) 已标注风险消除，"
            "但…家庭人均纯收入低于全省监测底线…进行风险再标注).",
            f"{reason.zh}该户已标注风险消除（000 §二(六) 已标注风险消除，"
            "但…家庭人均纯收入低于全省监测底线…进行风险再标注）。",
        )


def _no_labor(f: Facts) -> Iterator[Said]:
    if f.status != "risk_eliminated":
        return
    survey = f.state.latest_survey or {}
    labor = [m.get("labor") for m in f.state.present_members()]
    rule = (
        "(000 §二(六) 已标注风险消除，但整户无劳动能力或部分丧失劳动能力且无法通过产业就业"
        "获得稳定收入的…进行回退处理)."
    )
    rule_zh = (
        "（000 §二(六) 已标注风险消除，但整户无劳动能力或部分丧失劳动能力且无法通过产业就业"
        "获得稳定收入的…进行回退处理）。"
    )
    latest = survey_ref(survey)
    if survey.get("whole_household_lacks_labor") is True:
        yield Said(
            f"The latest survey, {latest.en}, says the whole household lacks labour {rule}",
            f"最近一次调查即{latest.zh}认定整户无劳动能力{rule_zh}",
        )
    elif "full" not in labor and (
        "partial" not in labor or survey.get("stable_income_from_work") is False
    ):
        why = (
            "none has partial labour either"
            if "partial" not in labor
            else f"the latest survey, {latest.en}, finds no stable income from work"
        )
        why_zh = (
            "也没有人部分丧失劳动能力"
            if "partial" not in labor
            else f"最近一次调查即{latest.zh}认定没有稳定务工或经营收入"
        )
        held = "、".join(f"“{label('labor', v)}”" if v else "“未填写”" for v in labor)
        yield Said(
            f"No present member has full labour ({labor}) and {why} {rule}",
            f"现有家庭成员中没有人有劳动能力（各成员劳动能力：{held or '无成员'}），"
            f"且{why_zh}{rule_zh}",
        )


def _still_helped(f: Facts) -> Iterator[Said]:
    elimination = f.last_marking("risk_eliminated")
    if f.status != "risk_eliminated" or elimination is None:
        return
    after = [
        e
        for e in f.record.events
        if e.version > elimination.version
        and e.remedies is None
        and _not_before(e, day(elimination))
    ]
    for event in after:
        if event.TYPE == "EffectivenessAppraised" and event.data.get("result") == "unstable":
            yield Said(
                f"EffectivenessAppraised {event.id} ({day(event)}) found the household "
                f"unstable after the elimination {elimination.id} ({day(elimination)}).",
                f"{event_zh(event)}在{marking_zh(elimination)}之后认定该户“不稳定”。",
            )
        elif event.TYPE == "AssistanceDelivered":
            delivered = event.data.get("delivered_on")
            yield Said(
                f"AssistanceDelivered {event.id} (delivered "
                f"{delivered}) came after the elimination "
                f"{elimination.id} ({day(elimination)}): still living on measures "
                "(001 §二(一)3 还在享受各类帮扶措施但已标注风险消除…要严格进行风险消除回退).",
                f"{event_zh(event)}（落实日期"
                f"{date_zh(delivered if isinstance(delivered, date) else None)}）在"
                f"{marking_zh(elimination)}之后：仍在享受帮扶措施"
                "（001 §二(一)3 还在享受各类帮扶措施但已标注风险消除…要严格进行风险消除回退）。",
            )


def _not_before(event: HouseholdEvent, on: date) -> bool:
    delivered = event.data.get("delivered_on")
    return (delivered if isinstance(delivered, date) else day(event)) >= on


def _exclusion(f: Facts, filed_card: bool) -> Iterator[Said]:
    if f.status not in ("monitored", "risk_eliminated") or f.state.filed_card is not filed_card:
        return
    identification = f.latest_identification()
    if identification is None:
        return
    marking = identification.marking
    for finding in unexplained_exclusions(f.record, identification):
        yield Said(
            f"{finding.describe()}, household-level, on or before the identification "
            f"marking {marking.id} ({day(marking)}), whose county confirmation gives no "
            "special_inclusion (001 §二(一)4 识别前存在“10 类不纳入情形”…非建档立卡监测对象"
            "进行清退，…建档立卡监测对象进行风险标注回退).",
            f"{finding_zh(finding)}，属户层面情形，在识别纳入的{marking_zh(marking)}当日或"
            "之前已存在，而县级确定未作特殊情况纳入说明（001 §二(一)4 识别前存在“10 类不纳入"
            "情形”…非建档立卡监测对象进行清退，…建档立卡监测对象进行风险标注回退）。",
        )


def _member_change(f: Facts) -> Iterator[Said]:
    removals = f.record.of_type("MemberRemoved")
    rule = "(002 附件2 九; 001 §二(一)7 人口自然变更)."
    rule_zh = "（002 附件2 九；001 §二(一)7 人口自然变更）。"
    for finding in findings(f.record):
        if finding.member_id is not None:
            member = f.state.members.get(finding.member_id)
            if member is not None and member.get("present"):
                yield Said(
                    f"{finding.describe()}, and that member is still present {rule}",
                    f"{finding_zh(finding)}，而该成员仍在家庭成员中{rule_zh}",
                )
        elif finding.exclusion == "absent_member" and not any(
            day(r) >= day(finding.verification) for r in removals
        ):
            yield Said(
                f"{finding.describe()} without naming the member, and no member has been "
                f"removed since {rule}",
                f"{finding_zh(finding)}，但未指明是哪位成员，此后也没有减少任何家庭成员{rule_zh}",
            )


def _type_mismatch(f: Facts) -> Iterator[Said]:
    kind, category = f.state.monitoring_type, f.state.category
    if f.status not in ("monitored", "risk_eliminated") or kind is None:
        return
    needs = {"unstable_alleviated": "poverty_alleviated", "marginal": "general"}.get(kind)
    if needs and category != needs:
        yield Said(
            f"The household is of type '{kind}', which needs category '{needs}', but its "
            f"category is '{category}'.",
            f"该户监测对象类型为“{label('monitoring_type', kind)}”，应属"
            f"“{label('category', needs)}”，但其类别为"
            f"“{label('category', category) if category else '未填写'}”。",
        )
    identification = f.latest_identification()
    survey = identification.judged(Step.FIELD_SURVEY) if identification else None
    judged = survey_income(survey.data, f.config) if survey else None
    if survey is None or judged is None:
        return
    income, floor, end = judged
    below = income < floor
    if below == (kind == "sudden_hardship"):
        should = "unstable_alleviated or marginal" if below else "sudden_hardship"
        should_zh = (
            labelled_zh("monitoring_type", ("unstable_alleviated", "marginal"), "或")
            if below
            else labelled_zh("monitoring_type", ("sudden_hardship",))
        )
        yield Said(
            f"The identification survey FieldSurveyConducted {survey.id} ({day(survey)}) "
            f"found {income} yuan per head, {'below' if below else 'at or above'} the "
            f"{end.year} floor of {floor}: the type should be {should}, not '{kind}' "
            "(001 §二(一)5 根据监测底线，参照监测对象识别时家庭人均纯收入指标…进行调整).",
            f"识别时的调查即{event_zh(survey)}测算家庭人均纯收入{income}元，"
            f"{'低于' if below else '不低于'}{end.year}年监测底线{floor}元：类型应为"
            f"{should_zh}，而非“{label('monitoring_type', kind)}”"
            "（001 §二(一)5 根据监测底线，参照监测对象识别时家庭人均纯收入指标…进行调整）。",
        )


def _should_enroll(f: Facts) -> Iterator[Said]:
    if not f.state.registered or f.status not in ("not_monitored", "withdrawn"):
        return
    reason = below_floor(f)
    if reason is None:
        return
    explanations = [
        e for e in f.record.of_type("CountyConfirmed") if e.data.get("special_inclusion")
    ]
    unexplained = [
        x
        for x in findings(f.record)
        if x.household_level and not any(day(e) >= day(x.verification) for e in explanations)
    ]
    if not unexplained:
        yield Said(
            f"{reason.en} The household is {f.status} and no exclusion finding stands against "
            "it: to check by 1+X (000 §一(一) 体外循环等应纳未纳现象; 003 §三(二)).",
            f"{reason.zh}该户为“{label('status', f.status)}”，也没有不纳入情形的核查发现："
            "应按“1+X”核查（000 §一(一) 体外循环等应纳未纳现象；003 §三(二)）。",
        )


def _missing_procedure(f: Facts) -> Iterator[Said]:
    report = f.completeness or assess(f.household_id, f.events, f.config, f.calendar)
    markings = {str(m.id): m for m in f.record.markings}
    for episode in report.episodes:
        lacking = [g for g in episode.gaps if g.code.completable]
        if lacking:
            missing = [f"{g.code} ({g.step})" for g in lacking]
            missing_zh = "、".join(f"{g.code.label_zh}（{g.step.label_zh}）" for g in lacking)
            marking = markings.get(episode.marking_event_id)
            closed_by = marking_zh(marking) if marking else "标注"
            yield Said(
                f"The {episode.kind} episode closed by {episode.marking_event_id} lacks "
                f"{', '.join(missing)}: complete it with remedies or MaterialAttached "
                "(001 §二(二)1 补充完善监测程序和台账; 000 §一(二)3 不完整的要全面补齐).",
                f"{closed_by}的{episode.kind.label_zh}尚有问题可以补齐：{missing_zh}；应补录"
                "补齐程序的记录或补充痕迹资料（001 §二(二)1 补充完善监测程序和台账；000 §一(二)3 "
                "不完整的要全面补齐）。",
            )


RULES: tuple[tuple[str, str, Callable[[Facts], Iterable[Said]]], ...] = (
    ("LB_REMARK_INCOME_BELOW_FLOOR", "risk_remarked", _remark_income),
    ("LB_ROLLBACK_NO_LABOR", "elimination_rolled_back", _no_labor),
    ("LB_ROLLBACK_UNSTABLE", "elimination_rolled_back", _still_helped),
    ("LB_WITHDRAW_EXCLUSION", "withdrawn", lambda f: _exclusion(f, filed_card=False)),
    (
        "LB_ROLLBACK_MARK_EXCLUSION",
        "risk_mark_rolled_back",
        lambda f: _exclusion(f, filed_card=True),
    ),
    ("LB_MEMBER_CHANGE", "MemberRemoved or a correction", _member_change),
    ("LB_TYPE_MISMATCH", "type_adjusted", _type_mismatch),
    ("LB_SHOULD_ENROLL", "enrolled after the procedure", _should_enroll),
    ("LB_TRIGGER_UNVERIFIED", "screen and survey", at_reference(trigger_unverified)),
    ("LB_NO_ANNUAL_EFFECTIVENESS", "appraise", at_reference(annual_effectiveness)),
    ("LB_MISSING_PROCEDURE", "complete the procedure", _missing_procedure),
)


DATED: Mapping[str, DatedRule] = MappingProxyType(
    {
        "LB_TRIGGER_UNVERIFIED": trigger_unverified,
        "LB_NO_ANNUAL_EFFECTIVENESS": annual_effectiveness,
    }
)
"""The rules that look at the reference date, by code, in their two parts."""
