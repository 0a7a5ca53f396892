"""What a caller asks: append these events to a household (the command side).

Each ``<Type>In`` is the envelope of CONTRACT §1 with its type's ``data``; ``NewEvent``
is their union, discriminated on ``type`` so an error names the type it was judged as.
"""

import hashlib
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from ledger.domain import payloads as p
from ledger.domain.fields import IDENTIFIER_PATTERN, PAYLOAD_CONFIG, Rfc3339
from ledger.domain.integrity import canonical_json

HOUSEHOLD_ID_PATTERN = IDENTIFIER_PATTERN
"""A household's id in the upstream system (1–64 characters)."""
MAX_BATCH = 500
"""At most this many events in one append (all or none)."""
MAX_VERSION = 2**53 - 1
"""The largest version a caller may name: every JSON library reads it exactly, and an
idempotent request is hashed as RFC 8785 JSON, which allows no larger integer."""


class Envelope(BaseModel):
    model_config = PAYLOAD_CONFIG

    type: str
    occurred_at: Rfc3339
    actor: p.Actor
    data: BaseModel
    materials: list[p.Material] = Field(default_factory=list, max_length=100)
    remedies: UUID | None = None  # the SystemMarked whose missing step this completes (补齐)


class HouseholdRegisteredIn(Envelope):
    type: Literal["HouseholdRegistered"]
    data: p.HouseholdRegisteredData


class MemberAddedIn(Envelope):
    type: Literal["MemberAdded"]
    data: p.MemberAddedData


class MemberRemovedIn(Envelope):
    type: Literal["MemberRemoved"]
    data: p.MemberRemovedData


class MemberUpdatedIn(Envelope):
    type: Literal["MemberUpdated"]
    data: p.MemberUpdatedData


class LocationRecordedIn(Envelope):
    type: Literal["LocationRecorded"]
    data: p.LocationRecordedData


class AssistanceAppliedIn(Envelope):
    type: Literal["AssistanceApplied"]
    data: p.AssistanceAppliedData


class WarningReceivedIn(Envelope):
    type: Literal["WarningReceived"]
    data: p.WarningReceivedData


class ScreeningAnalyzedIn(Envelope):
    type: Literal["ScreeningAnalyzed"]
    data: p.ScreeningAnalyzedData


class FieldSurveyConductedIn(Envelope):
    type: Literal["FieldSurveyConducted"]
    data: p.FieldSurveyConductedData


class ApplicationSignedIn(Envelope):
    type: Literal["ApplicationSigned"]
    data: p.ApplicationSignedData


class AuthorizationSignedIn(Envelope):
    type: Literal["AuthorizationSigned"]
    data: p.AuthorizationSignedData


class DemocraticAppraisalHeldIn(Envelope):
    type: Literal["DemocraticAppraisalHeld"]
    data: p.DemocraticAppraisalHeldData


class VillageCommitteeDecidedIn(Envelope):
    type: Literal["VillageCommitteeDecided"]
    data: p.VillageCommitteeDecidedData


class PublicNoticePostedIn(Envelope):
    type: Literal["PublicNoticePosted"]
    data: p.PublicNoticePostedData


class ObjectionRaisedIn(Envelope):
    type: Literal["ObjectionRaised"]
    data: p.ObjectionRaisedData


class ObjectionResolvedIn(Envelope):
    type: Literal["ObjectionResolved"]
    data: p.ObjectionResolvedData


class TownshipReviewedIn(Envelope):
    type: Literal["TownshipReviewed"]
    data: p.TownshipReviewedData


class DepartmentVerifiedIn(Envelope):
    type: Literal["DepartmentVerified"]
    data: p.DepartmentVerifiedData


class CountyConfirmedIn(Envelope):
    type: Literal["CountyConfirmed"]
    data: p.CountyConfirmedData


class AssistancePlannedIn(Envelope):
    type: Literal["AssistancePlanned"]
    data: p.AssistancePlannedData


class AssistanceDeliveredIn(Envelope):
    type: Literal["AssistanceDelivered"]
    data: p.AssistanceDeliveredData


class AssistanceEndedIn(Envelope):
    type: Literal["AssistanceEnded"]
    data: p.AssistanceEndedData


class EffectivenessAppraisedIn(Envelope):
    type: Literal["EffectivenessAppraised"]
    data: p.EffectivenessAppraisedData


class InformedConsentGivenIn(Envelope):
    type: Literal["InformedConsentGiven"]
    data: p.InformedConsentGivenData


class SystemMarkedIn(Envelope):
    type: Literal["SystemMarked"]
    data: p.SystemMarkedData


class DataIssueRaisedIn(Envelope):
    type: Literal["DataIssueRaised"]
    data: p.DataIssueRaisedData


class DataIssueResolvedIn(Envelope):
    type: Literal["DataIssueResolved"]
    data: p.DataIssueResolvedData


class MaterialAttachedIn(Envelope):
    type: Literal["MaterialAttached"]
    data: p.MaterialAttachedData
    materials: list[p.Material] = Field(min_length=1, max_length=100)


class EntryVoidedIn(Envelope):
    type: Literal["EntryVoided"]
    data: p.EntryVoidedData


NewEvent = Annotated[
    HouseholdRegisteredIn
    | MemberAddedIn
    | MemberRemovedIn
    | MemberUpdatedIn
    | LocationRecordedIn
    | AssistanceAppliedIn
    | WarningReceivedIn
    | ScreeningAnalyzedIn
    | FieldSurveyConductedIn
    | ApplicationSignedIn
    | AuthorizationSignedIn
    | DemocraticAppraisalHeldIn
    | VillageCommitteeDecidedIn
    | PublicNoticePostedIn
    | ObjectionRaisedIn
    | ObjectionResolvedIn
    | TownshipReviewedIn
    | DepartmentVerifiedIn
    | CountyConfirmedIn
    | AssistancePlannedIn
    | AssistanceDeliveredIn
    | AssistanceEndedIn
    | EffectivenessAppraisedIn
    | InformedConsentGivenIn
    | SystemMarkedIn
    | DataIssueRaisedIn
    | DataIssueResolvedIn
    | MaterialAttachedIn
    | EntryVoidedIn,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "HouseholdRegistered",
    "MemberAdded",
    "MemberRemoved",
    "MemberUpdated",
    "LocationRecorded",
    "AssistanceApplied",
    "WarningReceived",
    "ScreeningAnalyzed",
    "FieldSurveyConducted",
    "ApplicationSigned",
    "AuthorizationSigned",
    "DemocraticAppraisalHeld",
    "VillageCommitteeDecided",
    "PublicNoticePosted",
    "ObjectionRaised",
    "ObjectionResolved",
    "TownshipReviewed",
    "DepartmentVerified",
    "CountyConfirmed",
    "AssistancePlanned",
    "AssistanceDelivered",
    "AssistanceEnded",
    "EffectivenessAppraised",
    "InformedConsentGiven",
    "SystemMarked",
    "DataIssueRaised",
    "DataIssueResolved",
    "MaterialAttached",
    "EntryVoided",
)


class AppendBatch(BaseModel):
    """The body of ``POST /v1/households/{household_id}/events``."""

    model_config = PAYLOAD_CONFIG

    events: list[NewEvent] = Field(min_length=1, max_length=MAX_BATCH)
    expected_version: StrictInt | None = Field(default=None, ge=0, le=MAX_VERSION)


def request_digest(household_id: str, batch: AppendBatch) -> str:
    """SHA-256 (hex) of an append request's canonical JSON: what an idempotency key is
    bound to, so that a retry is told apart from another request under the same key."""
    request = {
        "household_id": household_id,
        "body": batch.model_dump(mode="json", by_alias=True, exclude_unset=True),
    }
    return hashlib.sha256(canonical_json(request)).hexdigest()
