"""Deciding an append: the rules of CONTRACT §1 (last column) and §2, judged event by event.

The procedure itself is not enforced here — the ledger records what happened and reports
what is missing (§3) — only what would make the record self-contradictory: the rules
common to every type here, each type's own in ``checks`` (named by the catalog).
"""

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from ledger.domain.catalog import CATALOG
from ledger.domain.checks import require
from ledger.domain.commands import Envelope
from ledger.domain.errors import (
    AlreadyRegistered,
    LedgerError,
    UnknownHousehold,
    VersionConflict,
)
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply
from ledger.domain.integrity import event_hash
from ledger.domain.personal import SALT_BYTES, Sealed, seal
from ledger.domain.serialization import json_value


@dataclass(frozen=True)
class Recording:
    """Who appends and when: the server-set part of every envelope."""

    recorded_at: datetime
    recorded_by: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """The events an append records, personal fields as commitments, and the values and
    salts those commitments were made of (kept apart: ``ledger.personal``)."""

    events: list[HouseholdEvent]
    sealed: list[Sealed]


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def decide(
    household: Household,
    commands: Sequence[Envelope],
    recording: Recording,
    *,
    expected_version: int | None = None,
    originator_id: UUID,
    new_id: Callable[[], UUID] = uuid4,
) -> list[HouseholdEvent]:
    """``decide_sealed``'s events, for callers that keep no personal values (tests,
    examples): their personal fields can never be opened."""
    return decide_sealed(
        household,
        commands,
        recording,
        expected_version=expected_version,
        originator_id=originator_id,
        new_id=new_id,
    ).events


def decide_sealed(
    household: Household,
    commands: Sequence[Envelope],
    recording: Recording,
    *,
    expected_version: int | None = None,
    originator_id: UUID,
    new_id: Callable[[], UUID] = uuid4,
    opened: Mapping[str, Any] | None = None,
    salt: Callable[[], bytes] = new_salt,
) -> Decision:
    """The events that ``commands`` record, or the first rule they break. Each is judged
    against the state the previous ones left; ``household`` itself is left as it was.
    ``opened`` gives the values of the household's commitments, for the rules that
    compare personal values (``EventType.personal_check``)."""
    if expected_version is not None and expected_version != household.version:
        raise VersionConflict(
            f"expected version {expected_version}, but household "
            f"'{household.household_id}' is at version {household.version}"
        )
    recorded_at = recording.recorded_at
    if household.last_recorded_at and recorded_at < household.last_recorded_at:
        recorded_at = household.last_recorded_at  # keep recorded_at monotonic per stream
    values = dict(opened or {})
    events: list[HouseholdEvent] = []
    sealed: list[Sealed] = []
    for index, command in enumerate(commands):
        if events:  # each is judged on the state the previous ones left
            household = apply(household, events[-1])
        try:
            check(household, command, values)
        except LedgerError as error:
            error.detail = f"events[{index}] ({command.type}): {error.detail}"
            error.fields = [{**f, "field": f"events[{index}].{f['field']}"} for f in error.fields]
            raise
        event, kept = _record(
            household, command, recorded_at, recording.recorded_by, originator_id, new_id(), salt
        )
        values.update((s.commitment, s.value) for s in kept)
        events.append(event)
        sealed += kept
    return Decision(events, sealed)


def _record(
    household: Household,
    command: Envelope,
    recorded_at: datetime,
    recorded_by: dict[str, Any],
    originator_id: UUID,
    event_id: UUID,
    salt: Callable[[], bytes],
) -> tuple[HouseholdEvent, list[Sealed]]:
    version = household.version + 1
    given = {
        "type": command.type,
        "actor": command.actor.model_dump(mode="python"),
        "recorded_by": recorded_by,
        "data": command.data.model_dump(mode="python", by_alias=True, exclude_unset=True),
        "materials": [m.model_dump(mode="python") for m in command.materials],
    }
    stored, kept = seal(given, salt, as_json=json_value)
    source = None if command.source is None else command.source.model_dump(mode="python")
    hashed = {
        "household_id": household.household_id,
        "version": version,
        "type": command.type,
        "occurred_at": command.occurred_at.isoformat(),
        "recorded_at": recorded_at.isoformat(),
        "actor": stored["actor"],
        "recorded_by": stored["recorded_by"],
        "data": json_value(stored["data"]),
        "materials": stored["materials"],
        "remedies": None if command.remedies is None else str(command.remedies),
        "source": source,
        "correlation_id": command.correlation_id,
        "prev_hash": household.last_hash,
    }
    event = CATALOG[command.type].event_class(
        originator_id=originator_id,
        originator_version=version,
        timestamp=recorded_at,
        id=event_id,
        household_id=household.household_id,
        occurred_at=command.occurred_at,
        actor=stored["actor"],
        data=stored["data"],
        materials=stored["materials"],
        remedies=command.remedies,
        recorded_by=stored["recorded_by"],
        source=source,
        correlation_id=command.correlation_id,
        prev_hash=household.last_hash,
        hash=event_hash(hashed),
    )
    return event, [replace(s, event_id=str(event_id)) for s in kept]


def check(household: Household, command: Envelope, opened: Mapping[str, Any] | None = None) -> None:
    """Raises the contract's error if ``command`` contradicts ``household``."""
    if command.remedies is not None:
        require(
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
    entry = CATALOG[command.type]
    if entry.check is not None:
        entry.check(household, command.data)
    if entry.personal_check is not None:
        entry.personal_check(household, command.data, opened or {})
