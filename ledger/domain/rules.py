"""Deciding an append: the rules of CONTRACT §1 (last column) and §2, judged event by event.

The procedure itself is not enforced here — the ledger records what happened and reports
what is missing (§3) — only what would make the record self-contradictory.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ledger.domain.commands import Envelope
from ledger.domain.errors import (
    AlreadyRegistered,
    InvalidTransition,
    LedgerError,
    RuleViolation,
    UnknownHousehold,
    VersionConflict,
)
from ledger.domain.events import EVENT_CLASSES, HouseholdEvent
from ledger.domain.household import UNVOIDABLE, Household, advance
from ledger.domain.integrity import event_hash
from ledger.domain.serialization import json_value
from ledger.domain.status import ALLOWED_FROM, is_allowed
from ledger.domain.vocabulary import Marking


@dataclass(frozen=True)
class Recording:
    """Who appends and when: the server-set part of every envelope."""

    recorded_at: datetime
    recorded_by: dict[str, Any]


def decide(
    household: Household,
    commands: Sequence[Envelope],
    recording: Recording,
    *,
    expected_version: int | None = None,
    originator_id: UUID,
    new_id: Callable[[], UUID] = uuid4,
) -> list[HouseholdEvent]:
    """The events that ``commands`` record, or the first rule they break.

    ``household`` is advanced past the new events; on error it must be discarded.
    """
    if expected_version is not None and expected_version != household.version:
        raise VersionConflict(
            f"expected version {expected_version}, but household "
            f"'{household.household_id}' is at version {household.version}"
        )
    recorded_at = recording.recorded_at
    if household.last_recorded_at and recorded_at < household.last_recorded_at:
        recorded_at = household.last_recorded_at  # keep recorded_at monotonic per stream
    events = []
    for index, command in enumerate(commands):
        try:
            check(household, command)
        except LedgerError as error:
            error.detail = f"events[{index}] ({command.type}): {error.detail}"
            error.fields = [{**f, "field": f"events[{index}].{f['field']}"} for f in error.fields]
            raise
        event = _record(
            household, command, recorded_at, recording.recorded_by, originator_id, new_id()
        )
        advance(household, event)
        events.append(event)
    return events


def _record(
    household: Household,
    command: Envelope,
    recorded_at: datetime,
    recorded_by: dict[str, Any],
    originator_id: UUID,
    event_id: UUID,
) -> HouseholdEvent:
    data = command.data.model_dump(mode="python", by_alias=True, exclude_unset=True)
    materials = [m.model_dump(mode="python") for m in command.materials]
    actor = command.actor.model_dump(mode="python")
    version = household.version + 1
    served = {
        "household_id": household.household_id,
        "version": version,
        "type": command.type,
        "occurred_at": command.occurred_at.isoformat(),
        "recorded_at": recorded_at.isoformat(),
        "actor": actor,
        "recorded_by": recorded_by,
        "data": json_value(data),
        "materials": materials,
        "prev_hash": household.last_hash,
        "remedies": None if command.remedies is None else str(command.remedies),
    }
    return EVENT_CLASSES[command.type](
        originator_id=originator_id,
        originator_version=version,
        timestamp=recorded_at,
        id=event_id,
        household_id=household.household_id,
        occurred_at=command.occurred_at,
        actor=actor,
        data=data,
        materials=materials,
        remedies=command.remedies,
        recorded_by=recorded_by,
        prev_hash=household.last_hash,
        hash=event_hash(served),
    )


def check(household: Household, command: Envelope) -> None:
    """Raises the contract's error if ``command`` contradicts ``household``."""
    if command.remedies is not None:
        _require(
            household.event_types.get(str(command.remedies)) == "SystemMarked",
            "remedies",
            f"{command.remedies} is not a SystemMarked event of this household",
        )
    if command.type == "HouseholdRegistered":
        if household.registered:
            raise AlreadyRegistered(
                f"household '{household.household_id}' is already registered "
                f"(version {household.version}); HouseholdRegistered is only version 1"
            )
        return
    if not household.registered:
        raise UnknownHousehold(
            f"household '{household.household_id}' is not registered; "
            "its first event must be HouseholdRegistered"
        )
    data = command.data.model_dump(by_alias=True)
    _CHECKS.get(command.type, _no_rule)(household, data)


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise RuleViolation(message, [{"field": field, "message": message}])


def _no_rule(household: Household, data: dict[str, Any]) -> None:
    """Types whose only rules are their shape."""


def _member_exists(household: Household, data: dict[str, Any]) -> None:
    member_id = data["member_id"]
    _require(
        member_id in household.members,
        "data.member_id",
        f"no member '{member_id}' in this household",
    )


def _member_present(household: Household, data: dict[str, Any]) -> None:
    _member_exists(household, data)
    _require(
        household.members[data["member_id"]]["present"],
        "data.member_id",
        f"member '{data['member_id']}' is no longer present",
    )


def _member_new(household: Household, data: dict[str, Any]) -> None:
    member = data["member"]
    _require(
        member["member_id"] not in household.members,
        "data.member.member_id",
        f"member_id '{member['member_id']}' is already used in this household",
    )
    number = member["id_number"]
    taken = {m["id_number"] for m in household.present_members() if m["id_number"]}
    _require(
        number is None or number not in taken,
        "data.member.id_number",
        "a present member already has this id_number",
    )


def _objection_open(household: Household, data: dict[str, Any]) -> None:
    objection = household.objections.get(data["objection_id"])
    _require(
        objection is not None,
        "data.objection_id",
        f"no objection '{data['objection_id']}' (an ObjectionRaised event id) in this household",
    )
    _require(
        bool(objection and objection["open"]),
        "data.objection_id",
        f"objection '{data['objection_id']}' is already resolved",
    )


def _findings_name_members(household: Household, data: dict[str, Any]) -> None:
    for i, finding in enumerate(data["findings"]):
        member_id = finding.get("member_id")
        _require(
            member_id is None or member_id in household.members,
            f"data.findings[{i}].member_id",
            f"no member '{member_id}' in this household",
        )


def _measure_new(household: Household, data: dict[str, Any]) -> None:
    _require(
        data["measure_id"] not in household.measures,
        "data.measure_id",
        f"measure_id '{data['measure_id']}' is already planned in this household",
    )


def _measure_running(household: Household, data: dict[str, Any]) -> None:
    measure = household.measures.get(data["measure_id"])
    _require(
        measure is not None, "data.measure_id", f"no measure '{data['measure_id']}' was planned"
    )
    _require(
        bool(measure and not measure["ended"]),
        "data.measure_id",
        f"measure '{data['measure_id']}' has ended",
    )


def _transition(household: Household, data: dict[str, Any]) -> None:
    marking = Marking(data["marking"])
    if not is_allowed(marking, household.status):
        allowed = ", ".join(sorted(ALLOWED_FROM[marking]))
        raise InvalidTransition(
            f"marking '{marking}' is not allowed from status '{household.status}' "
            f"(allowed from: {allowed})",
            [{"field": "data.marking", "message": f"not allowed from '{household.status}'"}],
        )
    if marking == Marking.TYPE_ADJUSTED:
        _require(
            data["monitoring_type"] != household.monitoring_type,
            "data.monitoring_type",
            f"the household is already of type '{household.monitoring_type}'",
        )


def _issue_new(household: Household, data: dict[str, Any]) -> None:
    _require(
        data["issue_id"] not in household.data_issues,
        "data.issue_id",
        f"issue_id '{data['issue_id']}' was already raised",
    )
    if data.get("member_id") is not None:
        _member_exists(household, data)


def _issue_open(household: Household, data: dict[str, Any]) -> None:
    issue = household.data_issues.get(data["issue_id"])
    _require(issue is not None, "data.issue_id", f"no issue '{data['issue_id']}' was raised")
    _require(
        bool(issue and issue["open"]),
        "data.issue_id",
        f"issue '{data['issue_id']}' is already resolved",
    )


def _target_exists(household: Household, data: dict[str, Any]) -> None:
    target = data["target_event_id"]
    _require(
        target in household.event_types,
        "data.target_event_id",
        f"no event '{target}' in this household",
    )


def _target_voidable(household: Household, data: dict[str, Any]) -> None:
    _target_exists(household, data)
    target = data["target_event_id"]
    _require(
        target not in household.voided,
        "data.target_event_id",
        f"event '{target}' is already voided",
    )
    kind = household.event_types[target]
    _require(kind not in UNVOIDABLE, "data.target_event_id", f"a {kind} event cannot be voided")


_CHECKS: dict[str, Callable[[Household, dict[str, Any]], None]] = {
    "MemberAdded": _member_new,
    "MemberRemoved": _member_present,
    "MemberUpdated": _member_exists,
    "ApplicationSigned": _member_exists,
    "AuthorizationSigned": _member_exists,
    "InformedConsentGiven": _member_exists,
    "ObjectionResolved": _objection_open,
    "DepartmentVerified": _findings_name_members,
    "AssistancePlanned": _measure_new,
    "AssistanceDelivered": _measure_running,
    "AssistanceEnded": _measure_running,
    "SystemMarked": _transition,
    "DataIssueRaised": _issue_new,
    "DataIssueResolved": _issue_open,
    "MaterialAttached": _target_exists,
    "EntryVoided": _target_voidable,
}
