"""Computing one household's rows without letting its defect stop anyone else's.

If the rules cannot be evaluated for a household (a defect: the input was refused first),
the household is *parked* (CONTRACT §7.1): its rows keep their last good state, it is
listed for operators, and it is tried again on its next event or by ``ledger projections
retry``. Only what computing its rows raises is caught here; database errors are not
(the runner waits for the database and retries, never skipping anything).
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.configuration import RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.quality import NO_OPENINGS, Openings
from projections.rows import HouseholdRows, rows_for

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Defect:
    """A household whose rows cannot be computed from its stream as it is now."""

    household_id: str
    originator_id: UUID | str
    village_code: str  # "" when not even its registration can be read
    version: int  # the stream version the rules failed on
    error: str


Computed = tuple[str, HouseholdRows | None] | Defect
"""A household's id and rows (None while not registered), or its defect."""


def compute(
    stored: Sequence[StoredEvent],
    mapper: Mapper[Any],
    configuration: RulesConfiguration,
    openings: Mapping[str, Openings | Exception] | None = None,
    *,
    decoded: Sequence[HouseholdEvent] | None = None,
) -> Computed:
    """The household's rows from its whole stream, each event decoded once (or given
    ``decoded``, by ``decode``), with its opened personal values from ``openings`` (by
    household id; an error there, its values not opening, is its defect)."""
    events: list[HouseholdEvent] = list(decoded or ())
    try:
        if decoded is None:
            for event in stored:
                events.append(cast(HouseholdEvent, mapper.to_domain_event(event)))
        household_id = events[0].household_id
        opened = (openings or {}).get(household_id, NO_OPENINGS)
        if isinstance(opened, Exception):
            raise opened
        rows = rows_for(household_id, events, configuration, opened)
        if rows is not None:
            _check_storable(rows)
        return household_id, rows
    except Exception as error:  # a defect of this household alone: park it, go on
        village = events[0].data.get("village_code") if events else None
        return Defect(
            household_id=_escaped(
                events[0].household_id if events else str(stored[0].originator_id)
            ),
            originator_id=stored[0].originator_id,
            # Only a code scopes it to a division: else only admins of the whole country.
            village_code=str(village) if _is_code(village) else "",
            version=stored[-1].originator_version,
            error=error_text(error),
        )


def decode(stored: Sequence[StoredEvent], mapper: Mapper[Any]) -> list[HouseholdEvent] | None:
    """The stream's events, or None if one does not decode (``compute`` says why)."""
    try:
        return [cast(HouseholdEvent, mapper.to_domain_event(event)) for event in stored]
    except Exception:  # its defect: compute finds it again and parks the household
        return None


def _is_code(village: object) -> bool:
    return (
        isinstance(village, str) and len(village) == 12 and village.isascii() and village.isdigit()
    )


def _check_storable(rows: HouseholdRows) -> None:
    """Refuses text the read models cannot store on every backend (PostgreSQL refuses a
    NUL in text), so such a household parks alike on both instead of failing a batch."""
    for row in rows.all_rows():
        for column, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"the rows' {column} holds a NUL character")


def error_text(error: BaseException) -> str:
    """The error as operators read it: its type and message, control characters escaped
    (the database stores no NUL), at most ``MAX_ERROR_CHARS`` characters."""
    escaped = _escaped(f"{type(error).__name__}: {error}")
    return escaped if len(escaped) <= MAX_ERROR_CHARS else escaped[: MAX_ERROR_CHARS - 1] + "…"


def _escaped(text: str) -> str:
    """Control characters as ``\\xNN``: storable everywhere, visible when read."""
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in text)
