"""What ``GET /log/checkpoint`` publishes (CONTRACT §7.4): the newest signed note whose
stored cosignatures meet the witness policy's quorum, with those cosignature lines
appended after the log's own signature (c2sp.org/signed-note).

Nothing cosigned yet is answered with 503 ``CHECKPOINT_NOT_WITNESSED`` rather than with an
uncosigned note: the contract publishes only checkpoints that meet the quorum, a monitor
or tile client that requires cosignatures would refuse an uncosigned one anyway, and a
witness reading a note that never met the quorum as "the log's checkpoint" could be shown
a view nobody else checked. The 503 (with Retry-After) says "not yet", which is what it is
on a new log whose witnesses have not answered. With quorum ``none`` every signed note is
published at once.
"""

import threading
from collections import defaultdict
from dataclasses import dataclass

from ledger.domain.errors import LedgerError
from ledger.persistence.log_tables import StoredCosignature, StoredNote
from ledger.persistence.ports import MerkleStore
from ledger.transparency.c2sp.policy import Policy


class CheckpointNotWitnessed(LedgerError):
    """No signed checkpoint has gathered the cosignatures the witness policy's quorum needs
    yet (the witnesses have not answered since the log started)."""

    code = "CHECKPOINT_NOT_WITNESSED"


@dataclass(frozen=True)
class Published:
    note: StoredNote
    cosignatures: tuple[StoredCosignature, ...]  # of the policy's witnesses' keys

    def text(self) -> str:
        """The log's note with the cosignature lines appended after its signature."""
        return self.note.note + "".join(c.line + "\n" for c in self.cosignatures)


class Publication:
    """Chooses the published note. It remembers the last one, so a request reads only the
    cosignatures of that tree and newer ones (an indexed range of a few rows), never every
    note."""

    def __init__(self, tables: MerkleStore, policy: Policy) -> None:
        self.tables = tables
        self.policy = policy
        self.witness_of = {
            (w.verifier.name, w.verifier.key_id.hex()): w.name for w in policy.witnesses.values()
        }
        self._last: Published | None = None
        self._lock = threading.Lock()

    def current(self) -> Published | None:
        """The newest note meeting the quorum (None: none does yet)."""
        if self.policy.quorum == "none":
            return self.latest()
        with self._lock:
            last = self._last
        since = last.note.tree_size if last is not None else 0
        by_size: dict[int, list[StoredCosignature]] = defaultdict(list)
        for cosignature in self.tables.cosignatures_from(since):
            by_size[cosignature.tree_size].append(cosignature)
        for size in sorted(by_size, reverse=True):
            lines = self._of_policy(by_size[size])
            if not self.policy.met_by({self.witness_of[(c.witness, c.key_id)] for c in lines}):
                continue
            note = last.note if last is not None and last.note.tree_size == size else None
            note = note or self.tables.note(size)
            if note is None:
                continue  # the foreign key makes this impossible; a note is never removed
            published = Published(note, lines)
            with self._lock:
                if self._last is None or self._last.note.tree_size <= size:
                    self._last = published
            return published
        return last

    def latest(self) -> Published | None:
        """The latest signed note with the policy's cosignatures it has, met quorum or not."""
        latest = self.tables.latest_note()
        if latest is None:
            return None
        return Published(latest, self._of_policy(self.tables.cosignatures(latest.tree_size)))

    def _of_policy(self, cosignatures: list[StoredCosignature]) -> tuple[StoredCosignature, ...]:
        return tuple(c for c in cosignatures if (c.witness, c.key_id) in self.witness_of)
