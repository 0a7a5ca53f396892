"""The ``data`` of each event type (CONTRACT §1): one payload model per type, made of the
shapes in ``shapes`` (members, survey parts, …). The catalog names each type's model.

Over 300 lines: a table of the contract's 29 shapes, kept together so each is found here.
"""

from datetime import date
from decimal import Decimal
from typing import Any, Self

from pydantic import (
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from ledger.domain.fields import (
    PAYLOAD_CONFIG,
    Coordinate,
    DivisionCode,
    Flag,
    FreeText,
    Identifier,
    IsoDate,
    Name,
    NonNegativeYuan,
    Reference,
    Text,
    Yuan,
)
from ledger.domain.shapes import (
    Attendees,
    DisabilityGrade,
    Finding,
    Guarantees,
    Income,
    Member,
    Payload,
    Period,
    RigidExpenditure,
    Votes,
)
from ledger.domain.status import MARKINGS_WITH_TYPE
from ledger.domain.vocabulary import (
    ApplicationChannel,
    AppraisalResult,
    Category,
    CommitteeDecision,
    CountyDecision,
    DataIssueSource,
    Department,
    EffectivenessResult,
    Health,
    Labor,
    Marking,
    Measure,
    MemberAddedReason,
    MemberRemovedReason,
    MonitoringType,
    NoticeChannel,
    ObjectionOutcome,
    Purpose,
    Relation,
    RiskType,
    ScreeningDecision,
    TownshipDecision,
    WarningCode,
)


class HouseholdRegisteredData(Payload):
    village_code: DivisionCode
    group: Name
    category: Category
    filed_card: Flag
    members: list[Member] = Field(min_length=1, max_length=50)

    # Cross-field rules are field validators on the field that carries the contradiction,
    # so the error names it (CONTRACT §7.1); the fields they compare with come first.
    @field_validator("filed_card")
    @classmethod
    def _card_follows_category(cls, filed_card: bool, info: ValidationInfo) -> bool:
        category = info.data.get("category")
        if category is not None and filed_card != (category == Category.POVERTY_ALLEVIATED):
            raise ValueError(
                "filed_card must be true exactly when category is 'poverty_alleviated'"
            )
        return filed_card

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        heads = [m for m in self.members if m.relation == Relation.HEAD]
        if len(heads) != 1:
            raise ValueError(f"exactly one member must have relation 'head', found {len(heads)}")
        ids = [m.member_id for m in self.members]
        if len(set(ids)) != len(ids):
            raise ValueError("member_id values must be unique")
        numbers = [m.id_number for m in self.members if m.id_number]
        if len(set(numbers)) != len(numbers):
            raise ValueError("an id_number appears twice among the members")
        return self


class MemberAddedData(Payload):
    member: Member
    reason: MemberAddedReason


class MemberRemovedData(Payload):
    member_id: Identifier
    reason: MemberRemovedReason


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class MemberUpdatedData(Payload):
    # member_id and at least one change: documented, as the server refuses an empty update.
    model_config = ConfigDict(**PAYLOAD_CONFIG, json_schema_extra={"minProperties": 2})

    member_id: Identifier
    # Absent means unchanged; null is refused, so documented as neither nullable nor null.
    labor: Labor | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    health: Health | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    disability_grade: DisabilityGrade | None = Field(default=None, ge=1, le=4)
    in_school: Flag | None = None

    @field_validator("labor", "health")
    @classmethod
    def _not_null(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Every member has a labour and a health status; a grade or schooling may be cleared.
        if value is None:  # only a given value is validated: absent stays None
            raise ValueError(f"{info.field_name} cannot be null: a change names its new value")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_fields_set - {"member_id"}:
            raise ValueError("give at least one of labor, health, disability_grade, in_school")
        return self


class LocationRecordedData(Payload):
    lat: Coordinate = Field(ge=-90, le=90)
    lon: Coordinate = Field(ge=-180, le=180)
    accuracy_m: Coordinate | None = Field(default=None, ge=0)


class AssistanceAppliedData(Payload):
    channel: ApplicationChannel
    summary: FreeText


class WarningReceivedData(Payload):
    department: Department
    code: WarningCode
    summary: FreeText
    amount: NonNegativeYuan | None = None


class ScreeningAnalyzedData(Payload):
    decision: ScreeningDecision
    basis: FreeText


class FieldSurveyConductedData(Payload):
    purpose: Purpose
    period: Period
    income: Income
    household_size: StrictInt = Field(ge=1, le=100)
    per_capita_net_income: Yuan
    rigid_expenditure: RigidExpenditure
    guarantees: Guarantees
    whole_household_lacks_labor: Flag
    stable_income_from_work: Flag | None = None
    risk_types: list[RiskType] = Field(max_length=20)
    system_ref: Reference | None = None

    @field_validator("per_capita_net_income")
    @classmethod
    def _per_capita_adds_up(cls, per_capita: Decimal, info: ValidationInfo) -> Decimal:
        i, size = info.data.get("income"), info.data.get("household_size")
        if i is None or size is None:
            return per_capita  # already refused for those fields
        net = i.wage + i.operating + i.property + i.transfer - i.operating_cost
        expected = net / Decimal(size)
        if abs(expected - per_capita) > 1:
            raise ValueError(
                f"per_capita_net_income {per_capita} differs by more than "
                f"1 yuan from (wage + operating + property + transfer - operating_cost) / "
                f"household_size = {expected:.2f}"
            )
        return per_capita


class MemberRef(Payload):
    member_id: Identifier


class ApplicationSignedData(MemberRef):
    """纳入监测申请."""


class AuthorizationSignedData(MemberRef):
    """授权承诺书 (consent to asset queries)."""


class DemocraticAppraisalHeldData(Payload):
    purpose: Purpose
    attendees: Attendees
    votes: Votes | None = None
    result: AppraisalResult

    @field_validator("votes")
    @classmethod
    def _votes_fit_the_room(cls, votes: Votes | None, info: ValidationInfo) -> Votes | None:
        attendees = info.data.get("attendees")
        if votes and attendees is not None:
            cast = votes.for_ + votes.against + votes.abstain
            if cast > attendees.total:
                raise ValueError(f"{cast} votes cast by {attendees.total} attendees")
        return votes


class VillageCommitteeDecidedData(Payload):
    purpose: Purpose
    decision: CommitteeDecision
    measures: list[Measure] | None = Field(default=None, max_length=20)


class PublicNoticePostedData(Payload):
    purpose: Purpose
    channels: list[NoticeChannel] = Field(max_length=3)
    start_date: IsoDate
    end_date: IsoDate

    @field_validator("end_date")
    @classmethod
    def _ordered(cls, end_date: date, info: ValidationInfo) -> date:
        start_date = info.data.get("start_date")
        if start_date is not None and end_date < start_date:
            raise ValueError(f"end_date {end_date} is before start_date {start_date}")
        return end_date


class ObjectionRaisedData(Payload):
    purpose: Purpose
    summary: FreeText


class ObjectionResolvedData(Payload):
    objection_id: Identifier
    outcome: ObjectionOutcome
    summary: FreeText
    feedback_given: Flag | None = None


class TownshipReviewedData(Payload):
    purpose: Purpose
    decision: TownshipDecision
    spot_checked: Flag


class DepartmentVerifiedData(Payload):
    purpose: Purpose
    department: Department
    consistent: Flag
    findings: list[Finding] = Field(max_length=50)
    items_checked: list[Reference] | None = Field(default=None, max_length=50)
    summary: FreeText


class CountyConfirmedData(Payload):
    purpose: Purpose
    decision: CountyDecision
    monitoring_type: MonitoringType | None = None
    risk_types: list[RiskType] = Field(default_factory=list, max_length=20)
    responsible_department: Department | None = None
    special_inclusion: Text | None = None

    @model_validator(mode="after")
    def _type_when_identifying(self) -> Self:
        if (
            self.purpose == Purpose.IDENTIFICATION
            and self.decision == CountyDecision.CONFIRMED
            and self.monitoring_type is None
        ):
            raise ValueError("a confirmed identification names its monitoring_type")
        return self


class AssistancePlannedData(Payload):
    measure_id: Identifier
    category: Measure
    summary: FreeText
    start_date: IsoDate | None = None


class AssistanceDeliveredData(Payload):
    measure_id: Identifier
    delivered_on: IsoDate
    amount: NonNegativeYuan | None = None
    summary: FreeText


class AssistanceEndedData(Payload):
    measure_id: Identifier
    reason: FreeText


class EffectivenessAppraisedData(Payload):
    """帮扶成效评议."""

    result: EffectivenessResult
    summary: FreeText


class InformedConsentGivenData(Payload):
    """知情同意 to the risk elimination."""

    purpose: Purpose
    member_id: Identifier


class SystemMarkedData(Payload):
    marking: Marking
    monitoring_type: MonitoringType | None = None
    system_ref: Reference | None = None

    @model_validator(mode="after")
    def _type_goes_with_marking(self) -> Self:
        needs_type = Marking(self.marking) in MARKINGS_WITH_TYPE
        if needs_type and self.monitoring_type is None:
            raise ValueError(f"marking '{self.marking}' needs a monitoring_type")
        if not needs_type and self.monitoring_type is not None:
            raise ValueError(f"marking '{self.marking}' takes no monitoring_type")
        return self


class DataIssueRaisedData(Payload):
    issue_id: Identifier
    source: DataIssueSource
    code: Reference
    summary: FreeText
    member_id: Identifier | None = None


class DataIssueResolvedData(Payload):
    issue_id: Identifier
    summary: FreeText


class MaterialAttachedData(Payload):
    target_event_id: Identifier
    note: FreeText


class PersonalDataErasedData(Payload):
    """The member whose personal values were erased (PIPL Art. 47) and why: no personal
    value itself."""

    member_id: Identifier
    basis: FreeText


class EntryVoidedData(Payload):
    target_event_id: Identifier
    reason: FreeText
