"""The look-back rules (监测对象"回头看", CONTRACT §3): each code, the action it suggests
and the reasons it finds for one household."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType

from ledger.domain.completeness import assess
from ledger.domain.events import HouseholdEvent
from ledger.domain.exclusions import findings, unexplained_exclusions
from ledger.domain.lookback.dated import (
    DatedRule,
    annual_effectiveness,
    at_reference,
    trigger_unverified,
)
from ledger.domain.lookback.facts import Facts, below_floor, survey_income, survey_ref
from ledger.domain.procedure import Step
from ledger.domain.record import day


def _remark_income(f: Facts) -> Iterator[str]:
    reason = below_floor(f) if f.status == "risk_eliminated" else None
    if reason:
        yield (
            f"{reason} The household is marked risk_eliminated (000 §二(六) 已标注风险消除，"
            "但…家庭人均纯收入低于全省监测底线…进行风险再标注)."
        )


def _no_labor(f: Facts) -> Iterator[str]:
    if f.status != "risk_eliminated":
        return
    survey = f.state.latest_survey or {}
    labor = [m.get("labor") for m in f.state.present_members()]
    rule = (
        "(000 §二(六) 已标注风险消除，但整户无劳动能力或部分丧失劳动能力且无法通过产业就业"
        "获得稳定收入的…进行回退处理)."
    )
    if survey.get("whole_household_lacks_labor") is True:
        yield (
            f"The latest survey, {survey_ref(survey)}, says the whole household lacks labour {rule}"
        )
    elif "full" not in labor and (
        "partial" not in labor or survey.get("stable_income_from_work") is False
    ):
        why = (
            "none has partial labour either"
            if "partial" not in labor
            else f"the latest survey, {survey_ref(survey)}, finds no stable income from work"
        )
        yield f"No present member has full labour ({labor}) and {why} {rule}"


def _still_helped(f: Facts) -> Iterator[str]:
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
            yield (
                f"EffectivenessAppraised {event.id} ({day(event)}) found the household "
                f"unstable after the elimination {elimination.id} ({day(elimination)})."
            )
        elif event.TYPE == "AssistanceDelivered":
            yield (
                f"AssistanceDelivered {event.id} (delivered "
                f"{event.data.get('delivered_on')}) came after the elimination "
                f"{elimination.id} ({day(elimination)}): still living on measures "
                "(001 §二(一)3 还在享受各类帮扶措施但已标注风险消除…要严格进行风险消除回退)."
            )


def _not_before(event: HouseholdEvent, on: date) -> bool:
    delivered = event.data.get("delivered_on")
    return (delivered if isinstance(delivered, date) else day(event)) >= on


def _exclusion(f: Facts, filed_card: bool) -> Iterator[str]:
    if f.status not in ("monitored", "risk_eliminated") or f.state.filed_card is not filed_card:
        return
    identification = f.latest_identification()
    if identification is None:
        return
    marking = identification.marking
    for finding in unexplained_exclusions(f.record, identification):
        yield (
            f"{finding.describe()}, household-level, on or before the identification "
            f"marking {marking.id} ({day(marking)}), whose county confirmation gives no "
            "special_inclusion (001 §二(一)4 识别前存在“10 类不纳入情形”…非建档立卡监测对象"
            "进行清退，…建档立卡监测对象进行风险标注回退)."
        )


def _member_change(f: Facts) -> Iterator[str]:
    removals = f.record.of_type("MemberRemoved")
    for finding in findings(f.record):
        rule = "(002 附件2 九; 001 §二(一)7 人口自然变更)."
        if finding.member_id is not None:
            member = f.state.members.get(finding.member_id)
            if member is not None and member.get("present"):
                yield f"{finding.describe()}, and that member is still present {rule}"
        elif finding.exclusion == "absent_member" and not any(
            day(r) >= day(finding.verification) for r in removals
        ):
            yield (
                f"{finding.describe()} without naming the member, and no member has been "
                f"removed since {rule}"
            )


def _type_mismatch(f: Facts) -> Iterator[str]:
    kind, category = f.state.monitoring_type, f.state.category
    if f.status not in ("monitored", "risk_eliminated") or kind is None:
        return
    needs = {"unstable_alleviated": "poverty_alleviated", "marginal": "general"}.get(kind)
    if needs and category != needs:
        yield (
            f"The household is of type '{kind}', which needs category '{needs}', but its "
            f"category is '{category}'."
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
        yield (
            f"The identification survey FieldSurveyConducted {survey.id} ({day(survey)}) "
            f"found {income} yuan per head, {'below' if below else 'at or above'} the "
            f"{end.year} floor of {floor}: the type should be {should}, not '{kind}' "
            "(001 §二(一)5 根据监测底线，参照监测对象识别时家庭人均纯收入指标…进行调整)."
        )


def _should_enroll(f: Facts) -> Iterator[str]:
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
        yield (
            f"{reason} The household is {f.status} and no exclusion finding stands against "
            "it: to check by 1+X (000 §一(一) 体外循环等应纳未纳现象; 003 §三(二))."
        )


def _missing_procedure(f: Facts) -> Iterator[str]:
    report = f.completeness or assess(f.household_id, f.events, f.config, f.calendar)
    for episode in report.episodes:
        missing = [f"{g.code} ({g.step})" for g in episode.gaps if g.code.completable]
        if missing:
            yield (
                f"The {episode.kind} episode closed by {episode.marking_event_id} lacks "
                f"{', '.join(missing)}: complete it with remedies or MaterialAttached "
                "(001 §二(二)1 补充完善监测程序和台账; 000 §一(二)3 不完整的要全面补齐)."
            )


RULES: tuple[tuple[str, str, Callable[[Facts], Iterable[str]]], ...] = (
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
