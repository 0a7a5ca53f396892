"""Erasure of a member's personal data (CONTRACT §7.3, PIPL Art. 47), the one thing that
deletes personal data.

The member's values and salts go from the personal-data store in every event of the
household, with every other personal value of the household that equals one of them (an
actor's name) or, for a material's name, contains one; the file names of the materials the
household cites that contain one are blanked; and ``PersonalDataErased`` records it. All
of it in one transaction, found under the household's lock once the event is decided
(``AppendPipeline.erase``): an erasure is never recorded without its values gone, nor
the values gone without the record. Every hash stays valid: events hold commitments.

The act is the service's, done at an administrator's request: the event's ``actor`` is
the administrator in the role ``system`` (the ledger acting on its own data, not a field
worker), ``recorded_by`` the administrator's token, ``occurred_at`` the moment it is done.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.commands import COMMANDS, Envelope
from ledger.domain.errors import LedgerError, ValidationFailed
from ledger.domain.household import Household
from ledger.domain.vocabulary import ActorRole
from ledger.persistence.personal_data import Erasure

ERASED = "PersonalDataErased"
_PREFIX = f"events[0] ({ERASED}): "


def erasure_command(caller: Caller, member_id: str, basis: str, now: datetime) -> Envelope:
    """The ``PersonalDataErased`` an administrator's erasure records, judged as any
    command (``member_id`` an identifier, ``basis`` free text of 1–4000 characters without
    control characters but line feeds and tabs): ``ValidationFailed`` naming the field."""
    try:
        return COMMANDS[ERASED].model_validate(
            {
                "type": ERASED,
                "occurred_at": now.isoformat(),
                "actor": {
                    "id": caller.token_id,
                    "name": caller.name,
                    "role": ActorRole.SYSTEM,
                    "org": caller.division or "ledger",  # an administrator of the whole ledger
                },
                "data": {"member_id": member_id, "basis": basis},
            }
        )
    except ValidationError as error:
        fields = [
            {"field": str(e["loc"][-1]), "message": e["msg"].removeprefix("Value error, ")}
            for e in error.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        raise ValidationFailed(f"the erasure is invalid: {summary}", fields) from None


class Erasures:
    """``POST /v1/households/{id}/erasures`` and ``ledger erase``."""

    def __init__(self, appends: AppendPipeline, ledger: HouseholdLedger) -> None:
        self._appends, self._ledger = appends, ledger
        self._vault = ledger.personal

    def erase(
        self, household_id: str, member_id: str, basis: str, caller: Caller
    ) -> dict[str, Any]:
        """Erases the member's personal data; the append's receipt with ``erased``, the
        number of personal fields emptied."""
        at = self._ledger.clock()
        command = erasure_command(caller, member_id, basis, at)
        found: list[Erasure] = []

        def erasure_of(household: Household) -> Erasure:
            erasure = self._erasure(household, member_id, at)
            found[:] = [erasure]
            return erasure

        try:
            appended = self._appends.erase(household_id, command, caller, erasure_of)
        except LedgerError as error:  # named as the erasure's own fields, not a batch's
            error.detail = error.detail.removeprefix(_PREFIX)
            error.fields = [
                {**f, "field": f["field"].removeprefix("events[0].")} for f in error.fields
            ]
            raise
        self._vault.store.scrub()
        return {
            **appended.response,
            "member_id": member_id,
            "erased": len(found[0].commitments),
        }

    def _erasure(self, household: Household, member_id: str, at: datetime) -> Erasure:
        erased = self._vault.member_erasure(household.household_id, member_id)
        cited = sorted(
            {
                str(material["sha256"])
                for event in self._ledger.stream(household.household_id)
                for material in event.materials
            }
        )
        materials, uploads = self._file_names(cited, erased.values)
        return Erasure(tuple(erased.commitments), at, materials, uploads)

    def _file_names(
        self, cited: list[str], values: Iterable[str]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """The stored file names of the cited materials that carry an erased value."""
        values = [v for v in values if v]

        def carries(name: str) -> bool:
            return any(value in name for value in values)

        tables = self._ledger.tables
        materials = tuple(
            sha256
            for sha256 in cited
            if (record := tables.find_material(sha256)) is not None and carries(record.file_name)
        )
        uploads = tuple(
            (upload.sha256, upload.token_id)
            for found in tables.material_uploads(cited).values()
            for upload in found
            if carries(upload.file_name)
        )
        return materials, uploads
