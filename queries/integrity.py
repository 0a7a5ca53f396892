"""Tamper evidence (CONTRACT §4): checkpoints, proofs and a household's trace archive."""

from pathlib import Path
from typing import IO, Any
from uuid import UUID

from ledger.domain.access import in_scope
from ledger.domain.callers import Caller
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import UnknownEvent
from ledger.materials import MaterialStore
from ledger.persistence.log_tables import StoredCheckpoint
from ledger.reading import HouseholdReads
from ledger.transparency.archive import ArchiveSources, write_archive
from ledger.transparency.log import InclusionProof, TransparencyLog


class IntegrityQueries:
    """The transparency log's answers, and archives, for the callers they are due to."""

    def __init__(
        self,
        reads: HouseholdReads,
        transparency: TransparencyLog,
        materials: MaterialStore,
        configuration: RulesConfiguration,
    ) -> None:
        self.reads = reads
        self.transparency = transparency
        self.materials = materials
        self.configuration = configuration

    def checkpoint(self, *, fresh: bool = False) -> StoredCheckpoint:
        """The latest signed tree head; ``fresh``: one covering every returned append."""
        return self.transparency.checkpoint(fresh=fresh)

    def checkpoint_document(self, *, fresh: bool = False) -> dict[str, Any]:
        """The latest signed tree head as served, with the witnesses' cosignature lines
        of its note (``[]`` until a witness cosigned that size; they are not part of the
        signed JSON, so the signature still covers the same four fields)."""
        checkpoint = self.checkpoint(fresh=fresh)
        return {
            **checkpoint.document(),
            "cosignatures": self.transparency.cosignature_lines(checkpoint.tree_size),
        }

    def public_key(self) -> str:
        return self.transparency.public_key

    def published_note(self) -> str:
        """The checkpoint note ``/log/checkpoint`` serves: the newest meeting the witness
        policy's quorum, with its cosignatures."""
        return self.transparency.published_note()

    def vkey(self) -> str:
        return self.transparency.identity.vkey

    def inclusion(
        self, event_id: UUID, caller: Caller, tree_size: int | None = None
    ) -> InclusionProof:
        """The audit path of an event of the caller's division (others' are unknown)."""
        leaf = self.transparency.leaf(str(event_id))
        if not in_scope(caller, self.reads.village_of(leaf.household_id)):
            raise UnknownEvent(f"no event {event_id}")
        return self.transparency.inclusion(leaf, tree_size)

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        """The proof that the tree of ``second`` leaves (default: the latest checkpoint's)
        extends the tree of ``first``."""
        if second is None:
            second = self.transparency.checkpoint().tree_size
        return {
            "first": first,
            "second": second,
            "path": self.transparency.consistency(first, second),
        }

    def archive(
        self, household_id: str, caller: Caller, target: str | Path | IO[bytes]
    ) -> dict[str, Any]:
        """Writes the household's trace archive to ``target``; returns its manifest."""
        sources = ArchiveSources(
            self.reads.ledger, self.transparency, self.materials, self.configuration
        )
        return write_archive(sources, household_id, caller, target)
