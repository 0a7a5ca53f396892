"""What the per-household quality rules read (CONTRACT §7.5's definitions): the events that
count, the present and working members, the measures since the latest enrolment, the
household's risk types, and the events each member's values were recorded by."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from ledger.domain.configuration import RulesConfig
from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.domain.procedure import KIND_OF_MARKING, EpisodeKind
from ledger.domain.quality.model import Openings
from ledger.domain.record import HouseholdRecord, by_time
from ledger.domain.vocabulary import Labor, Marking

Record = Mapping[str, Any]
WORKING = frozenset({Labor.FULL.value, Labor.PARTIAL.value})


@dataclass(frozen=True)
class PlannedMeasure:
    """A measure of CONTRACT §7.5: an ``AssistancePlanned`` (``measure_id`` set) or one of a
    ``VillageCommitteeDecided``'s proposed ``measures`` (``measure_id`` None)."""

    category: str
    event: HouseholdEvent
    measure_id: str | None = None


@dataclass(frozen=True)
class Context:
    household_id: str
    events: tuple[HouseholdEvent, ...]  # every event not voided, by version (voids kept)
    record: HouseholdRecord  # the events that count, as the procedure rules read them
    state: Household
    config: RulesConfig
    openings: Openings

    @classmethod
    def of(
        cls,
        household_id: str,
        events: Sequence[HouseholdEvent],
        state: Household,
        config: RulesConfig,
        openings: Openings,
    ) -> "Context":
        ordered = sorted(events, key=lambda e: e.version)
        voided = state.voided
        counting = tuple(e for e in ordered if not voided or str(e.id) not in voided)
        return cls(household_id, counting, HouseholdRecord.of(ordered), state, config, openings)

    @property
    def thresholds(self) -> QualityThresholds:
        return self.config.quality

    @property
    def status(self) -> str:
        return str(self.state.status)

    @cached_property
    def present(self) -> list[Record]:
        """Present members: registered or added, not removed."""
        return [m for m in self.state.members.values() if m.get("present")]

    @cached_property
    def working(self) -> list[Record]:
        """Present members with ``full`` or ``partial`` labour."""
        return [m for m in self.present if m.get("labor") in WORKING]

    @property
    def survey(self) -> Record | None:
        """The latest survey in the field (by ``occurred_at``)."""
        return self.state.latest_survey

    @property
    def survey_day(self) -> date | None:
        moment = (self.survey or {}).get("occurred_at")
        return moment.date() if moment is not None else None

    @property
    def survey_events(self) -> list[str]:
        """The latest survey's event id, as a list to cite (empty without a survey)."""
        event_id = (self.survey or {}).get("event_id")
        return [] if event_id is None else [str(event_id)]

    def of_type(self, *types: str) -> list[HouseholdEvent]:
        return [e for e in self.events if e.TYPE in types]

    def event(self, event_id: Any) -> HouseholdEvent | None:
        return next((e for e in self.events if str(e.id) == str(event_id)), None)

    # Members

    @cached_property
    def _member_events(self) -> dict[str, list[HouseholdEvent]]:
        """Each member's events that recorded or changed it, oldest first."""
        found: dict[str, list[HouseholdEvent]] = {}
        for event in self.events:
            if event.TYPE == "HouseholdRegistered":
                held = event.data.get("members")
                members = held if isinstance(held, list) else []
            elif event.TYPE == "MemberAdded":
                members = [event.data.get("member")]
            elif event.TYPE in ("MemberUpdated", "MemberRemoved"):
                members = [{"member_id": event.data.get("member_id")}]
            else:
                continue
            for member in members:
                if isinstance(member, Mapping) and isinstance(member.get("member_id"), str):
                    found.setdefault(member["member_id"], []).append(event)
        return found

    def recorded_by(self, member_id: str, *changed: str) -> list[str]:
        """Ids of the event that recorded the member (its registration or addition) and of
        the updates that changed any of ``changed``."""
        ids = []
        for event in self._member_events.get(member_id, ()):
            if event.TYPE in ("HouseholdRegistered", "MemberAdded"):
                ids = [str(event.id)]  # a later addition records it anew
            elif event.TYPE == "MemberUpdated" and any(f in event.data for f in changed):
                ids.append(str(event.id))
        return ids

    def removals(self, member_id: str) -> list[str]:
        return [
            str(e.id) for e in self._member_events.get(member_id, ()) if e.TYPE == "MemberRemoved"
        ]

    def opened(self, member: Record, name: str) -> Any:
        """A personal field's value (None when erased or unknown)."""
        return self.openings.value(member.get(name))

    # Measures

    @cached_property
    def latest_enrolment(self) -> HouseholdEvent | None:
        found = [m for m in self.record.markings if m.data.get("marking") == Marking.ENROLLED]
        return found[-1] if found else None

    @cached_property
    def measures(self) -> list[PlannedMeasure]:
        """The measures since the latest enrolment: from the start of the identification
        episode it closes (so the village committee's proposal and the plans of that
        episode count), ended or not; every measure when there was no enrolment."""
        enrolment = self.latest_enrolment
        start = 0  # the marking that opened the enrolment's episode, as ``episodes`` says
        for marking in self.record.markings if enrolment is not None else ():
            if marking is enrolment:
                break
            kind = KIND_OF_MARKING.get(str(marking.data.get("marking")))
            if kind not in (None, EpisodeKind.TYPE_ADJUSTMENT):
                start = marking.version
        found = []
        for event in self.record.events:
            if event.version <= start or (
                enrolment is not None and event.remedies not in (None, enrolment.id)
            ):
                continue
            if event.TYPE == "AssistancePlanned":
                measure_id = event.data.get("measure_id")
                found.append(
                    PlannedMeasure(str(event.data.get("category")), event, str(measure_id))
                )
            elif event.TYPE == "VillageCommitteeDecided":
                proposed = event.data.get("measures")
                for category in proposed if isinstance(proposed, list) else []:
                    found.append(PlannedMeasure(str(category), event))
        return found

    def measures_in(self, categories: frozenset[str]) -> list[PlannedMeasure]:
        return [m for m in self.measures if m.category in categories]

    # Risks

    @cached_property
    def risks(self) -> dict[str, list[str]]:
        """The household's risk types, each with the events that name it: the latest
        survey's and the latest county confirmation's that names any."""
        found: dict[str, list[str]] = {}
        survey = self.survey or {}
        confirmations = [
            e
            for e in self.record.of_type("CountyConfirmed")
            if isinstance(e.data.get("risk_types"), list) and e.data["risk_types"]
        ]
        confirmation = max(confirmations, key=by_time, default=None)
        sources = [(survey.get("risk_types"), survey.get("event_id"))]
        if confirmation is not None:
            sources.append((confirmation.data["risk_types"], str(confirmation.id)))
        for risk_types, event_id in sources:
            for risk in risk_types if isinstance(risk_types, list) else []:
                listed = found.setdefault(str(risk), [])
                if event_id is not None and str(event_id) not in listed:
                    listed.append(str(event_id))
        return found


def amount(value: Any) -> Decimal | None:
    """A yuan amount as stored (Decimal or int), None for anything else."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    number = Decimal(value)
    return number if number.is_finite() else None
