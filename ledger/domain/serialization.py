"""The JSON form of events and values: what is served is exactly what was hashed."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household


def json_value(value: Any) -> Any:
    """Plain JSON from event data: dates as ISO strings, yuan amounts as numbers.

    Amounts have at most 15 significant digits, so the number written is the shortest
    form of the same double whatever the JSON library (orjson here, JCS for hashing).
    """
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def event_document(event: HouseholdEvent) -> dict[str, Any]:
    """An event as stored and hashed: the envelope plus id, household_id, version, times
    and hashes, personal fields as commitments (served through ``ledger.personal``)."""
    return {
        "id": str(event.id),
        "household_id": event.household_id,
        "version": event.version,
        "type": event.TYPE,
        "occurred_at": event.occurred_at.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "actor": event.actor,
        "recorded_by": event.recorded_by,
        "data": json_value(event.data),
        "materials": event.materials,
        "remedies": None if event.remedies is None else str(event.remedies),
        "source": event.source,
        "correlation_id": event.correlation_id,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def receipt(household_id: str, version: int, events: list[HouseholdEvent]) -> dict[str, Any]:
    """The 201 body of an append: what was recorded, with versions and hashes."""
    return {
        "household_id": household_id,
        "version": version,
        "events": [
            {
                "id": str(e.id),
                "version": e.version,
                "type": e.TYPE,
                "hash": e.hash,
                "recorded_at": e.recorded_at.isoformat(),
            }
            for e in events
        ],
    }


def state_document(household: Household) -> dict[str, Any]:
    """The current state as served (CONTRACT §5)."""
    members = list(household.members.values())
    document: dict[str, Any] = json_value(
        {
            "household_id": household.household_id,
            "version": household.version,
            "village_code": household.village_code,
            "group": household.group,
            "category": household.category,
            "filed_card": household.filed_card,
            "status": str(household.status),
            "monitoring_type": household.monitoring_type,
            "members": [_without(m, "present") for m in members if m["present"]],
            "former_members": [_without(m, "present") for m in members if not m["present"]],
            "location": household.location,
            "latest_survey": household.latest_survey,
            "open_objections": [_without(o, "open") for o in household.open_objections()],
            "measures": list(household.measures.values()),
            "open_data_issues": [_without(i, "open") for i in household.open_data_issues()],
        }
    )
    return document


def _without(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != key}
