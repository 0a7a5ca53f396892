"""The transparency log: sequences every event, in commit order, as a leaf of the Merkle
tree, signs checkpoints of the tree, and answers inclusion and consistency proofs.

Sequencing reads the event log after the last leaf's notification id; the library's
table lock makes notification order commit order, so a leaf index is a contiguous,
final position. Several sequencers may run (each ``ledger serve``): the leaf and node
primary keys let one win a position, the others re-read and go on.
"""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from ledger.application import HouseholdLedger
from ledger.domain import merkle
from ledger.domain.errors import LogForked, UnknownEvent, ValidationFailed
from ledger.persistence.log_tables import Leaf, StoredCheckpoint, StoredNote
from ledger.persistence.ports import MerkleStore
from ledger.transparency import signing
from ledger.transparency.c2sp.policy import Policy
from ledger.transparency.fork_guard import DatabaseTree, ForkGuard, signed_file_of
from ledger.transparency.notes import LogIdentity, load_policy, open_identity, policy_of_log
from ledger.transparency.publication import CheckpointNotWitnessed, Publication

if TYPE_CHECKING:
    from ledger.transparency.tiles import LogTiles

log = structlog.get_logger("ledger.transparency")


@dataclass(frozen=True)
class InclusionProof:
    leaf: Leaf
    tree_size: int
    path: list[str]  # hex, leaf to root

    def document(self) -> dict[str, Any]:
        return {"leaf_index": self.leaf.leaf_index, "tree_size": self.tree_size, "path": self.path}


def _out_of_range(name: str, detail: str) -> ValidationFailed:
    return ValidationFailed(detail, [{"field": name, "message": detail}])


def leaf_fields(state: bytes) -> tuple[str, str, str]:
    """An event's id, household and hash from its stored JSON, without decoding the whole
    event through the library's mapper (which built every datetime and the event object:
    most of the sequencer's time). ``ledger audit`` re-reads every row through the mapper
    and compares the tree with it."""
    stored = orjson.loads(state)
    return str(UUID(stored["id"]["_data_"])), stored["household_id"], stored["hash"]


class TransparencyLog:
    def __init__(
        self,
        ledger: HouseholdLedger,
        key: Ed25519PrivateKey,
        *,
        identity: LogIdentity | None = None,
        policy: Policy | None = None,
        guard: ForkGuard | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch_size: int = 2000,
    ) -> None:
        self.ledger = ledger
        self.tables: MerkleStore = ledger.stores.merkle
        self.key = key
        self.public_key = signing.public_key_text(key)
        self.identity = identity or LogIdentity.generated()
        # The witnesses to gather cosignatures from and the quorum a published checkpoint
        # meets; a log without witnesses publishes every checkpoint it signs.
        self.policy = policy or policy_of_log(self.identity)
        self.publication = Publication(self.tables, self.policy)
        # Nothing is sequenced or signed while the database disagrees with what was signed
        # or cosigned (fork_guard.py); without a note key file it has no memory to check.
        self.guard = guard or ForkGuard.disabled()
        self.clock = clock
        self.batch_size = batch_size
        self._frontier = merkle.Frontier()
        self._more = False  # the last batch was full, or lost a race: there may be more
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Told the tree size of each note this process signs (the witness client, which
        # submits it without waiting for its next poll).
        self.on_note: list[Callable[[int], None]] = []

    @classmethod
    def open(
        cls,
        ledger: HouseholdLedger,
        key_path: str,
        *,
        note_key: str | None = None,
        origin: str | None = None,
        witness_policy: str | None = None,
        witness_interval_s: float = 60.0,
        **options: Any,
    ) -> "TransparencyLog":
        """The log signing with the key at ``key_path``, generated only for a ledger that
        has no checkpoint yet (a process started elsewhere must not invent a second key);
        its C2SP notes with the key at ``note_key`` as ``origin`` (notes.open_identity), and
        cosigned by the witnesses of ``witness_policy`` (a tlog-policy file)."""
        tables = ledger.stores.merkle
        first_start = tables.latest_checkpoint() is None
        key = signing.load_or_create_key(key_path, may_create=first_start)
        if note_key is not None:
            identity = open_identity(tables, note_key, origin)
            options["identity"] = identity
            if witness_policy is not None:
                options["policy"] = load_policy(witness_policy, identity)
            options["guard"] = ForkGuard(
                DatabaseTree(tables, ledger.recorder),
                signed_file=signed_file_of(note_key),
                origin=identity.origin,
                log_verifiers=[identity.verifier],
                policy=options.get("policy"),
                witness_interval_s=witness_interval_s,
            )
        transparency = cls(ledger, key, **options)
        transparency.guard.check(witnesses=True)
        latest = tables.latest_checkpoint()
        if latest is not None and latest.public_key != transparency.public_key:
            log.warning(
                "signing_key_changed", previous=latest.public_key, current=transparency.public_key
            )
        return transparency

    # Sequencing

    def sequence_once(self) -> int:
        """Adds the next batch of events as leaves; returns how many (0: caught up)."""
        with self._lock:
            if self.guard.tripped:
                return 0
            size, position = self.tables.size()
            if self._frontier.size != size:
                self._frontier = merkle.Frontier.load(
                    size, self._node_lookup(merkle.range_nodes(0, size) if size else [])
                )
            notifications = self.ledger.recorder.select_notifications(
                start=position, limit=self.batch_size, inclusive_of_start=False
            )
            if not notifications:
                return 0
            frontier = merkle.Frontier(size, list(self._frontier.edge))
            leaves, nodes = [], []
            for notification in notifications:
                event_id, household_id, event_hash = leaf_fields(notification.state)
                leaves.append(Leaf(frontier.size, notification.id, event_id, household_id))
                nodes += frontier.append(merkle.leaf_hash(bytes.fromhex(event_hash)))
            self._more = len(notifications) == self.batch_size
            try:
                self.tables.extend(leaves, nodes)
            except IntegrityError:
                self._more = True  # another sequencer took these positions: re-read
                return len(leaves)
            self._frontier = frontier
            return len(leaves)

    def catch_up(self) -> int:
        """Sequences every event committed before the call. It stops at the first short
        batch rather than chasing appends that keep arriving (notification order is
        commit order): under steady load, chasing held a checkpoint back for seconds."""
        total = 0
        while added := self.sequence_once():
            total += added
            if not self._more:
                break
        return total

    # Checkpoints

    def checkpoint(self, *, fresh: bool = False) -> StoredCheckpoint:
        """The latest signed checkpoint; ``fresh``: one covering every event committed
        before this call (sequencing and signing now if needed)."""
        with self._lock:
            latest = self.tables.latest_checkpoint()
            if latest is not None and not fresh:
                return latest
            if self.guard.tripped:
                self.guard.check()  # clears once the database extends what was signed
            self.catch_up()
            if latest is not None and latest.tree_size >= self._frontier.size:
                if not self.guard.tripped:
                    self._note(latest.tree_size, bytes.fromhex(latest.root_hash))
                return latest
            # Before each signing, never beside or below what was signed or cosigned.
            if self.guard.check():
                if latest is None:
                    raise self.guard.refusal() or LogForked("the log is stopped")
                return latest  # the last good checkpoint stays served
            return self._sign(self._frontier.size, self._frontier.root())

    def covering(self, leaf_index: int) -> StoredCheckpoint:
        """The latest checkpoint if it covers ``leaf_index``, else a fresh one."""
        latest = self.checkpoint()
        return latest if latest.tree_size > leaf_index else self.checkpoint(fresh=True)

    def latest_note(self) -> StoredNote:
        """The latest checkpoint as a signed note (signing one if none is stored yet)."""
        latest = self.tables.latest_note()
        if latest is None:
            self.checkpoint(fresh=True)
            latest = self.tables.latest_note()
        if latest is None and self.guard.tripped:
            raise self.guard.refusal() or LogForked("the log is stopped")
        if latest is None:
            raise RuntimeError("a checkpoint was signed without its note: run `ledger audit`")
        return latest

    def published_note(self) -> str:
        """The newest note that meets the witness policy's quorum, followed by its
        cosignature lines (``publication.Publication``); ``CheckpointNotWitnessed`` if no
        note has met it yet."""
        published = self.publication.current()
        if published is None and self.policy.quorum == "none":
            self.latest_note()  # a new ledger: its first note needs no witness
            published = self.publication.current()
        if published is None:
            raise CheckpointNotWitnessed(
                f"no checkpoint of {self.identity.origin} has been cosigned by the witnesses "
                f"its policy's quorum ({self.policy.quorum}) needs yet; retry later"
            )
        return published.text()

    def cosignature_lines(self, tree_size: int) -> list[str]:
        """The witnesses' cosignature lines stored for the note of ``tree_size`` leaves."""
        return [c.line for c in self.tables.cosignatures(tree_size)]

    def note_for_proofs(self, leaf_index: int) -> tuple[int, str]:
        """``(tree size, cosigned note)`` to prove leaves up to ``leaf_index`` against: the
        published note (the newest meeting the policy's quorum) when it covers the leaf, so
        the proofs hold for anyone holding the policy; else the latest note with what
        cosignatures it has, which a verifier given the policy finds short of the quorum."""
        self.covering(leaf_index)
        published = self.publication.current()
        if published is None or published.note.tree_size <= leaf_index:
            published = self.publication.latest()
        if published is None:
            raise RuntimeError("a checkpoint was signed without its note: run `ledger audit`")
        return published.note.tree_size, published.text()

    def _note(self, tree_size: int, root: bytes) -> None:
        """Signs the note of a signed checkpoint if it has none (a ledger from before
        notes; a signer that stopped between the two)."""
        if self.tables.note(tree_size) is None:
            note = self.identity.sign(tree_size, root)
            self.guard.record(tree_size, root, note.format())  # remembered before served
            added = self.tables.add_note(
                StoredNote(
                    tree_size,
                    self.identity.origin,
                    root.hex(),
                    note.format(),
                    self.clock().isoformat(),
                )
            )
            if added:
                for listener in self.on_note:
                    listener(tree_size)

    def _sign(self, tree_size: int, root: bytes) -> StoredCheckpoint:
        self._note(tree_size, root)
        unsigned = StoredCheckpoint(
            tree_size,
            root.hex(),
            self.clock().isoformat(),
            signature="",
            public_key=self.public_key,
        )
        signature = signing.sign(self.key, signing.signed_content(unsigned.document()))
        checkpoint = replace(unsigned, signature=signature)
        if self.tables.add_checkpoint(checkpoint):
            return checkpoint
        stored = self.tables.checkpoint(tree_size)  # another signer was first
        return stored or checkpoint

    # Proofs

    def leaf(self, event_id: str) -> Leaf:
        leaf = self.tables.leaf_of_event(event_id)
        if leaf is None and self.catch_up():
            leaf = self.tables.leaf_of_event(event_id)
        if leaf is None:
            raise UnknownEvent(f"no event {event_id}")
        return leaf

    def inclusion(self, leaf: Leaf, tree_size: int | None = None) -> InclusionProof:
        """The audit path of ``leaf`` in the tree of ``tree_size`` leaves (default: the
        latest checkpoint, taken fresh if it does not cover the leaf yet)."""
        if tree_size is None:
            tree_size = self.covering(leaf.leaf_index).tree_size
        self._check_size("tree_size", tree_size)
        if leaf.leaf_index >= tree_size:
            raise _out_of_range(
                "tree_size",
                f"event {leaf.event_id} is leaf {leaf.leaf_index}, "
                f"not in a tree of {tree_size} leaves",
            )
        return self.inclusions([leaf], tree_size)[0]

    def inclusions(self, leaves: Sequence[Leaf], tree_size: int) -> list[InclusionProof]:
        """Audit paths of many leaves in one tree, reading their nodes in one pass."""
        ranges = [merkle.inclusion_ranges(leaf.leaf_index, tree_size) for leaf in leaves]
        lookup = self._node_lookup(merkle.nodes_of(r for path in ranges for r in path))
        return [
            InclusionProof(leaf, tree_size, [h.hex() for h in merkle.hashes_of(path, lookup)])
            for leaf, path in zip(leaves, ranges, strict=True)
        ]

    def consistency(self, first: int, second: int) -> list[str]:
        if first < 1:
            raise _out_of_range("first", "first must be at least 1")
        if first > second:
            raise _out_of_range("first", f"first ({first}) is larger than second ({second})")
        self._check_size("second", second)
        ranges = merkle.consistency_ranges(first, second)
        lookup = self._node_lookup(merkle.nodes_of(ranges))
        return [h.hex() for h in merkle.hashes_of(ranges, lookup)]

    def root(self, tree_size: int) -> bytes:
        self._check_size("tree_size", tree_size)
        if tree_size == 0:
            return merkle.EMPTY_ROOT
        nodes = merkle.range_nodes(0, tree_size)
        return merkle.root(tree_size, self._node_lookup(nodes))

    def _check_size(self, name: str, tree_size: int) -> None:
        size, _ = self.tables.size()
        if tree_size > size:  # perhaps appended a moment ago: sequence what has committed
            self.catch_up()
            size, _ = self.tables.size()
        if not 0 <= tree_size <= size:
            raise _out_of_range(
                name, f"{name} {tree_size} is beyond the log's {size} sequenced events"
            )

    def _node_lookup(self, wanted: Any) -> merkle.Lookup:
        return merkle.lookup_in(self.tables.nodes(wanted))

    @cached_property
    def tiles(self) -> "LogTiles":
        """The log as c2sp.org/tlog-tiles serves it, its full tiles kept for every request."""
        from ledger.transparency.tiles import LogTiles  # it reads this log: a cycle at import

        return LogTiles(self)

    # Running in the background: a checkpoint soon after every append

    def start(self, interval: float = 1.0) -> None:
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="checkpointer", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self, interval: float) -> None:
        # Polls rather than waits for this process's appends: other processes append too.
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.checkpoint(fresh=True)
            except (OperationalError, InterfaceError) as error:
                if not self._stop.is_set():
                    log.warning("checkpoint_database_unavailable", error=str(error))
            except Exception:
                log.exception("checkpoint_failed")
            # Every interval from the last start, so the work does not stretch the period.
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))
