"""Episodes of the procedure (程序) and the events that make up their steps (CONTRACT §3).

Every ``SystemMarked`` closes an episode of the procedure its marking needs: the
household's events of that procedure's ``purpose`` recorded after the previous marking
(a 类型调整 ``type_adjusted`` marking ends no one else's episode) and up to its own. This
module only says *which* events are which step, and which one of a step is judged; the
verdicts (gaps) are in ``completeness``, the look-back candidates in ``lookback``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from ledger.domain.events import HouseholdEvent

KIND_OF_MARKING: Mapping[str, str] = MappingProxyType(
    {
        "enrolled": "identification",
        "risk_remarked": "identification",  # 再标注 is "按程序标注": the identification procedure
        "risk_eliminated": "elimination",
        "withdrawn": "exit",
        "risk_mark_rolled_back": "exit",
        "elimination_rolled_back": "rollback",
        "type_adjusted": "type_adjustment",
    }
)
PURPOSE_OF_KIND: Mapping[str, str] = MappingProxyType(
    {
        "identification": "identification",
        "elimination": "elimination",
        "exit": "lookback",
        "rollback": "lookback",
    }
)
EPISODE_KINDS = ("identification", "elimination", "exit", "rollback", "type_adjustment")

STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "identification": (
            "trigger",
            "screening",
            "field_survey",
            "application",
            "authorization",
            "appraisal",
            "village_decision",
            "assistance_plan",
            "notice",
            "objection",
            "township_review",
            "department_comparison",
            "department_check",
            "county_confirmation",
        ),
        "elimination": (
            "effectiveness_appraisal",
            "field_survey",
            "informed_consent",
            "appraisal",
            "notice",
            "objection",
            "township_review",
            "county_confirmation",
        ),
        "exit": (
            "field_survey",
            "objection",
            "department_check",
            "township_review",
            "county_confirmation",
        ),
        "rollback": (
            "field_survey",
            "effectiveness_appraisal",
            "objection",
            "township_review",
            "county_confirmation",
        ),
        "type_adjustment": (),
    }
)
"""Every step an episode lists, required or not, in procedure order."""

REQUIRED_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "identification": (
            "screening",
            "field_survey",
            "application",
            "authorization",
            "appraisal",
            "village_decision",
            "assistance_plan",
            "notice",
            "township_review",
            "department_check",
            "county_confirmation",
        ),
        "elimination": (
            "effectiveness_appraisal",
            "field_survey",
            "informed_consent",
            "appraisal",
            "notice",
            "township_review",
            "county_confirmation",
        ),
        "exit": ("field_survey", "department_check", "township_review", "county_confirmation"),
        # a rollback needs a survey *or* an unstable effectiveness appraisal: see rollback_basis
        "rollback": ("field_survey", "county_confirmation"),
        "type_adjustment": (),
    }
)

STEP_TYPE: Mapping[str, str] = MappingProxyType(
    {
        "screening": "ScreeningAnalyzed",
        "field_survey": "FieldSurveyConducted",
        "application": "ApplicationSigned",
        "authorization": "AuthorizationSigned",
        "appraisal": "DemocraticAppraisalHeld",
        "village_decision": "VillageCommitteeDecided",
        "notice": "PublicNoticePosted",
        "objection": "ObjectionRaised",
        "township_review": "TownshipReviewed",
        "county_confirmation": "CountyConfirmed",
        "effectiveness_appraisal": "EffectivenessAppraised",
        "informed_consent": "InformedConsentGiven",
    }
)
ALL_STEPS = frozenset(step for steps in STEPS.values() for step in steps)

TRIGGERS = frozenset({"AssistanceApplied", "WarningReceived"})
_EVERY_EPISODE = TRIGGERS | {
    "AssistancePlanned",
    "AssistanceDelivered",
    "AssistanceEnded",
    "MaterialAttached",
}
_BY_TYPE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ScreeningAnalyzed": frozenset({"identification"}),
        "ApplicationSigned": frozenset({"identification"}),
        "AuthorizationSigned": frozenset({"identification"}),
        "EffectivenessAppraised": frozenset({"elimination", "rollback"}),
    }
)


def day(event: HouseholdEvent) -> date:
    """The calendar date of ``occurred_at`` in its own UTC offset."""
    return event.occurred_at.date()


def _order(event: HouseholdEvent) -> tuple[object, int]:
    return event.occurred_at, event.version


@dataclass(frozen=True)
class HouseholdRecord:
    """A household's events that count, oldest recorded first: voided entries and the
    voids themselves left out, with the indexes the rules look things up by."""

    events: tuple[HouseholdEvent, ...]
    attached: Mapping[str, tuple[HouseholdEvent, ...]]  # event id -> its MaterialAttached
    resolutions: Mapping[str, tuple[HouseholdEvent, ...]]  # objection id -> resolutions

    @classmethod
    def of(cls, events: Iterable[HouseholdEvent]) -> "HouseholdRecord":
        ordered = sorted(events, key=lambda e: e.version)
        voided = {str(e.data.get("target_event_id")) for e in ordered if e.TYPE == "EntryVoided"}
        counting = tuple(
            e for e in ordered if e.TYPE != "EntryVoided" and not (voided and str(e.id) in voided)
        )
        attached: dict[str, list[HouseholdEvent]] = {}
        resolutions: dict[str, list[HouseholdEvent]] = {}
        for event in counting:
            if event.TYPE == "MaterialAttached":
                attached.setdefault(str(event.data.get("target_event_id")), []).append(event)
            elif event.TYPE == "ObjectionResolved":
                resolutions.setdefault(str(event.data.get("objection_id")), []).append(event)
        return cls(
            counting,
            MappingProxyType({k: tuple(v) for k, v in attached.items()}),
            MappingProxyType({k: tuple(v) for k, v in resolutions.items()}),
        )

    @property
    def markings(self) -> list[HouseholdEvent]:
        return [e for e in self.events if e.TYPE == "SystemMarked"]

    @property
    def filed_card(self) -> bool | None:
        for event in self.events:
            if event.TYPE == "HouseholdRegistered":
                return bool(event.data.get("filed_card"))
        return None

    def of_type(self, *types: str) -> list[HouseholdEvent]:
        return [e for e in self.events if e.TYPE in types]

    def material_kinds(self, event: HouseholdEvent) -> frozenset[str]:
        """Kinds of trace material (痕迹资料) documenting ``event``: its own, those attached
        to it later by ``MaterialAttached``, and ``system_ref`` when it names its record in
        the national app."""
        kinds = {str(m.get("kind")) for m in event.materials}
        for attachment in self.attached.get(str(event.id), ()):
            kinds.update(str(m.get("kind")) for m in attachment.materials)
        if event.data.get("system_ref"):
            kinds.add("system_ref")
        return frozenset(kinds)

    def resolution(self, objection: HouseholdEvent) -> HouseholdEvent | None:
        """The answer to an objection (异议处理), if it has one that counts."""
        return max(self.resolutions.get(str(objection.id), ()), key=_order, default=None)


@dataclass(frozen=True)
class Step:
    """One step of an episode: the events listed for it and the one judged."""

    name: str
    events: tuple[HouseholdEvent, ...]
    judged: HouseholdEvent | None

    @property
    def remedied(self) -> bool:
        """Whether the judged event was completed afterwards (补齐, ``remedies``)."""
        return self.judged is not None and self.judged.remedies is not None


@dataclass(frozen=True)
class EpisodeEvents:
    """The events of one episode, by step."""

    kind: str
    marking: HouseholdEvent
    opened_by: HouseholdEvent | None  # the previous marking, whose episode this one follows
    events: tuple[HouseholdEvent, ...]  # of this episode's procedure, remedies included
    steps: Mapping[str, Step]

    def judged(self, step: str) -> HouseholdEvent | None:
        found = self.steps.get(step)
        return found.judged if found else None


def episodes(record: HouseholdRecord) -> list[EpisodeEvents]:
    """Every episode closed by a marking, oldest first."""
    found = []
    opened_by: HouseholdEvent | None = None
    for marking in record.markings:
        kind = KIND_OF_MARKING.get(str(marking.data.get("marking")), "type_adjustment")
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
        if kind != "type_adjustment":
            opened_by = marking
    return found


def _members(
    record: HouseholdRecord, kind: str, marking: HouseholdEvent, opened_by: HouseholdEvent | None
) -> Iterable[HouseholdEvent]:
    start = opened_by.version if opened_by else 0
    for event in record.events:
        if event.remedies is not None:
            # A remedying event counts only in the episode it remedies, whatever its purpose.
            if event.remedies == marking.id:
                yield event
        elif start < event.version < marking.version and _belongs(event, kind):
            yield event


def _belongs(event: HouseholdEvent, kind: str) -> bool:
    if kind == "type_adjustment":
        return False
    if "purpose" in event.data:
        return bool(event.data["purpose"] == PURPOSE_OF_KIND[kind])
    return event.TYPE in _EVERY_EPISODE or kind in _BY_TYPE.get(event.TYPE, frozenset())


def judge(events: Iterable[HouseholdEvent], marking: HouseholdEvent) -> HouseholdEvent | None:
    """The event of a step that is judged: the last (by ``occurred_at``) on or before the
    marking's date, a remedy of this marking included; failing those, the last of all, so
    that the order rules report it as late rather than as missing."""
    events = list(events)
    before = [e for e in events if e.remedies == marking.id or day(e) <= day(marking)]
    return max(before or events, key=_order, default=None)


def _step(name: str, events: Iterable[HouseholdEvent], judged: HouseholdEvent | None) -> Step:
    return Step(name, tuple(sorted(events, key=_order)), judged)


def _typed(members: tuple[HouseholdEvent, ...], step: str) -> list[HouseholdEvent]:
    return [e for e in members if STEP_TYPE[step] == e.TYPE]


def _steps(
    record: HouseholdRecord,
    kind: str,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for name in STEPS[kind]:
        if name in STEP_TYPE:
            typed = _typed(members, name)
            steps[name] = _step(name, typed, judge(typed, marking))
    if kind == "identification":
        steps.update(_identification(record, marking, opened_by, members, steps))
    elif kind == "exit":
        steps["department_check"] = _exit_department_check(record, marking)
    elif kind == "rollback":
        steps["effectiveness_appraisal"] = _rollback_appraisal(members, marking, opened_by)
    return {name: steps[name] for name in STEPS[kind]}


def confirmation_bound(steps: Mapping[str, Step], marking: HouseholdEvent) -> date:
    """The date by which the joint review and the plan must be done: the county
    confirmation's, or the marking's where there is no confirmation."""
    confirmation = steps["county_confirmation"].judged
    return day(confirmation) if confirmation else day(marking)


def _identification(
    record: HouseholdRecord,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
    steps: dict[str, Step],
) -> dict[str, Step]:
    screening = steps["screening"].judged
    triggers = [
        e for e in members if e.TYPE in TRIGGERS and (screening is None or day(e) <= day(screening))
    ]
    bound = confirmation_bound(steps, marking)
    authorization = steps["authorization"].judged
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
        "trigger": _step("trigger", triggers, None),
        "department_comparison": _step("department_comparison", comparisons, None),
        "department_check": _step(
            "department_check", checks, max(satisfying, key=_order, default=None)
        ),
        "assistance_plan": _assistance_plan(record, marking, opened_by, members, steps, bound),
    }


def _assistance_plan(
    record: HouseholdRecord,
    marking: HouseholdEvent,
    opened_by: HouseholdEvent | None,
    members: tuple[HouseholdEvent, ...],
    steps: dict[str, Step],
    bound: date,
) -> Step:
    """Measures proposed with the village decision (逐户逐人提出帮扶措施), or planned by
    the county confirmation; failing both, the first plan made later (for the record)."""
    decision = steps["village_decision"].judged
    proposed = [decision] if decision is not None and decision.data.get("measures") else []
    planned = [e for e in members if e.TYPE == "AssistancePlanned"]
    in_time = [e for e in planned if e.remedies == marking.id or day(e) <= bound]
    if proposed or in_time:
        judged = proposed[0] if proposed else min(in_time, key=_order)
        return _step("assistance_plan", proposed + planned, judged)
    # "First planned after the county confirmation" may be after the marking too, up to
    # the next identification (which has a plan of its own).
    start = opened_by.version if opened_by else 0
    end = min(
        (
            m.version
            for m in record.markings
            if m.version > marking.version
            and KIND_OF_MARKING.get(str(m.data.get("marking"))) == "identification"
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
    first = min(later, key=_order, default=None)
    listed = planned if first is None or first in planned else [*planned, first]
    return _step("assistance_plan", listed, first)


def _exit_department_check(record: HouseholdRecord, marking: HouseholdEvent) -> Step:
    """A department verification of any purpose before the exit whose findings name an
    exclusion (10类不纳入情形) — it may date from the identification itself."""
    found = [
        e
        for e in record.of_type("DepartmentVerified")
        if e.data.get("findings")
        and (e.remedies == marking.id or (e.remedies is None and day(e) <= day(marking)))
    ]
    return _step("department_check", found, max(found, key=_order, default=None))


def _rollback_appraisal(
    members: tuple[HouseholdEvent, ...], marking: HouseholdEvent, opened_by: HouseholdEvent | None
) -> Step:
    appraisals = _typed(members, "effectiveness_appraisal")
    unstable = [
        e
        for e in appraisals
        if e.data.get("result") == "unstable" and (opened_by is None or day(e) >= day(opened_by))
    ]
    return _step("effectiveness_appraisal", appraisals, judge(unstable, marking))


def rollback_basis(episode: EpisodeEvents) -> HouseholdEvent | None:
    """What a 风险消除回退 rests on: a survey, or an unstable effectiveness appraisal made
    after the elimination."""
    return episode.judged("field_survey") or episode.judged("effectiveness_appraisal")


@dataclass(frozen=True)
class Finding:
    """A department's finding of an exclusion situation (10类不纳入情形)."""

    verification: HouseholdEvent
    exclusion: str
    member_id: str | None
    since: date | None

    @property
    def household_level(self) -> bool:
        """Household-level unless it names a member or is 'absent_member' (a person)."""
        return self.member_id is None and self.exclusion != "absent_member"

    def counts_against(self, marking: HouseholdEvent) -> bool:
        """Whether the situation existed at the marking: checked on or before it, or
        ``since`` on or before it."""
        on = day(marking)
        return day(self.verification) <= on or (self.since is not None and self.since <= on)

    def describe(self) -> str:
        who = f", member '{self.member_id}'" if self.member_id else ""
        since = f", since {self.since}" if self.since else ""
        return (
            f"DepartmentVerified {self.verification.id} "
            f"({self.verification.data.get('department')}, {day(self.verification)}) "
            f"found '{self.exclusion}'{who}{since}"
        )


def findings(record: HouseholdRecord) -> list[Finding]:
    found = []
    for event in record.of_type("DepartmentVerified"):
        for item in event.data.get("findings") or ():
            since = item.get("since")
            found.append(
                Finding(
                    event,
                    str(item.get("exclusion")),
                    None if item.get("member_id") is None else str(item["member_id"]),
                    since if isinstance(since, date) else None,
                )
            )
    return found


def special_inclusion(episode: EpisodeEvents) -> str | None:
    """The county's public explanation for including the household despite an exclusion
    (特殊情况确需纳入的专门说明, 002 §二(三)), if its confirmation gives one."""
    confirmation = episode.judged("county_confirmation")
    text = confirmation.data.get("special_inclusion") if confirmation else None
    return str(text) if text else None


def unexplained_exclusions(record: HouseholdRecord, episode: EpisodeEvents) -> list[Finding]:
    """Household-level findings that count against an identification and that its county
    confirmation does not explain."""
    if special_inclusion(episode):
        return []
    return [f for f in findings(record) if f.household_level and f.counts_against(episode.marking)]


def latest_survey_before(record: HouseholdRecord, marking: HouseholdEvent) -> HouseholdEvent | None:
    """The latest survey in the field (by ``occurred_at``) recorded before the marking or
    remedying it; remedies of other markings count only there."""
    surveys = [
        e
        for e in record.of_type("FieldSurveyConducted")
        if (e.remedies is None and e.version < marking.version) or e.remedies == marking.id
    ]
    return max(surveys, key=_order, default=None)
