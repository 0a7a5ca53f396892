"""The catalog of event types (事件类型目录): one entry per contract type (CONTRACT §1)
holding all the ledger knows of it — its payload model, its checks, its effect on the
state, who may append it, its procedure step and its Chinese label — and making its event
class. Every other list of types (the append schema, labels, access, what cannot be
voided) is derived from here: adding a type is one entry, its payload model and tests.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ledger.domain import checks, effects
from ledger.domain import payloads as p
from ledger.domain.effects import Effect
from ledger.domain.events import HouseholdEvent, Upcast, event_class
from ledger.domain.procedure import Step
from ledger.domain.shapes import Payload
from ledger.domain.vocabulary import CallerRole

if TYPE_CHECKING:  # the state module applies this catalog
    from ledger.domain.household import Household

P = TypeVar("P", bound=Payload)

RECORDERS = frozenset({CallerRole.ADMIN, CallerRole.RECORDER})
"""Who may append any type: admins and the recorders of field apps."""


@dataclass(frozen=True)
class EventType(Generic[P]):
    name: str
    """The contract's type: the event class's name; ``household/<name>`` is its topic."""
    payload: type[P]
    """The model of its ``data`` (``payloads``)."""
    label: str
    """Its Chinese name (中文名称)."""
    summary: str
    """What happened, in domain terms: the event class's docstring."""
    step: Step | None = None
    """The procedure step it records (``episodes`` judges which episode it counts in)."""
    check: "Callable[[Household, P], None] | None" = None
    """Its rules against the state before it (``checks``); None: its shape alone."""
    effect: Effect | None = None
    """What it changes in the state (``effects``); None: it only leaves a trace."""
    appended_by: frozenset[CallerRole] = RECORDERS
    """The roles whose tokens may append it."""
    voidable: bool = True
    """Whether an ``EntryVoided`` may void it."""
    needs_materials: bool = False
    """Whether it must carry at least one material."""
    upcasts: Sequence[Upcast] = ()
    """``upcasts[i]`` rewrites its stored version ``i + 1`` into ``i + 2``."""
    holds_members: str | None = None
    """The key of its ``data`` that holds MEMBER objects (a list or one): their names, ID
    numbers and birth dates are personal fields (``personal``)."""
    personal_check: "Callable[[Household, P, Mapping[str, Any]], None] | None" = None
    """A rule that compares personal values: given the household's stored commitments'
    values, as far as the ledger can open them (``rules.decide``'s ``opened``)."""
    event_class: type[HouseholdEvent] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        made = event_class(
            self.name, self.summary, self.payload, voidable=self.voidable, upcasts=self.upcasts
        )
        object.__setattr__(self, "event_class", made)


_ENTRIES: tuple[EventType[Any], ...] = (
    EventType(
        "HouseholdRegistered",
        p.HouseholdRegisteredData,
        "建档登记",
        "A household entered the ledger with its members (建档); only ever version 1.",
        effect=effects.registered,
        voidable=False,
        holds_members="members",
    ),
    EventType(
        "MemberAdded",
        p.MemberAddedData,
        "家庭人口增加",
        "A member joined the household (人口自然变更: birth, marriage, …).",
        check=checks.member_new,
        personal_check=checks.id_number_unused,
        effect=effects.member_added,
        holds_members="member",
    ),
    EventType(
        "MemberRemoved",
        p.MemberRemovedData,
        "家庭人口减少",
        "A member left the household (death, marriage out, moved out, …).",
        check=checks.member_present,
        effect=effects.member_removed,
    ),
    EventType(
        "MemberUpdated",
        p.MemberUpdatedData,
        "成员信息变更",
        "A member's labour, health, disability grade or schooling changed.",
        check=checks.member_exists,
        effect=effects.member_updated,
    ),
    EventType(
        "LocationRecorded",
        p.LocationRecordedData,
        "家庭位置采集",
        "The household's location (家庭位置) was collected.",
        effect=effects.location,
    ),
    EventType(
        "AssistanceApplied",
        p.AssistanceAppliedData,
        "农户自主申报",
        "The household declared itself (群众自主申报) through an app, platform or in person.",
        step=Step.TRIGGER,
        appended_by=RECORDERS | {CallerRole.INTAKE},
    ),
    EventType(
        "WarningReceived",
        p.WarningReceivedData,
        "部门筛查预警",
        "A department pushed a warning (部门筛查预警) about the household.",
        step=Step.TRIGGER,
        appended_by=RECORDERS | {CallerRole.DEPARTMENT},
    ),
    EventType(
        "ScreeningAnalyzed",
        p.ScreeningAnalyzedData,
        "综合分析研判",
        "The village analysed the case (综合分析研判): check it or not.",
        step=Step.SCREENING,
    ),
    EventType(
        "FieldSurveyConducted",
        p.FieldSurveyConductedData,
        "入户核查（实地调查）",
        "A field survey (入户核查): income by source, guarantees, risks.",
        step=Step.FIELD_SURVEY,
        effect=effects.survey,
    ),
    EventType(
        "ApplicationSigned",
        p.ApplicationSignedData,
        "签署纳入监测申请",
        "A member signed the application for monitoring (纳入监测申请).",
        step=Step.APPLICATION,
        check=checks.member_exists,
    ),
    EventType(
        "AuthorizationSigned",
        p.AuthorizationSignedData,
        "签署授权承诺书",
        "A member signed the authorization and commitment letter (授权承诺书).",
        step=Step.AUTHORIZATION,
        check=checks.member_exists,
    ),
    EventType(
        "DemocraticAppraisalHeld",
        p.DemocraticAppraisalHeldData,
        "民主评议",
        "The villager group's democratic appraisal (民主评议) met.",
        step=Step.APPRAISAL,
    ),
    EventType(
        "VillageCommitteeDecided",
        p.VillageCommitteeDecidedData,
        "村两委研究",
        "The village committee (村两委) proposed or rejected, with measures.",
        step=Step.VILLAGE_DECISION,
    ),
    EventType(
        "PublicNoticePosted",
        p.PublicNoticePostedData,
        "公示",
        "The list was publicly noticed (公示) from start to end date.",
        step=Step.NOTICE,
    ),
    EventType(
        "ObjectionRaised",
        p.ObjectionRaisedData,
        "异议反映",
        "Someone objected to the noticed list (异议).",
        step=Step.OBJECTION,
        effect=effects.objection_raised,
    ),
    EventType(
        "ObjectionResolved",
        p.ObjectionResolvedData,
        "异议处理",
        "An objection was investigated and answered.",
        check=checks.objection_open,
        effect=effects.objection_resolved,
    ),
    EventType(
        "TownshipReviewed",
        p.TownshipReviewedData,
        "乡镇审核",
        "The township reviewed (乡镇审核), possibly with spot checks.",
        step=Step.TOWNSHIP_REVIEW,
    ),
    EventType(
        "DepartmentVerified",
        p.DepartmentVerifiedData,
        "部门比对复核",
        "A department compared or re-checked the household's facts (比对/复核).",
        # a comparison (department_comparison) when before the authorization: episodes
        step=Step.DEPARTMENT_CHECK,
        check=checks.findings_name_members,
        appended_by=RECORDERS | {CallerRole.DEPARTMENT},
    ),
    EventType(
        "CountyConfirmed",
        p.CountyConfirmedData,
        "县级确定",
        "The county confirmed after the joint review (县级确定).",
        step=Step.COUNTY_CONFIRMATION,
    ),
    EventType(
        "AssistancePlanned",
        p.AssistancePlannedData,
        "制定帮扶措施",
        "An assistance measure was planned (一户一策).",
        step=Step.ASSISTANCE_PLAN,
        check=checks.measure_new,
        effect=effects.measure_planned,
    ),
    EventType(
        "AssistanceDelivered",
        p.AssistanceDeliveredData,
        "落实帮扶",
        "Assistance under a planned measure was delivered.",
        check=checks.measure_running,
        effect=effects.measure_delivered,
    ),
    EventType(
        "AssistanceEnded",
        p.AssistanceEndedData,
        "帮扶措施结束",
        "A planned measure ended.",
        check=checks.measure_running,
        effect=effects.measure_ended,
    ),
    EventType(
        "EffectivenessAppraised",
        p.EffectivenessAppraisedData,
        "帮扶成效评议",
        "The assistance effectiveness appraisal (帮扶成效评议) judged the household.",
        step=Step.EFFECTIVENESS_APPRAISAL,
    ),
    EventType(
        "InformedConsentGiven",
        p.InformedConsentGivenData,
        "知情同意",
        "A member gave informed consent (知情同意) to the risk elimination.",
        step=Step.INFORMED_CONSENT,
        check=checks.member_exists,
    ),
    EventType(
        "SystemMarked",
        p.SystemMarkedData,
        "系统标注",
        "A marking was entered in the national system; it moves the status (§2).",
        check=checks.transition,
        effect=effects.marked,
        voidable=False,
    ),
    EventType(
        "DataIssueRaised",
        p.DataIssueRaisedData,
        "数据问题反馈",
        "A data-quality problem was found (到户到人问题清单).",
        check=checks.issue_new,
        effect=effects.issue_raised,
    ),
    EventType(
        "DataIssueResolved",
        p.DataIssueResolvedData,
        "数据问题整改",
        "A data-quality problem was cleaned.",
        check=checks.issue_open,
        effect=effects.issue_resolved,
    ),
    EventType(
        "MaterialAttached",
        p.MaterialAttachedData,
        "补充痕迹资料",
        "Trace materials (痕迹资料) were attached to an earlier event.",
        check=checks.target_exists,
        needs_materials=True,
    ),
    EventType(
        "EntryVoided",
        p.EntryVoidedData,
        "记录作废",
        "An earlier entry was voided: it stays in the history but counts for nothing.",
        check=checks.target_voidable,
        effect=effects.voided,
        voidable=False,
    ),
    EventType(
        "PersonalDataErased",
        p.PersonalDataErasedData,
        "个人信息删除",
        "A member's personal values were erased (PIPL Art. 47); every hash still holds.",
        check=checks.member_not_erased,
        effect=effects.personal_data_erased,
        appended_by=frozenset({CallerRole.ADMIN}),
        voidable=False,
    ),
)

CATALOG: Mapping[str, EventType[Any]] = MappingProxyType({e.name: e for e in _ENTRIES})
"""Every event type by name, in the contract's order."""
EVENT_TYPES: tuple[str, ...] = tuple(CATALOG)
"""The contract's event types, in its order."""
UNVOIDABLE = frozenset(name for name, entry in CATALOG.items() if not entry.voidable)
