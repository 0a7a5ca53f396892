"""A household's current state, rebuilt from its events (户的当前状态).

``replay(events)`` is the pure function from a stream to its state. Internally the state
is advanced one event at a time (``advance``), which ``decide`` also uses to judge each
event of a batch against the state the previous ones left. A voided entry counts for
nothing: voiding one rebuilds the state from the non-voided events.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile
from typing import Any

from ledger.domain.events import HouseholdEvent
from ledger.domain.integrity import ZERO_HASH
from ledger.domain.status import next_status
from ledger.domain.vocabulary import Marking, Status

UNVOIDABLE = frozenset({"HouseholdRegistered", "SystemMarked", "EntryVoided"})


@dataclass
class Household:
    household_id: str
    version: int = 0
    last_hash: str = ZERO_HASH
    last_recorded_at: datetime | None = None
    village_code: str | None = None
    group: str | None = None
    category: str | None = None
    filed_card: bool | None = None
    status: Status = Status.NOT_MONITORED
    monitoring_type: str | None = None
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    location: dict[str, Any] | None = None
    latest_survey: dict[str, Any] | None = None
    objections: dict[str, dict[str, Any]] = field(default_factory=dict)
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    event_types: dict[str, str] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)
    history: list[HouseholdEvent] = field(default_factory=list, repr=False)

    @property
    def registered(self) -> bool:
        return self.version > 0

    def present_members(self) -> list[dict[str, Any]]:
        return [m for m in self.members.values() if m["present"]]

    def open_objections(self) -> list[dict[str, Any]]:
        return [o for o in self.objections.values() if o["open"]]

    def open_data_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.data_issues.values() if i["open"]]


def replay(household_id: str, events: Iterable[HouseholdEvent]) -> Household:
    """The state after ``events`` (oldest first)."""
    state = Household(household_id)
    for event in events:
        advance(state, event)
    return state


def advance(state: Household, event: HouseholdEvent) -> None:
    """Moves ``state`` on by one event. An event is only ever voided after it was applied,
    so voiding rebuilds the content from the events still counting."""
    state.history.append(event)
    state.version = event.version
    state.last_hash = event.hash
    state.last_recorded_at = event.recorded_at
    state.event_types[str(event.id)] = event.TYPE
    if event.TYPE == "EntryVoided":
        state.voided.add(event.data["target_event_id"])
        _recount(state)
    else:
        _APPLY.get(event.TYPE, _ignore)(state, event)


def _recount(state: Household) -> None:
    fresh = Household(state.household_id)
    for event in state.history:
        if event.TYPE != "EntryVoided" and str(event.id) not in state.voided:
            _APPLY.get(event.TYPE, _ignore)(fresh, event)
    for name in (
        "village_code",
        "group",
        "category",
        "filed_card",
        "status",
        "monitoring_type",
        "members",
        "location",
        "latest_survey",
        "objections",
        "measures",
        "data_issues",
    ):
        setattr(state, name, getattr(fresh, name))


def _ignore(state: Household, event: HouseholdEvent) -> None:
    """Events that only leave a trace (procedure steps) change no current state."""


def _registered(state: Household, event: HouseholdEvent) -> None:
    d = event.data
    state.village_code, state.group = d["village_code"], d["group"]
    state.category, state.filed_card = d["category"], d["filed_card"]
    state.members = {m["member_id"]: {**m, "present": True} for m in d["members"]}


def _member_added(state: Household, event: HouseholdEvent) -> None:
    member = event.data["member"]
    state.members[member["member_id"]] = {**member, "present": True}


def _member_removed(state: Household, event: HouseholdEvent) -> None:
    member = state.members.get(event.data["member_id"])
    if member is not None:
        member.update(present=False, removed_reason=event.data["reason"])


def _member_updated(state: Household, event: HouseholdEvent) -> None:
    member = state.members.get(event.data["member_id"])
    if member is not None:
        member.update({k: v for k, v in event.data.items() if k != "member_id"})


def _location(state: Household, event: HouseholdEvent) -> None:
    state.location = {**event.data, "event_id": str(event.id)}


def _survey(state: Household, event: HouseholdEvent) -> None:
    # The latest survey is the latest in the field (occurred_at), not the latest typed in.
    latest = state.latest_survey
    if latest is None or event.occurred_at >= latest["occurred_at"]:
        state.latest_survey = {
            **event.data,
            "event_id": str(event.id),
            "occurred_at": event.occurred_at,
        }


def _objection_raised(state: Household, event: HouseholdEvent) -> None:
    state.objections[str(event.id)] = {
        "objection_id": str(event.id),
        "purpose": event.data["purpose"],
        "summary": event.data["summary"],
        "occurred_at": event.occurred_at,
        "open": True,
    }


def _objection_resolved(state: Household, event: HouseholdEvent) -> None:
    objection = state.objections.get(event.data["objection_id"])
    if objection is not None:
        objection.update(open=False, outcome=event.data["outcome"])


def _measure_planned(state: Household, event: HouseholdEvent) -> None:
    d = event.data
    state.measures[d["measure_id"]] = {
        "measure_id": d["measure_id"],
        "category": d["category"],
        "summary": d["summary"],
        "start_date": d.get("start_date"),
        "ended": False,
        "deliveries": 0,
        "last_delivered_on": None,
    }


def _measure_delivered(state: Household, event: HouseholdEvent) -> None:
    measure = state.measures.get(event.data["measure_id"])
    if measure is not None:
        measure["deliveries"] += 1
        on = event.data["delivered_on"]
        if measure["last_delivered_on"] is None or on > measure["last_delivered_on"]:
            measure["last_delivered_on"] = on


def _measure_ended(state: Household, event: HouseholdEvent) -> None:
    measure = state.measures.get(event.data["measure_id"])
    if measure is not None:
        measure.update(ended=True, end_reason=event.data["reason"])


def _marked(state: Household, event: HouseholdEvent) -> None:
    marking = Marking(event.data["marking"])
    state.status = next_status(marking, state.status)
    if event.data.get("monitoring_type"):
        state.monitoring_type = event.data["monitoring_type"]
    elif marking in (Marking.WITHDRAWN, Marking.RISK_MARK_ROLLED_BACK):
        state.monitoring_type = None


def _issue_raised(state: Household, event: HouseholdEvent) -> None:
    state.data_issues[event.data["issue_id"]] = {**event.data, "open": True}


def _issue_resolved(state: Household, event: HouseholdEvent) -> None:
    issue = state.data_issues.get(event.data["issue_id"])
    if issue is not None:
        issue["open"] = False


_APPLY = {
    "HouseholdRegistered": _registered,
    "MemberAdded": _member_added,
    "MemberRemoved": _member_removed,
    "MemberUpdated": _member_updated,
    "LocationRecorded": _location,
    "FieldSurveyConducted": _survey,
    "ObjectionRaised": _objection_raised,
    "ObjectionResolved": _objection_resolved,
    "AssistancePlanned": _measure_planned,
    "AssistanceDelivered": _measure_delivered,
    "AssistanceEnded": _measure_ended,
    "SystemMarked": _marked,
    "DataIssueRaised": _issue_raised,
    "DataIssueResolved": _issue_resolved,
}


def as_of(household_id: str, events: Iterable[HouseholdEvent], moment: datetime) -> Household:
    """The state as it stood at recorded time ``moment`` (events recorded up to it)."""
    return replay(household_id, takewhile(lambda e: e.recorded_at <= moment, events))
