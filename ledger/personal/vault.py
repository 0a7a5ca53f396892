"""Sealing, opening and erasing personal values (CONTRACT §7.3).

Each value and its salt are sealed with AES-256-GCM under the personal-data key, the
commitment as associated data: a row moved to another commitment, or changed, does not
open. A random 96-bit nonce per row keeps a ledger far below the 2³² seals per key that
NIST allows random nonces (a province's ten million households seal about 10⁸).
"""

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.domain.personal import (
    MEMBER_FIELDS,
    Opening,
    Sealed,
    commitment,
    committed,
    fields_of,
    get_at,
    is_commitment,
    opened,
)
from ledger.persistence.personal_data import PersonalRow
from ledger.persistence.ports import PersonalDataStore

_NONCE_BYTES = 12


class PersonalDataCorrupted(Exception):
    """A sealed row that does not open under the key, or opens to another commitment."""


class PersonalVault:
    def __init__(self, store: PersonalDataStore, key: bytes) -> None:
        self.store, self.key = store, key
        self._cipher = AESGCM(key)
        # Idempotency keys bind a request by an HMAC under a key of its own, derived from
        # this one: the request carries personal values in clear (``request_digest``).
        self.request_key = hmac.new(key, b"ledger request digest", hashlib.sha256).digest()
        # The read models find one person in two households by an HMAC of the ID number
        # under a key of its own (``Openings.person_key``): they never hold the number.
        self.person_index_key = hmac.new(key, b"ledger person index", hashlib.sha256).digest()

    # Sealing

    def rows(self, household_id: str, sealed: Sequence[Sealed]) -> list[PersonalRow]:
        """The store's rows of an append's sealed values (written in its transaction)."""
        return [
            PersonalRow(
                s.commitment,
                household_id,
                s.event_id,
                s.pointer,
                s.member_id,
                self._seal(s.commitment, s.value, s.salt),
            )
            for s in sealed
        ]

    def _seal(self, committed_to: str, value: Any, salt: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plain = orjson.dumps({"s": base64.b64encode(salt).decode(), "v": value})
        return nonce + self._cipher.encrypt(nonce, plain, committed_to.encode())

    def open_row(self, row: PersonalRow) -> Opening | None:
        if row.sealed is None:
            return None  # erased
        nonce, sealed = row.sealed[:_NONCE_BYTES], row.sealed[_NONCE_BYTES:]
        try:
            plain = orjson.loads(self._cipher.decrypt(nonce, sealed, row.commitment.encode()))
        except (InvalidTag, orjson.JSONDecodeError):
            raise PersonalDataCorrupted(
                f"the personal value of {row.pointer} in event {row.event_id} does not open "
                "under LEDGER_PERSONAL_DATA_KEY (another key, or a changed row)"
            ) from None
        opening = Opening(plain["v"], base64.b64decode(plain["s"]))
        if commitment(opening.salt, opening.value) != row.commitment:
            raise PersonalDataCorrupted(
                f"the personal value of {row.pointer} in event {row.event_id} opens to "
                "another commitment"
            )
        return opening

    # Opening

    def openings(self, commitments: Iterable[str]) -> "Openings":
        """What the ledger holds of ``commitments``: one query."""
        return Openings(self, self.store.find(c for c in commitments if is_commitment(c)))

    def of_events(self, events: Iterable[Mapping[str, Any]]) -> "Openings":
        return self.openings(
            str(get_at(event, found.path)) for event in events for found in fields_of(event)
        )

    def opened_state(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A served state as a reader of personal data sees it: members' values in clear
        (erased ones stay commitments). A state is not hashed: no openings."""
        groups = [g for g in ("members", "former_members") if g in document]
        members = [m for group in groups for m in document[group] or ()]
        openings = self.openings(
            str(m[name]) for m in members for name in MEMBER_FIELDS if name in m
        )
        return {
            **document,
            **{
                group: [
                    {k: openings.value(v) if k in MEMBER_FIELDS else v for k, v in m.items()}
                    for m in document[group] or ()
                ]
                for group in groups
            },
        }

    def values_of_household(self, household_id: str) -> dict[str, Any]:
        """Each commitment of the household that can still be opened, with its value: for
        the rules that compare personal values (``decide_sealed``'s ``opened``)."""
        values: dict[str, Any] = {}
        for row in self.store.of_household(household_id):
            opening = self.open_row(row)
            if opening is not None:
                values[row.commitment] = opening.value
        return values

    # Erasure

    def erase_member(self, household_id: str, member_id: str, at: datetime) -> list[str]:
        """Erases what ``member_erasure`` finds, on its own (an erasure's event and its
        erasure go in one transaction: ``ledger.personal.erasure``): the erased
        commitments."""
        erased = self.member_erasure(household_id, member_id)
        self.store.erase(erased.commitments, at)
        return erased.commitments

    def member_erasure(self, household_id: str, member_id: str) -> "MemberErasure":
        """What erasing a member empties: its personal values in every event of the
        household, and every other personal value of the household equal to one of them
        (an actor's name when the member recorded something) or, for a file name,
        containing one; and the text values erased (to find them elsewhere)."""
        rows = self.store.of_household(household_id)
        own = [r for r in rows if r.member_id == member_id and r.sealed is not None]
        values = {text for r in own if (text := self._text(r))}
        erased = [r.commitment for r in own]
        for row in rows:
            if row.member_id is not None or row.sealed is None:
                continue
            text = self._text(row)
            if text is not None and any(
                text == v or (row.pointer.startswith("/materials/") and v in text) for v in values
            ):
                erased.append(row.commitment)
        return MemberErasure(erased, values)

    def _text(self, row: PersonalRow) -> str | None:
        opening = self.open_row(row)
        return opening.value if opening is not None and isinstance(opening.value, str) else None

    def count_evaluator_read(self, token_id: str, day: date) -> None:
        self.store.count_evaluator_read(token_id, day)


@dataclass(frozen=True)
class MemberErasure:
    """The commitments an erasure empties, and the member's text values it erases."""

    commitments: list[str]
    values: set[str]


class Openings:
    """The rows found for a set of commitments, opened on demand."""

    def __init__(self, vault: PersonalVault, rows: Mapping[str, PersonalRow]) -> None:
        self._vault, self._rows = vault, rows

    def lookup(self, committed_to: str) -> Opening | None:
        row = self._rows.get(committed_to)
        return None if row is None else self._vault.open_row(row)

    def is_erased(self, committed_to: str) -> bool:
        row = self._rows.get(committed_to)
        return row is None or row.sealed is None

    def opened(self, event: Mapping[str, Any]) -> dict[str, Any]:
        return opened(event, self.lookup)

    def committed(self, event: Mapping[str, Any]) -> dict[str, Any]:
        return committed(event, self.is_erased)

    def value(self, held: Any) -> Any:
        """A state's field as a reader of personal data sees it: the value, or the
        commitment when erased."""
        if not is_commitment(held):
            return held
        opening = self.lookup(held)
        return held if opening is None else opening.value
