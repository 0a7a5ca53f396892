"""The ledger's own stores beside the event store, as ports: what the service layer, the
transparency log and the API may ask of them. Each backend (``sqlite.py``,
``postgres.py``) implements them once and hands them over on its recorder
(``LedgerRecorder.stores``), so nothing reaches a store through the library's recorder."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from ledger.domain.merkle import Node
from ledger.persistence.access_log import Access, LoggedAccess
from ledger.persistence.database import Database
from ledger.persistence.log_tables import Leaf, StoredCheckpoint, StoredCosignature, StoredNote
from ledger.persistence.personal_data import PersonalRow
from ledger.persistence.tables import (
    IdempotencyRecord,
    MaterialRecord,
    MaterialUpload,
    TokenRecord,
)
from ledger.persistence.web_sessions import WebSession

Kind = Literal["sqlite", "postgres"]


class TokenStore(Protocol):
    """Bearer tokens, stored by the SHA-256 of their secret."""

    def add_token(self, token: TokenRecord) -> None: ...
    def find_token(self, token_id: str) -> TokenRecord | None: ...
    def list_tokens(self) -> list[TokenRecord]: ...
    def revoke_token(self, token_id: str, when: datetime) -> bool: ...


class IdempotencyStore(Protocol):
    """Idempotency keys and the answers they got (written in the append's transaction)."""

    def find_idempotencies(self, keys: Sequence[str]) -> dict[str, list[IdempotencyRecord]]: ...


class MaterialsIndex(Protocol):
    """Who uploaded which trace material (the files themselves live on disk)."""

    def add_material(self, material: MaterialRecord) -> bool: ...
    def material_uploads(self, sha256s: Sequence[str]) -> dict[str, list[MaterialUpload]]: ...
    def find_material(self, sha256: str) -> MaterialRecord | None: ...


class Health(Protocol):
    def ping(self) -> None: ...
    def count_events(self) -> int: ...


class LedgerTables(TokenStore, IdempotencyStore, MaterialsIndex, Health, Protocol):
    """The small tables one SQL class keeps for both databases (``tables.py``)."""


class AccessLogStore(Protocol):
    """Who read which household's personal data (查询留痕); append-only."""

    def record(self, accesses: Sequence[Access]) -> None: ...
    def entries(
        self,
        *,
        division: str,
        household_id: str | None = None,
        token_id: str | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[LoggedAccess]: ...


class MerkleStore(Protocol):
    """The transparency log's leaves, subtree hashes and signed checkpoints."""

    def size(self) -> tuple[int, int]: ...
    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]: ...
    def level_hashes(self, level: int, first: int, count: int) -> list[bytes]: ...
    def extend(self, leaves: list[Leaf], nodes: list[tuple[Node, bytes]]) -> None: ...
    def leaf_of_event(self, event_id: str) -> Leaf | None: ...
    def leaves_of_household(self, household_id: str) -> list[Leaf]: ...
    def last_leaf_of_household(self, household_id: str) -> Leaf | None: ...
    def leaves(self, *, after: int = -1, limit: int = 10_000) -> list[Leaf]: ...
    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> bool: ...
    def latest_checkpoint(self) -> StoredCheckpoint | None: ...
    def checkpoint(self, tree_size: int) -> StoredCheckpoint | None: ...
    def checkpoints(self) -> Iterator[StoredCheckpoint]: ...
    def add_note(self, note: StoredNote) -> bool: ...
    def latest_note(self) -> StoredNote | None: ...
    def note(self, tree_size: int) -> StoredNote | None: ...
    def first_note(self) -> StoredNote | None: ...
    def notes(self, *, below: int, limit: int = 100) -> list[StoredNote]: ...
    def add_cosignatures(self, cosignatures: list[StoredCosignature]) -> None: ...
    def cosignatures(self, tree_size: int) -> list[StoredCosignature]: ...
    def cosignatures_from(self, tree_size: int) -> list[StoredCosignature]: ...
    def last_cosigned_size(self, witness: str, key_id: str) -> int: ...


class WebSessionStore(Protocol):
    """The web pages' sessions, by the SHA-256 of their id."""

    def open(self, session: WebSession) -> None: ...
    def find(self, session_sha256: str) -> WebSession | None: ...
    def touch(self, session_sha256: str, when: datetime) -> None: ...
    def end(self, session_sha256: str) -> None: ...
    def end_idle(self, last_seen_before: datetime, created_before: datetime) -> None: ...


class PersonalDataStore(Protocol):
    """Sealed personal values by commitment (rows of an append are written in its
    transaction); erasure empties a row. Evaluators' reads counted per token and day."""

    def find(self, commitments: Iterable[str]) -> dict[str, PersonalRow]: ...
    def of_household(self, household_id: str) -> list[PersonalRow]: ...
    def of_households(
        self, household_ids: Iterable[str], *, member_fields: Sequence[str] = ()
    ) -> list[PersonalRow]: ...
    def erase(self, commitments: Sequence[str], at: datetime) -> None: ...
    def scrub(self) -> None: ...
    def holds_any(self) -> bool: ...
    def a_sealed_row(self) -> PersonalRow | None: ...
    def count_evaluator_read(self, token_id: str, day: date) -> None: ...
    def evaluator_reads(
        self, *, division: str = "", offset: int = 0, limit: int = 100
    ) -> list[tuple[str, str, int]]: ...


class StoredRowsReader(Protocol):
    """A household's stored event rows as they are, undecoded."""

    def page(self, stream: UUID, after: int, limit: int) -> list[tuple[int, str, bytes]]: ...


@dataclass(frozen=True)
class LedgerStores:
    """Every store of one ledger database, on the connection pool of its event store."""

    kind: Kind
    tables: LedgerTables  # tokens, idempotency keys, materials
    merkle: MerkleStore
    access_log: AccessLogStore
    web_sessions: WebSessionStore
    stored_rows: StoredRowsReader
    personal: PersonalDataStore


class LedgerRecorder:
    """Mixed into each backend's application recorder: the stores beside its events."""

    stores: LedgerStores


def stores_of(recorder: ApplicationRecorder) -> LedgerStores:
    """The stores of a ledger's recorder (one built by a backend of ``backends.py``)."""
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError(
            f"{type(recorder).__name__} is not a ledger recorder: "
            "build the ledger with bootstrap.open_ledger (or ledger_env)"
        )
    return recorder.stores


class PersistenceBackend(Protocol):
    """One database kind: the library's settings for it, and its migrations."""

    kind: Kind

    def env(self, database: Database, *, pool_size: int, lock_timeout_s: int) -> dict[str, str]:
        """The library's environment: our factory, recorder and transcoder; migrations own
        the tables."""
        ...

    def migrate(self, database: Database) -> list[str]:
        """Applies the migrations not yet applied; returns their versions."""
        ...
