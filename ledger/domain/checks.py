"""Each event type's rules against the household's state (CONTRACT §1, last column; §2),
named by the catalog: what would make the record contradict itself. A check reads the
validated payload of a command and the state before it, and raises the contract's error.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ledger.domain.errors import InvalidTransition, RuleViolation
from ledger.domain.payloads import (
    AssistanceDeliveredData,
    AssistanceEndedData,
    AssistancePlannedData,
    DataIssueRaisedData,
    DataIssueResolvedData,
    DepartmentVerifiedData,
    EntryVoidedData,
    MaterialAttachedData,
    MemberAddedData,
    ObjectionResolvedData,
    PersonalDataErasedData,
    SystemMarkedData,
)
from ledger.domain.status import ALLOWED_FROM, is_allowed
from ledger.domain.vocabulary import Marking

if TYPE_CHECKING:  # the state module applies the catalog, which names these checks
    from ledger.domain.household import Household


def require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise RuleViolation(message, [{"field": field, "message": message}])


def _member(household: "Household", member_id: str) -> None:
    require(
        member_id in household.members,
        "data.member_id",
        f"no member '{member_id}' in this household",
    )


class NamesAMember(Protocol):
    @property
    def member_id(self) -> str: ...


def member_exists(household: "Household", data: NamesAMember) -> None:
    _member(household, data.member_id)


def member_present(household: "Household", data: NamesAMember) -> None:
    member_id = data.member_id
    _member(household, member_id)
    require(
        household.members[member_id]["present"],
        "data.member_id",
        f"member '{member_id}' is no longer present",
    )


def member_new(household: "Household", data: MemberAddedData) -> None:
    member = data.member
    require(
        member.member_id not in household.members,
        "data.member.member_id",
        f"member_id '{member.member_id}' is already used in this household",
    )


def id_number_unused(
    household: "Household", data: MemberAddedData, opened: Mapping[str, Any]
) -> None:
    """Members' ID numbers are stored as commitments: ``opened`` gives their values."""
    number = data.member.id_number
    taken = {opened.get(m["id_number"]) for m in household.present_members()}
    require(
        number is None or number not in taken,
        "data.member.id_number",
        "a present member already has this id_number",
    )


def member_not_erased(household: "Household", data: PersonalDataErasedData) -> None:
    _member(household, data.member_id)
    require(
        not household.members[data.member_id].get("erased"),
        "data.member_id",
        f"member '{data.member_id}''s personal data is already erased",
    )


def objection_open(household: "Household", data: ObjectionResolvedData) -> None:
    objection = household.objections.get(data.objection_id)
    require(
        objection is not None,
        "data.objection_id",
        f"no objection '{data.objection_id}' (an ObjectionRaised event id) in this household",
    )
    require(
        bool(objection and objection["open"]),
        "data.objection_id",
        f"objection '{data.objection_id}' is already resolved",
    )


def findings_name_members(household: "Household", data: DepartmentVerifiedData) -> None:
    for i, finding in enumerate(data.findings):
        member_id = finding.member_id
        require(
            member_id is None or member_id in household.members,
            f"data.findings[{i}].member_id",
            f"no member '{member_id}' in this household",
        )


def measure_new(household: "Household", data: AssistancePlannedData) -> None:
    require(
        data.measure_id not in household.measures,
        "data.measure_id",
        f"measure_id '{data.measure_id}' is already planned in this household",
    )


def measure_running(
    household: "Household", data: AssistanceDeliveredData | AssistanceEndedData
) -> None:
    measure = household.measures.get(data.measure_id)
    require(measure is not None, "data.measure_id", f"no measure '{data.measure_id}' was planned")
    require(
        bool(measure and not measure["ended"]),
        "data.measure_id",
        f"measure '{data.measure_id}' has ended",
    )


def transition(household: "Household", data: SystemMarkedData) -> None:
    marking = Marking(data.marking)
    if not is_allowed(marking, household.status):
        allowed = ", ".join(sorted(ALLOWED_FROM[marking]))
        raise InvalidTransition(
            f"marking '{marking}' is not allowed from status '{household.status}' "
            f"(allowed from: {allowed})",
            [{"field": "data.marking", "message": f"not allowed from '{household.status}'"}],
        )
    if marking == Marking.TYPE_ADJUSTED:
        require(
            data.monitoring_type != household.monitoring_type,
            "data.monitoring_type",
            f"the household is already of type '{household.monitoring_type}'",
        )


def issue_new(household: "Household", data: DataIssueRaisedData) -> None:
    require(
        data.issue_id not in household.data_issues,
        "data.issue_id",
        f"issue_id '{data.issue_id}' was already raised",
    )
    if data.member_id is not None:
        _member(household, data.member_id)


def issue_open(household: "Household", data: DataIssueResolvedData) -> None:
    issue = household.data_issues.get(data.issue_id)
    require(issue is not None, "data.issue_id", f"no issue '{data.issue_id}' was raised")
    require(
        bool(issue and issue["open"]),
        "data.issue_id",
        f"issue '{data.issue_id}' is already resolved",
    )


def target_exists(household: "Household", data: MaterialAttachedData | EntryVoidedData) -> None:
    target = data.target_event_id
    require(
        target in household.event_types,
        "data.target_event_id",
        f"no event '{target}' in this household",
    )


def target_voidable(household: "Household", data: EntryVoidedData) -> None:
    target_exists(household, data)
    target = data.target_event_id
    require(
        target not in household.voided,
        "data.target_event_id",
        f"event '{target}' is already voided",
    )
    event = household.history.event(target)
    kind = household.event_types[target]
    require(
        event is not None and event.VOIDABLE,
        "data.target_event_id",
        f"a {kind} event cannot be voided",
    )
