"""What each event type changes in a household's state (its effect, named by the catalog).

An effect changes a ``Draft``: the private, mutable content a state is built in before
it is frozen into a ``Household``. Records (members, the location, the latest survey,
data issues) are kept as the event stored them, so a state is served exactly as it was
recorded; an effect replaces a record rather than changing it, since a frozen state may
share it. Events that only leave a trace (procedure steps) have no effect.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.domain.events import HouseholdEvent
from ledger.domain.payloads import (
    AssistanceDeliveredData,
    AssistanceEndedData,
    AssistancePlannedData,
    DataIssueRaisedData,
    DataIssueResolvedData,
    EntryVoidedData,
    MemberAddedData,
    MemberRemovedData,
    MemberUpdatedData,
    ObjectionRaisedData,
    ObjectionResolvedData,
    SystemMarkedData,
)
from ledger.domain.status import next_status
from ledger.domain.vocabulary import Marking, Status

Record = Mapping[str, Any]


@dataclass
class Draft:
    """The content of a state while it is being built."""

    village_code: str | None = None
    group: str | None = None
    category: str | None = None
    filed_card: bool | None = None
    status: Status = Status.NOT_MONITORED
    monitoring_type: str | None = None
    members: dict[str, Record] = field(default_factory=dict)
    location: Record | None = None
    latest_survey: Record | None = None
    objections: dict[str, Record] = field(default_factory=dict)
    measures: dict[str, Record] = field(default_factory=dict)
    data_issues: dict[str, Record] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)


Effect = Callable[[Draft, HouseholdEvent], None]


def registered(draft: Draft, event: HouseholdEvent) -> None:
    data = event.data
    draft.village_code, draft.group = data["village_code"], data["group"]
    draft.category, draft.filed_card = data["category"], data["filed_card"]
    # Read as stored, not as payloads: a registration's members would each be built as a
    # payload (16 % of a projection's time) only for their ids.
    draft.members = {record["member_id"]: {**record, "present": True} for record in data["members"]}


def member_added(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(MemberAddedData)
    draft.members[data.member.member_id] = {**event.data["member"], "present": True}


def member_removed(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(MemberRemovedData)
    member = draft.members.get(data.member_id)
    if member is not None:
        draft.members[data.member_id] = {**member, "present": False, "removed_reason": data.reason}


def member_updated(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(MemberUpdatedData)
    member = draft.members.get(data.member_id)
    if member is not None:
        changes = {k: v for k, v in event.data.items() if k != "member_id"}  # as stored
        draft.members[data.member_id] = {**member, **changes}


def personal_data_erased(draft: Draft, event: HouseholdEvent) -> None:
    member_id = event.data["member_id"]
    if member_id in draft.members:
        draft.members[member_id] = {**draft.members[member_id], "erased": True}


def location(draft: Draft, event: HouseholdEvent) -> None:
    draft.location = {**event.data, "event_id": str(event.id)}


def survey(draft: Draft, event: HouseholdEvent) -> None:
    # The latest survey is the latest in the field (occurred_at), not the latest typed in.
    latest = draft.latest_survey
    if latest is None or event.occurred_at >= latest["occurred_at"]:
        draft.latest_survey = {
            **event.data,
            "event_id": str(event.id),
            "occurred_at": event.occurred_at,
        }


def objection_raised(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(ObjectionRaisedData)
    draft.objections[str(event.id)] = {
        "objection_id": str(event.id),
        "purpose": data.purpose,
        "summary": data.summary,
        "occurred_at": event.occurred_at,
        "open": True,
    }


def objection_resolved(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(ObjectionResolvedData)
    objection = draft.objections.get(data.objection_id)
    if objection is not None:
        draft.objections[data.objection_id] = {**objection, "open": False, "outcome": data.outcome}


def measure_planned(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(AssistancePlannedData)
    draft.measures[data.measure_id] = {
        "measure_id": data.measure_id,
        "category": data.category,
        "summary": data.summary,
        "start_date": data.start_date,
        "ended": False,
        "deliveries": 0,
        "last_delivered_on": None,
    }


def measure_delivered(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(AssistanceDeliveredData)
    measure = draft.measures.get(data.measure_id)
    if measure is not None:
        last = measure["last_delivered_on"]
        on = data.delivered_on
        draft.measures[data.measure_id] = {
            **measure,
            "deliveries": measure["deliveries"] + 1,
            "last_delivered_on": on if last is None or on > last else last,
        }


def measure_ended(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(AssistanceEndedData)
    measure = draft.measures.get(data.measure_id)
    if measure is not None:
        draft.measures[data.measure_id] = {**measure, "ended": True, "end_reason": data.reason}


def marked(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(SystemMarkedData)
    marking = Marking(data.marking)
    draft.status = next_status(marking, draft.status)
    if data.monitoring_type:
        draft.monitoring_type = data.monitoring_type
    elif marking in (Marking.WITHDRAWN, Marking.RISK_MARK_ROLLED_BACK):
        draft.monitoring_type = None


def issue_raised(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(DataIssueRaisedData)
    draft.data_issues[data.issue_id] = {**event.data, "open": True}


def issue_resolved(draft: Draft, event: HouseholdEvent) -> None:
    data = event.payload_as(DataIssueResolvedData)
    issue = draft.data_issues.get(data.issue_id)
    if issue is not None:
        draft.data_issues[data.issue_id] = {**issue, "open": False}


def voided(draft: Draft, event: HouseholdEvent) -> None:
    """The target counts for nothing from now on (the state is rebuilt without it)."""
    draft.voided.add(event.payload_as(EntryVoidedData).target_event_id)
