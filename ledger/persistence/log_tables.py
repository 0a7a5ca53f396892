"""The transparency log's tables: leaves in commit order, stored subtree hashes, signed
checkpoints. Written once for both databases (``?`` placeholders)."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.domain.merkle import Node
from ledger.persistence.tables import SQLTables


@dataclass(frozen=True)
class Leaf:
    leaf_index: int
    notification_id: int
    event_id: str
    household_id: str


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    public_key: str

    def document(self) -> dict[str, Any]:
        """As served (CONTRACT §4): the signed fields and the signature."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class StoredNote:
    """A checkpoint as a C2SP signed note (CONTRACT §7.4), with the log's signature only."""

    tree_size: int
    origin: str
    root_hash: str  # hex
    note: str
    signed_at: str


@dataclass(frozen=True)
class StoredCosignature:
    tree_size: int
    witness: str  # the cosigner's key name
    key_id: str  # hex
    line: str  # as the witness answered it, without its newline
    cosigned_at: int  # POSIX seconds, as signed


_CHECKPOINT_COLUMNS = "tree_size, root_hash, timestamp, signature, public_key"
_LEAF_COLUMNS = "leaf_index, notification_id, event_id, household_id"
_NOTE_COLUMNS = "tree_size, origin, root_hash, note, signed_at"
_COSIGNATURE_COLUMNS = "tree_size, witness, key_id, line, cosigned_at"


class LogTables(SQLTables):
    def size(self) -> tuple[int, int]:
        """``(tree size, notification id of the last leaf)``: where sequencing resumes."""
        for row in self._rows(
            "SELECT leaf_index, notification_id FROM merkle_leaves ORDER BY leaf_index DESC LIMIT 1"
        ):
            return int(row["leaf_index"]) + 1, int(row["notification_id"])
        return 0, 0

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        wanted = sorted(set(wanted))
        found: dict[Node, bytes] = {}
        for chunk in (wanted[i : i + 400] for i in range(0, len(wanted), 400)):
            pairs = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            params = tuple(value for node in chunk for value in node)
            for row in self._rows(
                f"SELECT level, idx, hash FROM merkle_nodes WHERE {pairs}", params
            ):
                found[int(row["level"]), int(row["idx"])] = bytes(row["hash"])
        return found

    def level_hashes(self, level: int, first: int, count: int) -> list[bytes]:
        """The stored hashes of nodes ``(level, first)`` .. ``(level, first + count - 1)``
        in order, as many of them as are stored (a tile is one range read)."""
        return [
            bytes(row["hash"])
            for row in self._rows(
                "SELECT hash FROM merkle_nodes WHERE level = ? AND idx >= ? AND idx < ? "
                "ORDER BY idx",
                (level, first, first + count),
            )
        ]

    def extend(self, leaves: list[Leaf], nodes: list[tuple[Node, bytes]]) -> None:
        """Adds leaves and the nodes they complete, all or none; ``IntegrityError`` if
        another sequencer took these positions first."""
        with self._transaction(commit=True) as cursor:
            cursor.executemany(
                self.sql(f"INSERT INTO merkle_leaves ({_LEAF_COLUMNS}) VALUES (?, ?, ?, ?)"),
                [
                    (leaf.leaf_index, leaf.notification_id, leaf.event_id, leaf.household_id)
                    for leaf in leaves
                ],
            )
            cursor.executemany(
                self.sql("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)"),
                [(level, index, hash_) for (level, index), hash_ in nodes],
            )

    def leaf_of_event(self, event_id: str) -> Leaf | None:
        for row in self._rows(
            f"SELECT {_LEAF_COLUMNS} FROM merkle_leaves WHERE event_id = ?", (event_id,)
        ):
            return _leaf(row)
        return None

    def leaves_of_household(self, household_id: str) -> list[Leaf]:
        return [
            _leaf(row)
            for row in self._rows(
                f"SELECT {_LEAF_COLUMNS} FROM merkle_leaves WHERE household_id = ? "
                "ORDER BY leaf_index",
                (household_id,),
            )
        ]

    def last_leaf_of_household(self, household_id: str) -> Leaf | None:
        for row in self._rows(
            f"SELECT {_LEAF_COLUMNS} FROM merkle_leaves WHERE household_id = ? "
            "ORDER BY leaf_index DESC LIMIT 1",
            (household_id,),
        ):
            return _leaf(row)
        return None

    def leaves(self, *, after: int = -1, limit: int = 10_000) -> list[Leaf]:
        return [
            _leaf(row)
            for row in self._rows(
                f"SELECT {_LEAF_COLUMNS} FROM merkle_leaves WHERE leaf_index > ? "
                "ORDER BY leaf_index LIMIT ?",
                (after, limit),
            )
        ]

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> bool:
        """Stores a checkpoint; False if one of that size exists (another signer won)."""
        try:
            self._write(
                f"INSERT INTO checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (
                    checkpoint.tree_size,
                    checkpoint.root_hash,
                    checkpoint.timestamp,
                    checkpoint.signature,
                    checkpoint.public_key,
                ),
            )
        except IntegrityError:
            return False
        return True

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        for row in self._rows(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
        ):
            return StoredCheckpoint(**row)
        return None

    def checkpoint(self, tree_size: int) -> StoredCheckpoint | None:
        for row in self._rows(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size = ?", (tree_size,)
        ):
            return StoredCheckpoint(**row)
        return None

    def checkpoints(self) -> Iterator[StoredCheckpoint]:
        """Every checkpoint, smallest tree first."""
        for row in self._rows(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size"):
            yield StoredCheckpoint(**row)

    # The log in C2SP form (CONTRACT §7.4)

    def add_note(self, note: StoredNote) -> bool:
        """Stores a signed note; False if one of that size exists (another signer won)."""
        try:
            self._write(
                f"INSERT INTO log_notes ({_NOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (note.tree_size, note.origin, note.root_hash, note.note, note.signed_at),
            )
        except IntegrityError:
            return False
        return True

    def latest_note(self) -> StoredNote | None:
        return self._note("ORDER BY tree_size DESC LIMIT 1")

    def note(self, tree_size: int) -> StoredNote | None:
        return self._note("WHERE tree_size = ?", (tree_size,))

    def first_note(self) -> StoredNote | None:
        return self._note("ORDER BY tree_size LIMIT 1")

    def notes(self, *, below: int, limit: int = 100) -> list[StoredNote]:
        """Signed notes of trees smaller than ``below``, newest first."""
        return [
            StoredNote(**row)
            for row in self._rows(
                f"SELECT {_NOTE_COLUMNS} FROM log_notes WHERE tree_size < ? "
                "ORDER BY tree_size DESC LIMIT ?",
                (below, limit),
            )
        ]

    def _note(self, clause: str, params: tuple[Any, ...] = ()) -> StoredNote | None:
        for row in self._rows(f"SELECT {_NOTE_COLUMNS} FROM log_notes {clause}", params):
            return StoredNote(**row)
        return None

    def add_cosignatures(self, cosignatures: list[StoredCosignature]) -> None:
        """Stores cosignatures, skipping any already held (the same witness key and size)."""
        with self._transaction(commit=True) as cursor:
            for c in cosignatures:
                cursor.execute(
                    self.sql(
                        "SELECT 1 FROM log_cosignatures "
                        "WHERE tree_size = ? AND witness = ? AND key_id = ?"
                    ),
                    (c.tree_size, c.witness, c.key_id),
                )
                if cursor.fetchone() is None:
                    cursor.execute(
                        self.sql(
                            f"INSERT INTO log_cosignatures ({_COSIGNATURE_COLUMNS}) "
                            "VALUES (?, ?, ?, ?, ?)"
                        ),
                        (c.tree_size, c.witness, c.key_id, c.line.rstrip("\n"), c.cosigned_at),
                    )

    def cosignatures(self, tree_size: int) -> list[StoredCosignature]:
        return [
            StoredCosignature(**row)
            for row in self._rows(
                f"SELECT {_COSIGNATURE_COLUMNS} FROM log_cosignatures WHERE tree_size = ? "
                "ORDER BY witness, key_id",
                (tree_size,),
            )
        ]

    def cosignatures_from(self, tree_size: int) -> list[StoredCosignature]:
        """Cosignatures of trees of ``tree_size`` leaves or more, largest tree first (few:
        witnesses are sent a checkpoint at most once an interval)."""
        return [
            StoredCosignature(**row)
            for row in self._rows(
                f"SELECT {_COSIGNATURE_COLUMNS} FROM log_cosignatures WHERE tree_size >= ? "
                "ORDER BY tree_size DESC, witness, key_id",
                (tree_size,),
            )
        ]

    def last_cosigned_size(self, witness: str, key_id: str) -> int:
        """The largest tree this witness key cosigned, as far as this database knows."""
        for row in self._rows(
            "SELECT MAX(tree_size) AS size FROM log_cosignatures WHERE witness = ? AND key_id = ?",
            (witness, key_id),
        ):
            return int(row["size"] or 0)
        return 0


def _leaf(row: Any) -> Leaf:
    return Leaf(
        int(row["leaf_index"]), int(row["notification_id"]), row["event_id"], row["household_id"]
    )
