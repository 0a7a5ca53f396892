"""The verification badge of a household's web page: do its stored rows still hold?

What ``ledger verify`` checks of an archive, checked on the stored rows themselves,
without building one: every event of the household re-read from the database, a page of
rows at a time (bounded memory), re-hashed from its content and chained to the one before;
the household's last event included (RFC 6962 audit path) in the latest checkpoint signed
with this ledger's key, and the last of the household's leaves in the log. The chain fixes
every earlier hash into the last one, so the one proof covers them all.

Re-hashing is most of the work, so a verdict that holds is kept per household, with its
version and the SHA-256 of the stored rows' bytes (their versions, topics and contents)
it was reached on. The next view re-reads the rows' bytes (no decoding, no hashing of
events) and re-uses the verdict only if they are byte for byte the same: a row changed
behind the service's back by SQL has other bytes and is re-hashed, and the badge turns red
naming it. The Merkle check runs every time (a few rows and one signature). See
docs/decisions.md, "The household page's verification badge".
"""

import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eventsourcing.persistence import StoredEvent

from ledger.application import HouseholdLedger, originator_id
from ledger.domain import merkle
from ledger.domain.events import HouseholdEvent
from ledger.domain.integrity import ZERO_HASH, event_hash
from ledger.domain.serialization import event_document
from ledger.transparency import signing
from ledger.transparency.log import TransparencyLog

PAGE = 1000  # stored rows held at once
KEPT = 4096  # households whose verdict is kept


class Mismatch(Exception):
    """The stored rows do not hold; the message names the first thing that does not."""


@dataclass(frozen=True)
class Badge:
    """A household's stored rows hold: re-hashed, chained, in a signed checkpoint."""

    household_id: str
    events: int
    tree_size: int
    root_hash: str
    signed_at: str


@dataclass(frozen=True)
class _Head:
    version: int
    rows_sha256: str
    event_id: str
    event_hash: str


class Badges:
    """Verdicts on households' stored rows, the holding ones kept (thread-safe)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept: OrderedDict[str, _Head] = OrderedDict()
        self._capacity = kept
        self._lock = threading.Lock()
        self.rehashed = 0  # events re-hashed so far (for tests)

    def verify(
        self, ledger: HouseholdLedger, transparency: TransparencyLog, household_id: str
    ) -> Badge:
        """The badge of the household's rows now; ``Mismatch`` if they do not hold."""
        with self._lock:
            kept = self._kept.get(household_id)
        head, prefix = _digest(ledger, household_id, kept.version if kept else None)
        if kept != head:
            # Events appended since: only they are re-hashed, if the rows the kept verdict
            # was reached on are still byte for byte the same.
            resume = (
                kept
                if kept is not None
                and prefix is not None
                and prefix.hexdigest() == kept.rows_sha256
                else None
            )
            head = self._rehash(ledger, household_id, head, resume, prefix)
            with self._lock:
                self._kept[household_id] = head
                self._kept.move_to_end(household_id)
                while len(self._kept) > self._capacity:
                    self._kept.popitem(last=False)
        try:
            return _signed(transparency, ledger, household_id, head)
        except Mismatch:
            self.forget(household_id)
            raise

    def forget(self, household_id: str) -> None:
        with self._lock:
            self._kept.pop(household_id, None)

    def _rehash(
        self,
        ledger: HouseholdLedger,
        household_id: str,
        head: _Head,
        resume: _Head | None,
        prefix: Any,
    ) -> _Head:
        """Re-hashes and chains the rows after ``resume`` (all of them without)."""
        if resume is None:
            previous, last_id, digest, after = ZERO_HASH, "", hashlib.sha256(), 0
        else:
            previous, last_id, after = resume.event_hash, resume.event_id, resume.version
            digest = prefix.copy()
        for stored in _rows(ledger, household_id, after, head.version):
            self.rehashed += 1
            _add(digest, stored.originator_version, stored.topic, stored.state)
            where = f"version {stored.originator_version}"
            try:
                document = event_document(ledger.mapper.to_domain_event(stored))  # type: ignore[arg-type]
            except Exception as error:  # an unreadable row is a finding, not a 500
                raise Mismatch(
                    f"{where}: the stored row cannot be read: {type(error).__name__}: {error}"
                ) from None
            where = f"version {document['version']} (id {document['id']})"
            if document["household_id"] != household_id:
                raise Mismatch(f"{where} belongs to household {document['household_id']}")
            if event_hash(document) != document["hash"]:
                raise Mismatch(
                    f"{where}: its content does not match its hash "
                    f"{document['hash']} — the event was altered"
                )
            if document["prev_hash"] != previous:
                raise Mismatch(
                    f"{where}: prev_hash does not match the hash of version "
                    f"{document['version'] - 1} — the chain is broken"
                )
            previous, last_id = document["hash"], document["id"]
        if not last_id:
            raise Mismatch(f"household {household_id} has no stored events")
        # Kept under the digest of the very bytes hashed (a change since the first read
        # then misses next time, and is re-hashed).
        return _Head(head.version, digest.hexdigest(), last_id, previous)


def _rows(
    ledger: HouseholdLedger, household_id: str, after: int, up_to: int
) -> Iterator[StoredEvent]:
    """The household's stored rows of versions ``after`` + 1 to ``up_to``, ``PAGE`` at a
    time, checked to be exactly those versions in order."""
    stream = originator_id(household_id)
    while after < up_to:
        page: Sequence[StoredEvent] = ledger.recorder.select_events(
            stream, gt=after, lte=up_to, limit=PAGE
        )
        if not page:
            raise Mismatch(
                f"version {after + 1} is missing from the stored rows — events were removed"
            )
        for stored in page:
            if stored.originator_version != after + 1:
                raise Mismatch(
                    f"version {after + 1} is missing from the stored rows — events were removed"
                )
            after = stored.originator_version
            yield stored


def _add(digest: Any, version: int, topic: str, state: bytes) -> None:
    encoded = topic.encode()
    # Length-prefixed, so that no two different rows (or pages) give the same bytes.
    digest.update(struct.pack(">QQQ", version, len(encoded), len(state)))
    digest.update(encoded)
    digest.update(state)


def _digest(ledger: HouseholdLedger, household_id: str, at: int | None = None) -> tuple[_Head, Any]:
    """The SHA-256 of the household's stored rows' bytes, their count, and the last one's
    id and hash as stored (not checked here); and the digest's state after version ``at``
    (to go on from), if there is one."""
    rows = ledger.stores.stored_rows
    digest, version, last, prefix = hashlib.sha256(), 0, None, None
    stream = originator_id(household_id)
    while page := rows.page(stream, version, PAGE):
        for row in page:
            _add(digest, *row)
            if row[0] == at:
                prefix = digest.copy()
        version, last = page[-1][0], page[-1]
    if last is None:
        raise Mismatch(f"household {household_id} has no stored events")
    try:
        event = cast(
            HouseholdEvent,
            ledger.mapper.to_domain_event(
                StoredEvent(
                    originator_id=stream, originator_version=last[0], topic=last[1], state=last[2]
                )
            ),
        )
        event_id, stored_hash = str(event.id), str(event.hash)
    except Exception:  # found and named by the re-hash, which a new digest always runs
        event_id, stored_hash = "", ""
    return _Head(version, digest.hexdigest(), event_id, stored_hash), prefix


def _signed(
    transparency: TransparencyLog, ledger: HouseholdLedger, household_id: str, head: _Head
) -> Badge:
    """The head event's inclusion in the latest checkpoint, signed with this ledger's key;
    and no later event of the household in the log (a removed last event)."""
    leaf = transparency.tables.leaf_of_event(head.event_id)
    if leaf is None:
        # Read again whatever catch_up returns: the checkpointer may have sequenced the
        # event meanwhile (then this call adds nothing, yet the leaf is there).
        transparency.catch_up()
        leaf = transparency.tables.leaf_of_event(head.event_id)
    where = f"version {head.version} (id {head.event_id})"
    if leaf is None or leaf.household_id != household_id:
        raise Mismatch(f"{where}, the household's last event, is not in the transparency log")
    last = transparency.tables.last_leaf_of_household(household_id)
    if (
        last is not None
        and last.leaf_index > leaf.leaf_index
        and not ledger.recorder.select_events(originator_id(household_id), gt=head.version, limit=1)
    ):
        raise Mismatch(
            f"the transparency log holds event {last.event_id} of this household "
            f"after version {head.version}, which the stored rows lack — events "
            "were removed"
        )
    checkpoint = transparency.covering(leaf.leaf_index)
    if not signing.verify_checkpoint(transparency.public_key, checkpoint.document()):
        raise Mismatch(
            f"the checkpoint of {checkpoint.tree_size} events (signed "
            f"{checkpoint.timestamp}) is not signed by this ledger's key"
        )
    proof = transparency.inclusion(leaf, checkpoint.tree_size)
    if not merkle.verify_inclusion(
        leaf.leaf_index,
        checkpoint.tree_size,
        merkle.leaf_hash(bytes.fromhex(head.event_hash)),
        [bytes.fromhex(h) for h in proof.path],
        bytes.fromhex(checkpoint.root_hash),
    ):
        raise Mismatch(
            f"{where} is not in the signed tree: its inclusion proof fails "
            "against the checkpoint's root"
        )
    return Badge(
        household_id, head.version, checkpoint.tree_size, checkpoint.root_hash, checkpoint.timestamp
    )
