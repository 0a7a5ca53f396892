"""A household's current state, rebuilt from its events (户的当前状态).

``Household`` is immutable: ``apply(state, event)`` is the state one event later, a new
value that leaves ``state`` as it was, and ``replay(household_id, events)`` the state
after a whole stream. Each event type's effect is named by the catalog. A voided entry
counts for nothing: voiding one rebuilds the content from the events still counting.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import chain, takewhile
from types import MappingProxyType

from ledger.domain.catalog import CATALOG
from ledger.domain.effects import Draft, Effect, Record
from ledger.domain.events import HouseholdEvent
from ledger.domain.history import History
from ledger.domain.integrity import ZERO_HASH
from ledger.domain.vocabulary import Status

_NOTHING: Mapping[str, Record] = MappingProxyType({})


def _nothing() -> Mapping[str, Record]:
    return _NOTHING


@dataclass(frozen=True)
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
    members: Mapping[str, Record] = field(default_factory=_nothing)
    location: Record | None = None
    latest_survey: Record | None = None
    objections: Mapping[str, Record] = field(default_factory=_nothing)
    measures: Mapping[str, Record] = field(default_factory=_nothing)
    data_issues: Mapping[str, Record] = field(default_factory=_nothing)
    voided: frozenset[str] = frozenset()
    history: History = field(default_factory=History, repr=False)

    @property
    def registered(self) -> bool:
        return self.version > 0

    @property
    def event_types(self) -> Mapping[str, str]:
        """The type of each event recorded, by event id (voided ones included)."""
        return self.history.types

    def present_members(self) -> list[Record]:
        return [m for m in self.members.values() if m["present"]]

    def open_objections(self) -> list[Record]:
        return [o for o in self.objections.values() if o["open"]]

    def open_data_issues(self) -> list[Record]:
        return [i for i in self.data_issues.values() if i["open"]]


_CONTENT = tuple(f.name for f in fields(Draft))


def apply(state: Household, event: HouseholdEvent) -> Household:
    """The state one event later; ``state`` itself is left as it was."""
    return apply_all(state, (event,))


def apply_all(state: Household, events: Iterable[HouseholdEvent]) -> Household:
    """The state after ``events`` (oldest first), built in one private draft."""
    draft = _thawed(state)
    added: list[HouseholdEvent] = []
    for event in events:
        added.append(event)
        _move(draft, event, state.history, added)
    if not added:
        return state
    return _frozen(state.household_id, draft, state.history.extended(added), added[-1])


def replay(household_id: str, events: Iterable[HouseholdEvent]) -> Household:
    """The state after ``events`` (oldest first)."""
    # apply_all on an empty state, without making and thawing that state: a projection
    # replays every household it computes (8 µs of a 75 µs row computation).
    draft, added, nothing = Draft(), list[HouseholdEvent](), History()
    for event in events:
        added.append(event)
        _move(draft, event, nothing, added)
    if not added:
        return Household(household_id)
    return _frozen(household_id, draft, nothing.extended(added), added[-1])


def as_of(household_id: str, events: Iterable[HouseholdEvent], moment: datetime) -> Household:
    """The state as it stood at recorded time ``moment`` (events recorded up to it)."""
    return replay(household_id, takewhile(lambda e: e.recorded_at <= moment, events))


def _move(
    draft: Draft, event: HouseholdEvent, history: History, added: list[HouseholdEvent]
) -> None:
    """Moves ``draft`` on by ``event``, the last of ``history`` and ``added``. An event is
    only ever voided after it was applied, so a void rebuilds the content from the events
    still counting."""
    voided = len(draft.voided)
    _effect_of(event)(draft, event)
    if len(draft.voided) != voided:
        fresh = Draft(voided=draft.voided)
        for counting in chain(history, added):
            if str(counting.id) not in draft.voided:
                _effect_of(counting)(fresh, counting)
        for name in _CONTENT:
            setattr(draft, name, getattr(fresh, name))


def _effect_of(event: HouseholdEvent) -> Effect:
    entry = CATALOG.get(event.TYPE)
    return _no_effect if entry is None or entry.effect is None else entry.effect


def _no_effect(draft: Draft, event: HouseholdEvent) -> None:
    """Events that only leave a trace (procedure steps) change no current state."""


def _thawed(state: Household) -> Draft:
    # Copies of the collections only: records are replaced, never changed (effects.py).
    return Draft(
        village_code=state.village_code,
        group=state.group,
        category=state.category,
        filed_card=state.filed_card,
        status=state.status,
        monitoring_type=state.monitoring_type,
        members=dict(state.members),
        location=state.location,
        latest_survey=state.latest_survey,
        objections=dict(state.objections),
        measures=dict(state.measures),
        data_issues=dict(state.data_issues),
        voided=set(state.voided),
    )


def _frozen(household_id: str, draft: Draft, history: History, last: HouseholdEvent) -> Household:
    return Household(
        household_id=household_id,
        version=last.version,
        last_hash=last.hash,
        last_recorded_at=last.recorded_at,
        village_code=draft.village_code,
        group=draft.group,
        category=draft.category,
        filed_card=draft.filed_card,
        status=draft.status,
        monitoring_type=draft.monitoring_type,
        members=MappingProxyType(draft.members),
        location=draft.location,
        latest_survey=draft.latest_survey,
        objections=MappingProxyType(draft.objections),
        measures=MappingProxyType(draft.measures),
        data_issues=MappingProxyType(draft.data_issues),
        voided=frozenset(draft.voided),
        history=history,
    )
