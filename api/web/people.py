"""What a page shows of people (CONTRACT §7.3): readers of personal data see the values;
evaluators see display masks (张*, an ID number's region and asterisks) and no birth date;
an erased value shows as 已删除 to everyone.

A page is not a served document: it carries no commitments and no openings. To mask a
value for an evaluator the server opens it (``PersonalVault``) and shows only the mask,
so the clear value never leaves the server.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from ledger.domain.masking import mask_id_number, mask_name
from ledger.domain.personal import (
    MEMBER_FIELDS,
    deep_copy,
    fields_of,
    get_at,
    is_commitment,
    set_at,
)
from ledger.personal.vault import Openings, PersonalVault

ERASED = "已删除"
"""What a page shows for an erased value (PIPL Art. 47 erasure)."""

_MEMBER_GROUPS = ("members", "former_members")


class PageView:
    """Personal values as one caller's page shows them."""

    def __init__(self, vault: PersonalVault, *, reads_personal_data: bool) -> None:
        self.vault, self.opens = vault, reads_personal_data

    def events(self, stored: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Stored events (commitments) with each personal field as the page shows it."""
        documents = list(stored)
        openings = self.vault.of_events(documents)
        return [self._event(document, openings) for document in documents]

    def state(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """A stored state (members' commitments) with members' fields as shown."""
        members = [m for group in _MEMBER_GROUPS for m in stored.get(group) or ()]
        openings = self.vault.openings(
            str(m[name]) for m in members for name in MEMBER_FIELDS if name in m
        )
        return {
            **stored,
            **{
                group: [
                    {
                        key: self._shown(openings, f"/{key}", value)
                        if key in MEMBER_FIELDS
                        else value
                        for key, value in member.items()
                    }
                    for member in stored[group] or ()
                ]
                for group in _MEMBER_GROUPS
                if group in stored
            },
        }

    def _event(self, stored: Mapping[str, Any], openings: Openings) -> dict[str, Any]:
        shown: dict[str, Any] = deep_copy(stored)
        for found in fields_of(stored):
            value = self._shown(openings, found.pointer, get_at(stored, found.path))
            set_at(shown, found.path, value)
        return shown

    def _shown(self, openings: Openings, pointer: str, held: Any) -> Any:
        if not is_commitment(held):
            return held  # a state's member as the core left it: nothing to open
        opening = openings.lookup(held)
        if opening is None:
            return ERASED
        return opening.value if self.opens else display_mask(pointer, opening.value)


def display_mask(pointer: str, value: Any) -> Any:
    """What an evaluator's page shows of a personal value at ``pointer``: a name's first
    character, an ID number's region, a file name's masked stem and its extension; never
    a birth date."""
    if value is None or not isinstance(value, str):
        return None
    field = pointer.rpartition("/")[2]
    if field == "birth_date":
        return None
    if field == "id_number":
        return mask_id_number(value)
    if pointer.startswith("/materials/"):
        stem, dot, extension = value.rpartition(".")
        return f"{mask_name(stem)}.{extension}" if dot and stem else mask_name(value)
    return mask_name(value)
