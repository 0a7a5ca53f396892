"""Look-back candidates (监测对象"回头看"): households to check again, and the action each
finding suggests (CONTRACT §3). A candidate is a household to check, not a verdict.

``candidates`` is pure: it judges the household's current state (``replay``) and its
events that count, at a ``reference_date``; time windows count back from that date, the
same day included.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.completeness import Completeness, assess
from ledger.domain.configuration import RulesConfig
from ledger.domain.episodes import (
    TRIGGERS,
    EpisodeEvents,
    HouseholdRecord,
    day,
    episodes,
    findings,
    unexplained_exclusions,
)
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, replay


@dataclass(frozen=True)
class Candidate:
    """One reason to look at the household again, and what it would lead to."""

    code: str
    action: str
    detail: str

    def to_document(self) -> dict[str, str]:
        return {"code": self.code, "action": self.action, "detail": self.detail}


def candidates(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    reference_date: date,
    calendar: WorkingDayCalendar | None = None,
) -> list[Candidate]:
    """The household's look-back candidates at ``reference_date``, at most one per code."""
    ordered = sorted(events, key=lambda e: e.version)
    facts = _Facts(
        household_id,
        ordered,
        replay(household_id, ordered),
        HouseholdRecord.of(ordered),
        config,
        reference_date,
        calendar,
    )
    found: list[Candidate] = []
    for code, action, rule in _RULES:
        reasons = list(rule(facts))
        if reasons:
            found.append(Candidate(code, action, " ".join(reasons)))
    return found


@dataclass(frozen=True)
class _Facts:
    household_id: str
    events: list[HouseholdEvent]
    state: Household
    record: HouseholdRecord
    config: RulesConfig
    reference: date
    calendar: WorkingDayCalendar | None
    completeness: Completeness | None = None  # when the caller has already assessed it

    @property
    def status(self) -> str:
        return str(self.state.status)

    @cached_property
    def episodes(self) -> list[EpisodeEvents]:
        return episodes(self.record)

    def latest_identification(self) -> EpisodeEvents | None:
        found = [e for e in self.episodes if e.kind == "identification"]
        return found[-1] if found else None

    def last_marking(self, *markings: str) -> HouseholdEvent | None:
        found = [m for m in self.record.markings if m.data.get("marking") in markings]
        return found[-1] if found else None


def _income(
    survey: Mapping[str, Any] | None, config: RulesConfig
) -> tuple[Decimal, Decimal, date] | None:
    """(per-capita income, floor, period end) of a survey whose year has a floor."""
    if not survey:
        return None
    end = (survey.get("period") or {}).get("end")
    income = survey.get("per_capita_net_income")
    if not isinstance(end, date) or not isinstance(income, Decimal | int):
        return None
    floor = config.floor(end.year)
    return None if floor is None else (Decimal(income), floor, end)


def _survey_ref(survey: Mapping[str, Any]) -> str:
    return f"FieldSurveyConducted {survey.get('event_id')}"


def _below_floor(f: _Facts) -> str | None:
    judged = _income(f.state.latest_survey, f.config)
    if judged is None or judged[0] >= judged[1]:
        return None
    income, floor, end = judged
    return (
        f"The latest survey, {_survey_ref(f.state.latest_survey or {})}, found "
        f"{income} yuan per head for the period ending {end}, below the {end.year} floor "
        f"of {floor} ({f.config.floors[end.year].source})."
    )


def _remark_income(f: _Facts) -> Iterator[str]:
    reason = _below_floor(f) if f.status == "risk_eliminated" else None
    if reason:
        yield (
            f"{reason} The household is marked risk_eliminated (000 §二(六) 已标注风险消除，"
            "但…家庭人均纯收入低于全省监测底线…进行风险再标注)."
        )


def _no_labor(f: _Facts) -> Iterator[str]:
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
            f"The latest survey, {_survey_ref(survey)}, says the whole household lacks "
            f"labour {rule}"
        )
    elif "full" not in labor and (
        "partial" not in labor or survey.get("stable_income_from_work") is False
    ):
        why = (
            "none has partial labour either"
            if "partial" not in labor
            else f"the latest survey, {_survey_ref(survey)}, finds no stable income from work"
        )
        yield f"No present member has full labour ({labor}) and {why} {rule}"


def _still_helped(f: _Facts) -> Iterator[str]:
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


def _exclusion(f: _Facts, filed_card: bool) -> Iterator[str]:
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


def _member_change(f: _Facts) -> Iterator[str]:
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


def _type_mismatch(f: _Facts) -> Iterator[str]:
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
    survey = identification.judged("field_survey") if identification else None
    judged = _income(survey.data, f.config) if survey else None
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


def _should_enroll(f: _Facts) -> Iterator[str]:
    if not f.state.registered or f.status not in ("not_monitored", "withdrawn"):
        return
    reason = _below_floor(f)
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


# The two rules that look at the reference date are judged in two parts: what the
# household's events alone decide, once; then, cheaply, the reasons at each reference date.
# Most households give no reason at any date, which the first part already knows (None).

ReasonsAt = Callable[[date], list[str]]
"""A dated rule's reasons for one household at a reference date."""
DatedRule = Callable[[_Facts], ReasonsAt | None]


def _trigger_unverified(f: _Facts) -> ReasonsAt | None:
    days = f.config.trigger_followup_days
    checks = [day(e) for e in f.record.of_type("ScreeningAnalyzed", "FieldSurveyConducted")]
    unverified: list[tuple[date, str]] = []  # (deadline, reason once it has passed)
    for trigger in f.record.of_type(*TRIGGERS):
        deadline = day(trigger) + timedelta(days=days.value)
        if any(day(trigger) <= on <= deadline for on in checks):
            continue
        unverified.append(
            (
                deadline,
                (
                    f"{trigger.TYPE} {trigger.id} ({day(trigger)}) had no ScreeningAnalyzed or "
                    f"FieldSurveyConducted by {deadline}, {days.value} days after it "
                    f"({days.source})."
                ),
            )
        )
    if not unverified:
        return None
    return lambda reference: [reason for deadline, reason in unverified if deadline < reference]


def _annual_effectiveness(f: _Facts) -> ReasonsAt | None:
    entry = f.last_marking("enrolled", "risk_remarked")
    if f.status != "monitored" or entry is None:
        return None
    entered = day(entry)
    appraisals = f.record.of_type("EffectivenessAppraised")

    def reasons_at(reference: date) -> list[str]:
        since = _year_before(reference)
        if entered >= since:
            return []
        appraised = [e for e in appraisals if day(e) <= reference]
        latest = max(appraised, key=day) if appraised else None
        if latest is not None and day(latest) >= since:
            return []
        # Said without the reference date, so the detail stays the same across a window.
        last = f"the last was {latest.id} ({day(latest)})" if latest else "there was none since"
        return [
            f"Monitored since the '{entry.data.get('marking')}' marking {entry.id} "
            f"({entered}), with no EffectivenessAppraised in the 12 months before the "
            f"reference date: {last} (002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议)."
        ]

    return reasons_at


def _at_reference(rule: DatedRule) -> Callable[[_Facts], list[str]]:
    """A dated rule judged at the facts' own reference date."""

    def judged(f: _Facts) -> list[str]:
        reasons_at = rule(f)
        return reasons_at(f.reference) if reasons_at else []

    return judged


def _year_before(reference: date) -> date:
    """The first day of the 12 months that end on ``reference`` (the same day included)."""
    try:
        start = reference.replace(year=reference.year - 1)
    except ValueError:  # 29 February
        start = reference.replace(year=reference.year - 1, day=28)
    return start + timedelta(days=1)


def _missing_procedure(f: _Facts) -> Iterator[str]:
    report = f.completeness or assess(f.household_id, f.events, f.config, f.calendar)
    for episode in report.episodes:
        missing = [f"{g.code} ({g.step})" for g in episode.gaps if g.code.startswith("MISSING_")]
        if missing:
            yield (
                f"The {episode.kind} episode closed by {episode.marking_event_id} lacks "
                f"{', '.join(missing)}: complete it with remedies or MaterialAttached "
                "(001 §二(二)1 补充完善监测程序和台账; 000 §一(二)3 不完整的要全面补齐)."
            )


_RULES: tuple[tuple[str, str, Callable[[_Facts], Iterable[str]]], ...] = (
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
    ("LB_TRIGGER_UNVERIFIED", "screen and survey", _at_reference(_trigger_unverified)),
    ("LB_NO_ANNUAL_EFFECTIVENESS", "appraise", _at_reference(_annual_effectiveness)),
    ("LB_MISSING_PROCEDURE", "complete the procedure", _missing_procedure),
)


@dataclass(frozen=True)
class CandidateWindow:
    """A candidate and the reference dates at which it holds: ``active_from`` (inclusive)
    to ``active_until`` (exclusive); ``None`` is unbounded."""

    code: str
    action: str
    detail: str
    active_from: date | None = None
    active_until: date | None = None


_DATED: dict[str, DatedRule] = {
    "LB_TRIGGER_UNVERIFIED": _trigger_unverified,
    "LB_NO_ANNUAL_EFFECTIVENESS": _annual_effectiveness,
}


def candidate_windows(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    calendar: WorkingDayCalendar | None = None,
    completeness: Completeness | None = None,
    state: Household | None = None,
) -> list[CandidateWindow]:
    """Every candidate with the reference dates at which it holds, so read models can
    answer ``candidates(…, reference_date)`` for any date without recomputing.
    ``completeness`` and ``state`` are the household's, when the caller already has them.

    Only two rules look at the reference date; their answer can change only on the dates
    where a window of theirs opens or closes, so judging them on each such date is exact.
    """
    ordered = sorted(events, key=lambda e: e.version)
    facts = _Facts(
        household_id,
        ordered,
        replay(household_id, ordered) if state is None else state,
        HouseholdRecord.of(ordered),
        config,
        date.max,
        calendar,
        completeness,
    )
    windows: list[CandidateWindow] = []
    turning_points: list[date] | None = None
    for code, action, rule in _RULES:
        dated = _DATED.get(code)
        if dated is None:
            reasons = list(rule(facts))
            if reasons:
                windows.append(CandidateWindow(code, action, " ".join(reasons)))
            continue
        reasons_at = dated(facts)
        if reasons_at is None:
            continue
        if turning_points is None:
            turning_points = _turning_points(ordered, config)
        current: CandidateWindow | None = None
        for moment in turning_points:
            detail = " ".join(reasons_at(moment))
            if current and current.detail == detail:
                continue
            if current:
                windows.append(replace(current, active_until=moment))
            current = CandidateWindow(code, action, detail, moment) if detail else None
        if current:
            windows.append(current)
    return windows


def _turning_points(events: list[HouseholdEvent], config: RulesConfig) -> list[date]:
    follow_up = timedelta(days=config.trigger_followup_days.value)
    one_day = timedelta(days=1)
    points: set[date] = set()
    for on in {day(e) for e in events}:
        year_later = _year_after(on)
        points.update(
            {
                on,
                on + one_day,
                on + follow_up,
                on + follow_up + one_day,
                year_later - one_day,
                year_later,
                year_later + one_day,
            }
        )
    if points:
        points.add(min(points) - one_day)
    return sorted(points)


def _year_after(on: date) -> date:
    try:
        return on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year + 1, day=28)
