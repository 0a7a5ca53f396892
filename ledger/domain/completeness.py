"""Completeness (程序完整性): did the official procedure behind each marking happen, in
order, with its paperwork? CONTRACT §3, judged per episode.

``assess`` is pure: the household's events, the configuration in force for its division
and a working-day calendar in; the episodes with their steps (event ids) and gaps out.
Every gap's detail names the events, dates and rule, so an auditor can check it by hand.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.configuration import RulesConfig
from ledger.domain.episodes import (
    PURPOSE_OF_KIND,
    REQUIRED_STEPS,
    STEP_TYPE,
    STEPS,
    EpisodeEvents,
    HouseholdRecord,
    confirmation_bound,
    day,
    episodes,
    latest_survey_before,
    rollback_basis,
    unexplained_exclusions,
)
from ledger.domain.events import HouseholdEvent

VIOLATION, INFO = "violation", "info"


@dataclass(frozen=True)
class Gap:
    """Something the procedure lacks (a violation) or a rule not judged or completed late
    (information)."""

    code: str
    step: str
    severity: str
    detail: str

    def to_document(self) -> dict[str, str]:
        return {
            "code": self.code,
            "step": self.step,
            "severity": self.severity,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Episode:
    """The procedure a marking closes: its steps (event ids, oldest first) and gaps."""

    kind: str
    marking_event_id: str
    steps: dict[str, list[str]]
    gaps: list[Gap]

    def to_document(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "marking_event_id": self.marking_event_id,
            "steps": {k: list(v) for k, v in self.steps.items()},
            "gaps": [g.to_document() for g in self.gaps],
        }


@dataclass(frozen=True)
class Completeness:
    """A household's completeness report (CONTRACT §5)."""

    household_id: str
    config_version: str
    episodes: list[Episode]

    def to_document(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "config_version": self.config_version,
            "episodes": [e.to_document() for e in self.episodes],
        }


def assess(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    calendar: WorkingDayCalendar | None = None,
) -> Completeness:
    """The completeness of every episode of the household, oldest first."""
    record = HouseholdRecord.of(events)
    judging = [
        _Judging(record, episode, config, calendar or config.calendar)
        for episode in episodes(record)
    ]
    return Completeness(household_id, config.version, [j.episode() for j in judging])


@dataclass(frozen=True)
class _Judging:
    record: HouseholdRecord
    events: EpisodeEvents
    config: RulesConfig
    calendar: WorkingDayCalendar

    def episode(self) -> Episode:
        gaps: list[Gap] = []
        if self.events.kind != "type_adjustment":
            for rule in _RULES:
                gaps.extend(rule(self))
        steps = {name: [str(e.id) for e in step.events] for name, step in self.events.steps.items()}
        return Episode(self.events.kind, str(self.marking.id), steps, gaps)

    @property
    def marking(self) -> HouseholdEvent:
        return self.events.marking

    @property
    def kind(self) -> str:
        return self.events.kind

    def closing(self) -> str:
        return (
            f"the '{self.marking.data.get('marking')}' marking {self.marking.id} "
            f"({day(self.marking)})"
        )

    def window(self) -> str:
        opened = self.events.opened_by
        after = (
            f"after the '{opened.data.get('marking')}' marking {opened.id} ({day(opened)})"
            if opened
            else "since the registration"
        )
        return f"recorded {after} up to {self.closing()}, nor remedying that marking"


def _ref(event: HouseholdEvent) -> str:
    return f"{event.TYPE} {event.id} ({day(event)})"


_LABELS = {
    "screening": "the village's analysis (综合分析研判) deciding a key check",
    "field_survey": "a field survey (实地调查)",
    "application": "the signed application (纳入监测申请)",
    "authorization": "the signed authorization and commitment letter (授权承诺书)",
    "appraisal": "an approving democratic appraisal (民主评议)",
    "village_decision": "the village committee's proposal (村两委研究)",
    "assistance_plan": "assistance measures (帮扶措施) in the village decision or planned by "
    "the county confirmation",
    "notice": "a public notice (公示)",
    "township_review": "an approving township review (乡镇审核)",
    "department_check": "a department re-check (部门复核) dated on or after the authorization "
    "and by the county confirmation",
    "county_confirmation": "the county's confirmation (县级确定)",
    "effectiveness_appraisal": "a stable effectiveness appraisal (帮扶成效评议)",
    "informed_consent": "the household's informed consent (知情同意)",
}
_KIND_LABELS = {
    ("elimination", "field_survey"): "the risk-elimination assessment survey (风险销号评估认定)",
    ("exit", "department_check"): "a department verification (of any purpose, on or before the "
    "marking) whose findings name an exclusion situation "
    "(10类不纳入情形)",
    ("rollback", "field_survey"): "a field survey, or an 'unstable' effectiveness appraisal "
    "made after the elimination",
}


def _label(kind: str, step: str) -> str:
    return _KIND_LABELS.get((kind, step), _LABELS.get(step, step))


# Present, and not rejected


_ACCEPTED: dict[str, tuple[str, str]] = {
    "screening": ("decision", "key_check"),
    "appraisal": ("result", "approved"),
    "village_decision": ("decision", "propose"),
    "township_review": ("decision", "approved"),
    "county_confirmation": ("decision", "confirmed"),
}


def _missing(j: _Judging) -> Iterator[Gap]:
    for step in REQUIRED_STEPS[j.kind]:
        if step == "field_survey" and j.kind == "rollback":
            present = rollback_basis(j.events)
        else:
            present = j.events.judged(step)
        if present is None:
            yield Gap(f"MISSING_{step.upper()}", step, VIOLATION, _missing_detail(j, step))


def _missing_detail(j: _Judging, step: str) -> str:
    kind = j.kind
    what = STEP_TYPE.get(
        step, "AssistancePlanned" if step == "assistance_plan" else "DepartmentVerified"
    )
    if what in _PURPOSED and not (kind == "exit" and step == "department_check"):
        what = f"{what} with purpose '{PURPOSE_OF_KIND[kind]}'"
    notes = ""
    if step == "department_check" and kind == "identification":
        late = j.events.steps["department_check"].events
        if late:
            notes = (
                f" {', '.join(_ref(e) for e in late)} came after the county "
                "confirmation (or, without one, the marking) and does not satisfy it."
            )
        early = j.events.steps["department_comparison"].events
        if early:
            notes += (
                f" {', '.join(_ref(e) for e in early)} came before the authorization "
                "and is kept as department_comparison (information)."
            )
    return (
        f"No {what} that counts for this step was {j.window()}; the {kind} procedure "
        f"requires {_label(kind, step)}.{notes}"
    )


_PURPOSED = frozenset(
    {
        "FieldSurveyConducted",
        "DemocraticAppraisalHeld",
        "VillageCommitteeDecided",
        "PublicNoticePosted",
        "TownshipReviewed",
        "DepartmentVerified",
        "CountyConfirmed",
        "InformedConsentGiven",
    }
)


def _rejected(j: _Judging) -> Iterator[Gap]:
    accepted = dict(_ACCEPTED)
    if j.kind == "elimination":
        accepted["effectiveness_appraisal"] = ("result", "stable")
    for step, (field, wanted) in accepted.items():
        judged = j.events.judged(step)
        if judged is None or STEP_TYPE[step] != judged.TYPE:
            continue
        value = judged.data.get(field)
        if value != wanted:
            yield Gap(
                "STEP_REJECTED",
                step,
                VIOLATION,
                f"{_ref(judged)}, the {step} judged (the last before the marking), has "
                f"{field} '{value}', not '{wanted}', yet {j.closing()} was made.",
            )


# Trace materials (痕迹资料)


def _materials(j: _Judging) -> Iterator[Gap]:
    for step in STEPS[j.kind]:
        required = j.config.required_materials(j.kind, step)
        judged = j.events.judged(step)
        if required is None or judged is None or STEP_TYPE.get(step) != judged.TYPE:
            continue
        kinds = j.record.material_kinds(judged)
        for alternatives in required.value:
            if kinds.isdisjoint(alternatives):
                wanted = " or ".join(
                    "data.system_ref" if a == "system_ref" else a for a in alternatives
                )
                yield Gap(
                    "MISSING_MATERIAL",
                    step,
                    VIOLATION,
                    f"{_ref(judged)} has no {wanted} among its materials "
                    f"{sorted(kinds) or '[]'} (its own and any MaterialAttached to it "
                    f"since); configured for {step}: {required.source}.",
                )


# Order ("A before B": A's date is not after B's)


_CHAINS: dict[str, tuple[tuple[str, ...], ...]] = {
    "identification": (
        (
            "screening",
            "field_survey",
            "appraisal",
            "village_decision",
            "notice.start",
            "notice.end",
            "township_review",
            "county_confirmation",
            "marking",
        ),
        ("application", "department_check", "county_confirmation", "marking"),
        ("authorization", "department_check"),
    ),
    "elimination": (
        (
            "effectiveness_appraisal",
            "field_survey",
            "appraisal",
            "notice.start",
            "notice.end",
            "township_review",
            "county_confirmation",
            "marking",
        ),
        ("informed_consent", "marking"),
    ),
    "exit": (("field_survey", "township_review", "county_confirmation", "marking"),),
    "rollback": (("basis", "township_review", "county_confirmation", "marking"),),
}


@dataclass(frozen=True)
class _Point:
    label: str
    step: str
    on: date
    what: str


def _point(j: _Judging, label: str) -> _Point | None:
    if label == "marking":
        return _Point(label, "marking", day(j.marking), j.closing())
    step, _, end = label.partition(".")
    event = rollback_basis(j.events) if step == "basis" else j.events.judged(step)
    if event is None or event.remedies is not None:
        return None  # absent, or completed afterwards (补齐): never judged out of order
    if step == "basis":
        step = "field_survey" if event.TYPE == "FieldSurveyConducted" else "effectiveness_appraisal"
    if end:
        on = event.data.get("start_date" if end == "start" else "end_date")
        if not isinstance(on, date):
            return None
        return _Point(label, step, on, f"the {end} ({on}) of {_ref(event)}")
    return _Point(label, step, day(event), _ref(event))


def _order(j: _Judging) -> Iterator[Gap]:
    seen: set[tuple[str, str]] = set()
    for chain in _CHAINS[j.kind]:
        points = [p for p in (_point(j, label) for label in chain) if p is not None]
        for before, after in pairwise(points):
            if (before.label, after.label) in seen or before.on <= after.on:
                continue
            seen.add((before.label, after.label))
            step = after.step if after.step != "marking" else before.step
            yield Gap(
                "OUT_OF_ORDER",
                step,
                VIOLATION,
                f"{before.what} is after {after.what}; in the {j.kind} procedure "
                f"{before.label} must come before {after.label} (order: "
                f"{' → '.join(chain)}; 'before' means on the same date or earlier).",
            )


# Public notice (公示)


def _notice(j: _Judging) -> Iterator[Gap]:
    notice = j.events.judged("notice")
    if notice is None:
        return
    start, end = notice.data.get("start_date"), notice.data.get("end_date")
    if isinstance(start, date) and isinstance(end, date):
        yield from _notice_length(j, notice, start, end)
    channels = set(notice.data.get("channels") or ())
    required = j.config.notice_channels
    if required is None:
        return
    for alternatives in required.value:
        if channels.isdisjoint(alternatives):
            yield Gap(
                "NOTICE_CHANNEL_MISSING",
                "notice",
                VIOLATION,
                f"{_ref(notice)} was posted on {sorted(channels) or 'no channel'}, not "
                f"on {' or '.join(alternatives)}; configured: {required.source}.",
            )


def _notice_length(j: _Judging, notice: HouseholdEvent, start: date, end: date) -> Iterator[Gap]:
    length, basis = j.config.notice_length, j.config.notice_day_basis
    if length is None or basis is None:
        yield Gap(
            "NOTICE_LENGTH_NOT_CONFIGURED",
            "notice",
            INFO,
            f"No notice length is configured for division '{j.config.division}' "
            f"({j.config.version}); the length of {_ref(notice)} was not judged.",
        )
        return
    if basis.value == "calendar":
        counted: int | None = (end - start).days + 1
    else:
        counted = j.calendar.working_days_between(start, end)
    if counted is None:
        yield Gap(
            "CALENDAR_UNKNOWN",
            "notice",
            INFO,
            f"{_ref(notice)} ran from {start} to {end}, but the official working-day "
            "calendar (State Council holiday arrangements) is not known for those "
            "dates; the notice length was not judged.",
        )
    elif counted < length.value:
        unit = "working days" if basis.value == "working" else "calendar days"
        yield Gap(
            "NOTICE_TOO_SHORT",
            "notice",
            VIOLATION,
            f"{_ref(notice)} ran from {start} to {end}: {counted} {unit}, counting both "
            f"ends{' on the State Council calendar' if basis.value == 'working' else ''}"
            f", fewer than the {length.value} configured ({length.source}).",
        )


# Objections (异议)


def _objections(j: _Judging) -> Iterator[Gap]:
    review = j.events.judged("township_review")
    for objection in j.events.steps["objection"].events:
        answer = j.record.resolution(objection)
        if answer is None:
            yield Gap(
                "OBJECTION_UNRESOLVED",
                "objection",
                VIOLATION,
                f"{_ref(objection)} is still open: no ObjectionResolved answers it "
                "(002 §三(四) 无异议后报乡（镇）审核).",
            )
            continue
        if review is not None and day(objection) <= day(review) < day(answer):
            yield Gap(
                "OBJECTION_UNRESOLVED",
                "objection",
                VIOLATION,
                f"{_ref(objection)} was still open when {_ref(review)} reviewed it: it "
                f"was answered only by {_ref(answer)} (002 §三(四) 无异议后报乡（镇）"
                "审核).",
            )
        if answer.data.get("outcome") == "upheld":
            yield Gap(
                "OBJECTION_UPHELD",
                "objection",
                VIOLATION,
                f"{_ref(objection)} was upheld by {_ref(answer)}, yet {j.closing()} was made.",
            )


# Identification


def _exclusions(j: _Judging) -> Iterator[Gap]:
    if j.kind != "identification":
        return
    confirmation = j.events.judged("county_confirmation")
    confirmed = (
        f"the county confirmation {_ref(confirmation)}"
        if confirmation
        else "no county confirmation"
    )
    for finding in unexplained_exclusions(j.record, j.events):
        yield Gap(
            "EXCLUSION_FOUND",
            "department_check",
            VIOLATION,
            f"{finding.describe()}: a household-level exclusion situation (10类不纳入情形, "
            f"002 附件2) checked or existing on or before {j.closing()}; {confirmed} "
            "gives no special_inclusion explanation (002 §二(三) 特殊情况确需纳入的，"
            "要查实情况并对群众做出专门说明).",
        )


def _assistance_plan(j: _Judging) -> Iterator[Gap]:
    if j.kind != "identification":
        return
    plan = j.events.judged("assistance_plan")
    bound = confirmation_bound(j.events.steps, j.marking)
    if (
        plan is not None
        and plan.TYPE == "AssistancePlanned"
        and plan.remedies is None
        and day(plan) > bound
    ):
        yield Gap(
            "LATE_ASSISTANCE_PLAN",
            "assistance_plan",
            VIOLATION,
            f"The first measure was planned by {_ref(plan)}, after the county "
            f"confirmation (or the marking) of {bound}, and the village decision "
            "proposed none (002 §三(四) 逐户逐人提出帮扶措施).",
        )


def _departments(j: _Judging) -> Iterator[Gap]:
    required = j.config.required_departments.get(j.kind)
    step = j.events.steps.get("department_check")
    if required is None or step is None or step.judged is None:
        return
    bound = confirmation_bound(j.events.steps, j.marking)
    counted = [
        e for e in step.events if j.kind == "exit" or e.remedies == j.marking.id or day(e) <= bound
    ]
    verified = {e.data.get("department") for e in counted}
    for department in required.value:
        if department not in verified:
            yield Gap(
                "DEPARTMENT_CHECK_INCOMPLETE",
                "department_check",
                VIOLATION,
                f"No DepartmentVerified of '{department}' counts for this episode (the "
                f"checks that do: {', '.join(_ref(e) for e in counted)}); configured "
                f"as required: {required.source}.",
            )


# Elimination and exit


def _elimination(j: _Judging) -> Iterator[Gap]:
    if j.kind != "elimination":
        return
    yield from _quick_in_out(j)
    survey = latest_survey_before(j.record, j.marking)
    if survey is None:
        return
    end = (survey.data.get("period") or {}).get("end")
    income = survey.data.get("per_capita_net_income")
    if not isinstance(end, date) or not isinstance(income, Decimal | int):
        return
    floor = j.config.floor(end.year)
    if floor is None:
        yield Gap(
            "FLOOR_NOT_CONFIGURED",
            "field_survey",
            INFO,
            f"No monitoring floor is configured for {end.year} (the year the income "
            f"period of {_ref(survey)} ends) in {j.config.version}; the income rule "
            "was not judged.",
        )
    elif income < floor:
        source = j.config.floors[end.year].source
        yield Gap(
            "INCOME_BELOW_FLOOR",
            "field_survey",
            VIOLATION,
            f"The latest survey before the marking, {_ref(survey)}, found a per-capita "
            f"net income of {income} yuan for the period ending {end}, below the "
            f"{end.year} floor of {floor} ({source}), yet {j.closing()} was made.",
        )


def _quick_in_out(j: _Judging) -> Iterator[Gap]:
    entries = [
        e
        for e in j.record.markings
        if e.version < j.marking.version and e.data.get("marking") in ("enrolled", "risk_remarked")
    ]
    if not entries:
        return
    entry = entries[-1]
    # Help given during the identification procedure itself counts, hence from the
    # marking before the enrolment.
    since = max(
        (
            m.version
            for m in j.record.markings
            if m.version < entry.version and m.data.get("marking") != "type_adjusted"
        ),
        default=0,
    )
    delivered = [
        e
        for e in j.record.of_type("AssistanceDelivered")
        if (e.remedies is None and since < e.version < j.marking.version)
        or e.remedies == j.marking.id
    ]
    if not delivered:
        yield Gap(
            "QUICK_IN_OUT",
            "assistance",
            VIOLATION,
            "No AssistanceDelivered was recorded from the start of the procedure that "
            f"led to the '{entry.data.get('marking')}' marking {entry.id} ({day(entry)}) "
            f"up to {j.closing()}: in and out with no help (即时进即时退, 000 §一(二)2 "
            "存在即时进既时退，没有任何帮扶措施的情况).",
        )


def _card_status(j: _Judging) -> Iterator[Gap]:
    if j.kind != "exit":
        return
    marking, filed = j.marking.data.get("marking"), j.record.filed_card
    if (marking == "withdrawn" and filed) or (
        marking == "risk_mark_rolled_back" and filed is False
    ):
        card = "a filed-card (建档立卡)" if filed else "a non-filed-card"
        right = "risk_mark_rolled_back" if filed else "withdrawn"
        yield Gap(
            "WRONG_EXIT_FOR_CARD_STATUS",
            "marking",
            VIOLATION,
            f"{j.closing()} was made on {card} household; its exit is '{right}' "
            "(001 §二(一)4 非建档立卡监测对象进行清退，建档立卡监测对象进行风险标注回退).",
        )


def _remedied(j: _Judging) -> Iterator[Gap]:
    seen: set[str] = set()
    for name, step in j.events.steps.items():
        for event in step.events:
            if event.remedies == j.marking.id and str(event.id) not in seen:
                seen.add(str(event.id))
                yield Gap(
                    "REMEDIED_LATE",
                    name,
                    INFO,
                    f"{_ref(event)} completed the {name} step afterwards (补齐), "
                    f"remedying {j.closing()}.",
                )


_RULES: tuple[Callable[[_Judging], Iterable[Gap]], ...] = (
    _missing,
    _rejected,
    _materials,
    _order,
    _notice,
    _objections,
    _exclusions,
    _assistance_plan,
    _departments,
    _elimination,
    _card_status,
    _remedied,
)
