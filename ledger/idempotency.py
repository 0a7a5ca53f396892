"""Idempotency keys (CONTRACT §7.1): an append sent again under its key gets the answer
the first one got, and appends nothing.

A key is the caller's own: the same key from another token is another key. The answer is
stored with the append's events, in their transaction (``ledger.persistence``), so an
acknowledged append and its key are durable together or not at all.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.application import HouseholdLedger
from ledger.domain.access import in_scope
from ledger.domain.callers import Caller
from ledger.domain.errors import IdempotencyKeyReused, UnknownHousehold, ValidationFailed
from ledger.persistence.tables import UNKNOWN_OWNER, IdempotencyRecord
from ledger.reading import village_of

IMPORT_KEY_PREFIX = "import:"
"""Idempotency keys that ``ledger import`` derives from a line's content."""


@dataclass(frozen=True)
class Idempotency:
    """An ``Idempotency-Key`` and the digest of the request it came with."""

    key: str
    request_digest: str

    @classmethod
    def of_request(cls, key: str, request_digest: str) -> "Idempotency":
        """A key sent to the API: the ``import:`` prefix is ``ledger import``'s."""
        if key.startswith(IMPORT_KEY_PREFIX):
            raise ValidationFailed(
                f"the Idempotency-Key prefix '{IMPORT_KEY_PREFIX}' is reserved for `ledger import`",
                [
                    {
                        "field": "Idempotency-Key",
                        "message": f"must not start with '{IMPORT_KEY_PREFIX}'",
                    }
                ],
            )
        return cls(key, request_digest)


UsedKeys = dict[str, list[IdempotencyRecord]]
"""The stored records of some keys, by key, whoever's they are."""


class EarlierAnswers:
    """The stored answers of idempotent appends, as their callers may see them again."""

    def __init__(self, ledger: HouseholdLedger) -> None:
        self._ledger = ledger

    def used(self, keys: Iterable[str]) -> UsedKeys:
        """The records of those of ``keys`` that were used (one query for them all)."""
        return self._ledger.tables.find_idempotencies(list(keys))

    def earlier(
        self,
        household_id: str,
        caller: Caller,
        idempotency: Idempotency,
        used: UsedKeys | None = None,
    ) -> dict[str, Any] | None:
        """The caller's own earlier answer under this key, or None: a key another token
        used does not apply to this caller at all. Looked up unless ``used`` has it."""
        if used is None:
            used = self.used([idempotency.key])
        stored = self._owned(caller, used.get(idempotency.key, []))
        return (
            None if stored is None else self._answer_of(household_id, caller, idempotency, stored)
        )

    def record(
        self,
        idempotency: Idempotency | None,
        caller: Caller,
        household_id: str,
        response: dict[str, Any],
    ) -> IdempotencyRecord | None:
        """The row that stores ``response`` under the caller's key, if it sent one."""
        if idempotency is None:
            return None
        return IdempotencyRecord(
            key=idempotency.key,
            token_id=caller.token_id,
            request_digest=idempotency.request_digest,
            household_id=household_id,
            response=orjson.dumps(response).decode(),
            created_at=self._ledger.clock(),
        )

    def _owned(
        self, caller: Caller, records: Sequence[IdempotencyRecord]
    ) -> IdempotencyRecord | None:
        """The caller's record among those of one key. A key stored before keys had
        owners belongs to the token that recorded the events it answered."""
        for record in records:
            if record.token_id == caller.token_id:
                return record
        for record in records:
            if record.token_id == UNKNOWN_OWNER and self._recorder_of(record) == caller.token_id:
                return record
        return None

    def _recorder_of(self, record: IdempotencyRecord) -> str | None:
        first = int(orjson.loads(record.response)["events"][0]["version"])
        events = self._ledger.stream(record.household_id, gt=first - 1, lte=first)
        return str(events[0].recorded_by.get("token_id")) if events else None

    def _answer_of(
        self, household_id: str, caller: Caller, idempotency: Idempotency, stored: IdempotencyRecord
    ) -> dict[str, Any]:
        """The caller's own receipt again, once the household is seen to be in its scope
        (checked before any replay, whoever owns the key)."""
        if not in_scope(caller, village_of(self._ledger, stored.household_id)):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        if stored.request_digest != idempotency.request_digest:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency.key!r} was used by this token for a different "
                f"request (household '{stored.household_id}')"
            )
        response: dict[str, Any] = orjson.loads(stored.response)
        return response
