"""The opened personal values the quality rules read (members' ID numbers and birth dates,
CONTRACT §7.3 and §7.5), for a page of households at once: one query for their sealed
rows, opened here, in the process that holds the key. A rebuild's workers hold no key:
they get the openings with their page.

A row that does not open is its household's defect: that household parks, the others go
on (``parking.py``).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.domain.personal import MEMBER_FIELDS
from ledger.domain.quality import Openings
from ledger.personal.vault import PersonalDataCorrupted, PersonalVault

_OPENED_FIELDS = tuple(name for name in MEMBER_FIELDS if name != "name")
"""The members' values a rule reads (``id_number``, ``birth_date``): never a name."""

HouseholdOpenings = dict[str, Openings | PersonalDataCorrupted]
"""Each household's openings, or why its values did not open."""


def openings_of(vault: PersonalVault, household_ids: Iterable[str]) -> HouseholdOpenings:
    """The households' opened member values (those still held: erased ones are absent),
    with the vault's duplicate-person index key; a household whose rows do not all open
    gets its error instead."""
    values: dict[str, dict[str, Any]] = {}
    failed: dict[str, PersonalDataCorrupted] = {}
    wanted = list(dict.fromkeys(household_ids))
    for row in vault.store.of_households(wanted, member_fields=_OPENED_FIELDS):
        if row.household_id in failed:
            continue
        try:
            opening = vault.open_row(row)
        except PersonalDataCorrupted as error:
            failed[row.household_id] = error
            continue
        if opening is not None:
            values.setdefault(row.household_id, {})[row.commitment] = opening.value
    key = vault.person_index_key
    return {
        household_id: failed.get(household_id) or Openings(values.get(household_id, {}), key)
        for household_id in wanted
    }


def household_ids(streams: Iterable[Sequence[StoredEvent]], mapper: Mapper[Any]) -> list[str]:
    """The household id of each stream, from its first event (a stream whose first event
    does not decode is left out: computing its rows parks it anyway)."""
    found = []
    for stored in streams:
        try:
            found.append(str(mapper.to_domain_event(stored[0]).household_id))  # type: ignore[attr-defined]
        except Exception:  # noqa: S112  # its own defect, found again by compute
            continue
    return found
