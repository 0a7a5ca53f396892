"""A household's record (台账) as the rules read it: its events that count, oldest recorded
first, with the indexes the rules look things up by."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from ledger.domain.events import HouseholdEvent


def day(event: HouseholdEvent) -> date:
    """The calendar date of ``occurred_at`` in its own UTC offset."""
    return event.occurred_at.date()


def by_time(event: HouseholdEvent) -> tuple[object, int]:
    """Sort key: when it happened in the field, then the order it was recorded in."""
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
        return max(self.resolutions.get(str(objection.id), ()), key=by_time, default=None)

    def latest_survey_before(self, marking: HouseholdEvent) -> HouseholdEvent | None:
        """The latest survey in the field (by ``occurred_at``) recorded before the marking
        or remedying it; remedies of other markings count only there."""
        surveys = [
            e
            for e in self.of_type("FieldSurveyConducted")
            if (e.remedies is None and e.version < marking.version) or e.remedies == marking.id
        ]
        return max(surveys, key=by_time, default=None)
