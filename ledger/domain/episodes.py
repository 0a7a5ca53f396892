"""Episodes of the procedure (程序) and the events that make up their steps (CONTRACT §3).

Every ``SystemMarked`` closes an episode of the procedure its marking needs: the
household's events of that procedure's ``purpose`` recorded after the previous marking
(a 类型调整 ``type_adjusted`` marking ends no one else's episode) and up to its own. This
module only says *which* events are which step, and which one of a step is judged; the
procedure itself is in ``procedure``, the verdicts (gaps) in ``completeness``, the
look-back candidates in ``lookback``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from ledger.domain.events import HouseholdEvent
from ledger.domain.procedure import (
    EVERY_EPISODE,
    KIND_OF_MARKING,
    KINDS_OF_TYPE,
    PURPOSE_OF_KIND,
    STEP_TYPE,
    STEPS,
    TRIGGERS,
    EpisodeKind,
    Step,
)
from ledger.domain.record import HouseholdRecord, by_time, day


@dataclass(frozen=True)
class StepEvents:
    """One step of an episode: the events listed for it and the one judged."""

    name: Step
    events: tuple[HouseholdEvent, ...]
    judged: HouseholdEvent | None

    @property
    def remedied(self) -> bool:
        """Whether the judged event was completed afterwards (补齐, ``remedies``)."""
        return self.judged is not None and self.judged.remedies is not None


@dataclass(frozen=True)
class EpisodeEvents:
    """The events of one episode, by step."""

    kind: EpisodeKind
    marking: HouseholdEvent
    opened_by: HouseholdEvent | None  # the previous marking, whose episode this one follows
    events: tuple[HouseholdEvent, ...]  # of this episode's procedure, remedies included
    steps: Mapping[Step, StepEvents]

    def judged(self, step: Step) -> HouseholdEvent | None:
        found = self.steps.get(step)
        return found.judged if found else None


def episodes(record: HouseholdRecord) -> list[EpisodeEvents]:
    """Every episode closed by a marking, oldest first."""
    found = []
    opened_by: HouseholdEvent | None = None
    for marking in record.markings:
        kind = KIND_OF_MARKING.get(str(marking.data.get("marking")), EpisodeKind.TYPE_ADJUSTMENT)
        members = tuple(_members(record, kind, marking, opened_by))
        found.append(
            EpisodeEvents(
                kind,
                marking,
                opened_by,
                members,
                MappingProxyType(_steps(record, kind, marking, opened_by, members)),
            )
        )
        if kind != EpisodeKind.TYPE_ADJUSTMENT:
            opened_by = marking
    return found


def _members(
    record: HouseholdRecord,
    kind: EpisodeKind,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
) -> Iterable[HouseholdEvent]:
    start = opened_by.version if opened_by else 0
    for event in record.events:
        if event.remedies is not None:
            # A remedying event counts only in the episode it remedies, whatever its purpose.
            if event.remedies == marking.id:
                yield event
        elif start < event.version < marking.version and _belongs(event, kind):
            yield event


def _belongs(event: HouseholdEvent, kind: EpisodeKind) -> bool:
    if kind == EpisodeKind.TYPE_ADJUSTMENT:
        return False
    if "purpose" in event.data:
        return bool(event.data["purpose"] == PURPOSE_OF_KIND[kind])
    return event.TYPE in EVERY_EPISODE or kind in KINDS_OF_TYPE.get(event.TYPE, frozenset())


def judge(events: Iterable[HouseholdEvent], marking: HouseholdEvent) -> HouseholdEvent | None:
    """The event of a step that is judged: the last (by ``occurred_at``) on or before the
    marking's date, a remedy of this marking included; failing those, the last of all, so
    that the order rules report it as late rather than as missing."""
    events = list(events)
    before = [e for e in events if e.remedies == marking.id or day(e) <= day(marking)]
    return max(before or events, key=by_time, default=None)


def _step(
    name: Step, events: Iterable[HouseholdEvent], judged: HouseholdEvent | None
) -> StepEvents:
    return StepEvents(name, tuple(sorted(events, key=by_time)), judged)


def _typed(members: tuple[HouseholdEvent, ...], step: Step) -> list[HouseholdEvent]:
    return [e for e in members if STEP_TYPE[step] == e.TYPE]


def _steps(
    record: HouseholdRecord,
    kind: EpisodeKind,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
) -> dict[Step, StepEvents]:
    steps: dict[Step, StepEvents] = {}
    for name in STEPS[kind]:
        if name in STEP_TYPE:
            typed = _typed(members, name)
            steps[name] = _step(name, typed, judge(typed, marking))
    if kind == EpisodeKind.IDENTIFICATION:
        steps.update(_identification(record, marking, opened_by, members, steps))
    elif kind == EpisodeKind.EXIT:
        steps[Step.DEPARTMENT_CHECK] = _exit_department_check(record, marking)
    elif kind == EpisodeKind.ROLLBACK:
        steps[Step.EFFECTIVENESS_APPRAISAL] = _rollback_appraisal(members, marking, opened_by)
    return {name: steps[name] for name in STEPS[kind]}


def confirmation_bound(steps: Mapping[Step, StepEvents], marking: HouseholdEvent) -> date:
    """The date by which the joint review and the plan must be done: the county
    confirmation's, or the marking's where there is no confirmation."""
    confirmation = steps[Step.COUNTY_CONFIRMATION].judged
    return day(confirmation) if confirmation else day(marking)


def _identification(
    record: HouseholdRecord,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
    steps: dict[Step, StepEvents],
) -> dict[Step, StepEvents]:
    screening = steps[Step.SCREENING].judged
    triggers = [
        e for e in members if e.TYPE in TRIGGERS and (screening is None or day(e) <= day(screening))
    ]
    bound = confirmation_bound(steps, marking)
    authorization = steps[Step.AUTHORIZATION].judged
    verified = [e for e in members if e.TYPE == "DepartmentVerified"]
    # 比对 before the household authorised asset queries is information, not the 联审 check.
    comparisons = [
        e
        for e in verified
        if authorization is not None and e.remedies is None and day(e) < day(authorization)
    ]
    checks = [e for e in verified if e not in comparisons]
    satisfying = [e for e in checks if e.remedies == marking.id or day(e) <= bound]
    return {
        Step.TRIGGER: _step(Step.TRIGGER, triggers, None),
        Step.DEPARTMENT_COMPARISON: _step(Step.DEPARTMENT_COMPARISON, comparisons, None),
        Step.DEPARTMENT_CHECK: _step(
            Step.DEPARTMENT_CHECK, checks, max(satisfying, key=by_time, default=None)
        ),
        Step.ASSISTANCE_PLAN: _assistance_plan(record, marking, opened_by, members, steps, bound),
    }


def _assistance_plan(
    record: HouseholdRecord,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
    steps: dict[Step, StepEvents],
    bound: date,
) -> StepEvents:
    """Measures proposed with the village decision (逐户逐人提出帮扶措施), or planned by
    the county confirmation; failing both, the first plan made later (for the record)."""
    decision = steps[Step.VILLAGE_DECISION].judged
    proposed = [decision] if decision is not None and decision.data.get("measures") else []
    planned = [e for e in members if e.TYPE == "AssistancePlanned"]
    in_time = [e for e in planned if e.remedies == marking.id or day(e) <= bound]
    if proposed or in_time:
        judged = proposed[0] if proposed else min(in_time, key=by_time)
        return _step(Step.ASSISTANCE_PLAN, proposed + planned, judged)
    # "First planned after the county confirmation" may be after the marking too, up to
    # the next identification (which has a plan of its own).
    start = opened_by.version if opened_by else 0
    end = min(
        (
            m.version
            for m in record.markings
            if m.version > marking.version
            and KIND_OF_MARKING.get(str(m.data.get("marking"))) == EpisodeKind.IDENTIFICATION
        ),
        default=None,
    )
    later = [
        e
        for e in record.of_type("AssistancePlanned")
        if e.remedies in (None, marking.id)
        and e.version > start
        and (end is None or e.version < end)
    ]
    first = min(later, key=by_time, default=None)
    listed = planned if first is None or first in planned else [*planned, first]
    return _step(Step.ASSISTANCE_PLAN, listed, first)


def _exit_department_check(record: HouseholdRecord, marking: HouseholdEvent) -> StepEvents:
    """A department verification of any purpose before the exit whose findings name an
    exclusion (10类不纳入情形) — it may date from the identification itself."""
    found = [
        e
        for e in record.of_type("DepartmentVerified")
        if e.data.get("findings")
        and (e.remedies == marking.id or (e.remedies is None and day(e) <= day(marking)))
    ]
    return _step(Step.DEPARTMENT_CHECK, found, max(found, key=by_time, default=None))


def _rollback_appraisal(
    members: tuple[HouseholdEvent, ...], marking: HouseholdEvent, opened_by: HouseholdEvent | None
) -> StepEvents:
    appraisals = _typed(members, Step.EFFECTIVENESS_APPRAISAL)
    unstable = [
        e
        for e in appraisals
        if e.data.get("result") == "unstable" and (opened_by is None or day(e) >= day(opened_by))
    ]
    return _step(Step.EFFECTIVENESS_APPRAISAL, appraisals, judge(unstable, marking))


def rollback_basis(episode: EpisodeEvents) -> HouseholdEvent | None:
    """What a 风险消除回退 rests on: a survey, or an unstable effectiveness appraisal made
    after the elimination."""
    return episode.judged(Step.FIELD_SURVEY) or episode.judged(Step.EFFECTIVENESS_APPRAISAL)
