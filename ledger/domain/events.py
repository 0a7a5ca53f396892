"""The events of a household's stream: immutable facts, one class per contract type.

Every class has an explicit ``TOPIC`` that is stored with the event, so a class can be
renamed or moved without breaking stored history, and a ``class_version``: a change of
shape bumps it and adds a static ``upcast_v1_v2(state)`` that rewrites old stored state
on read (the library's upcasting). The ``data`` keeps the validated payload as plain
values (``str``, ``int``, ``bool``, ``Decimal``, ``date``, lists, dicts).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic


@dataclass(frozen=True)  # also done by the library's metaclass; this tells type checkers
class HouseholdEvent(DomainEvent):
    """The envelope every event keeps. ``timestamp`` is the server's ``recorded_at``;
    ``originator_version`` is the event's ``version`` in its household."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    id: UUID
    household_id: str
    occurred_at: datetime
    actor: dict[str, Any]
    data: dict[str, Any]
    materials: list[dict[str, Any]]
    remedies: UUID | None
    recorded_by: dict[str, Any]
    prev_hash: str
    hash: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TOPIC" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must declare its own explicit TOPIC")
        cls.TYPE = cls.__name__
        register_topic(cls.TOPIC, cls)
        EVENT_CLASSES[cls.TYPE] = cls

    @property
    def version(self) -> int:
        return self.originator_version

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp


EVENT_CLASSES: dict[str, type[HouseholdEvent]] = {}


class HouseholdRegistered(HouseholdEvent):
    """A household entered the ledger with its members (建档); only ever version 1."""

    TOPIC = "household/HouseholdRegistered"


class MemberAdded(HouseholdEvent):
    """A member joined the household (人口自然变更: birth, marriage, …)."""

    TOPIC = "household/MemberAdded"


class MemberRemoved(HouseholdEvent):
    """A member left the household (death, marriage out, moved out, …)."""

    TOPIC = "household/MemberRemoved"


class MemberUpdated(HouseholdEvent):
    """A member's labour, health, disability grade or schooling changed."""

    TOPIC = "household/MemberUpdated"


class LocationRecorded(HouseholdEvent):
    """The household's location (家庭位置) was collected."""

    TOPIC = "household/LocationRecorded"


class AssistanceApplied(HouseholdEvent):
    """The household declared itself (群众自主申报) through an app, platform or in person."""

    TOPIC = "household/AssistanceApplied"


class WarningReceived(HouseholdEvent):
    """A department pushed a warning (部门筛查预警) about the household."""

    TOPIC = "household/WarningReceived"


class ScreeningAnalyzed(HouseholdEvent):
    """The village analysed the case (综合分析研判): check it or not."""

    TOPIC = "household/ScreeningAnalyzed"


class FieldSurveyConducted(HouseholdEvent):
    """A field survey (入户核查): income by source, guarantees, risks."""

    TOPIC = "household/FieldSurveyConducted"


class ApplicationSigned(HouseholdEvent):
    """A member signed the application for monitoring (纳入监测申请)."""

    TOPIC = "household/ApplicationSigned"


class AuthorizationSigned(HouseholdEvent):
    """A member signed the authorization and commitment letter (授权承诺书)."""

    TOPIC = "household/AuthorizationSigned"


class DemocraticAppraisalHeld(HouseholdEvent):
    """The villager group's democratic appraisal (民主评议) met."""

    TOPIC = "household/DemocraticAppraisalHeld"


class VillageCommitteeDecided(HouseholdEvent):
    """The village committee (村两委) proposed or rejected, with measures."""

    TOPIC = "household/VillageCommitteeDecided"


class PublicNoticePosted(HouseholdEvent):
    """The list was publicly noticed (公示) from start to end date."""

    TOPIC = "household/PublicNoticePosted"


class ObjectionRaised(HouseholdEvent):
    """Someone objected to the noticed list (异议)."""

    TOPIC = "household/ObjectionRaised"


class ObjectionResolved(HouseholdEvent):
    """An objection was investigated and answered."""

    TOPIC = "household/ObjectionResolved"


class TownshipReviewed(HouseholdEvent):
    """The township reviewed (乡镇审核), possibly with spot checks."""

    TOPIC = "household/TownshipReviewed"


class DepartmentVerified(HouseholdEvent):
    """A department compared or re-checked the household's facts (比对/复核)."""

    TOPIC = "household/DepartmentVerified"


class CountyConfirmed(HouseholdEvent):
    """The county confirmed after the joint review (县级确定)."""

    TOPIC = "household/CountyConfirmed"


class AssistancePlanned(HouseholdEvent):
    """An assistance measure was planned (一户一策)."""

    TOPIC = "household/AssistancePlanned"


class AssistanceDelivered(HouseholdEvent):
    """Assistance under a planned measure was delivered."""

    TOPIC = "household/AssistanceDelivered"


class AssistanceEnded(HouseholdEvent):
    """A planned measure ended."""

    TOPIC = "household/AssistanceEnded"


class EffectivenessAppraised(HouseholdEvent):
    """The assistance effectiveness appraisal (帮扶成效评议) judged the household."""

    TOPIC = "household/EffectivenessAppraised"


class InformedConsentGiven(HouseholdEvent):
    """A member gave informed consent (知情同意) to the risk elimination."""

    TOPIC = "household/InformedConsentGiven"


class SystemMarked(HouseholdEvent):
    """A marking was entered in the national system; it moves the status (§2)."""

    TOPIC = "household/SystemMarked"


class DataIssueRaised(HouseholdEvent):
    """A data-quality problem was found (到户到人问题清单)."""

    TOPIC = "household/DataIssueRaised"


class DataIssueResolved(HouseholdEvent):
    """A data-quality problem was cleaned."""

    TOPIC = "household/DataIssueResolved"


class MaterialAttached(HouseholdEvent):
    """Trace materials (痕迹资料) were attached to an earlier event."""

    TOPIC = "household/MaterialAttached"


class EntryVoided(HouseholdEvent):
    """An earlier entry was voided: it stays in the history but counts for nothing."""

    TOPIC = "household/EntryVoided"
