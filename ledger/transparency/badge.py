"""The verification badge of a household's web page: do its stored rows still hold?

What ``ledger verify`` checks of the household's archive, checked on the stored rows
themselves with the same checks (``ledger.transparency.checks``), without building one:
the latest checkpoint signed with this ledger's key; every event of the household re-read
from the database a page of rows at a time (bounded memory), re-hashed from its content
and chained to the one before; no event of the household in the log that the rows lack;
every event's inclusion in the signed tree (RFC 6962 audit paths from the stored Merkle
nodes), in the order of its versions. The first thing that does not hold is named as
``ledger verify`` names it.

Re-hashing is most of the work, so a verdict that holds is kept per household, with its
version and the SHA-256 of the stored rows' bytes (their versions, topics and contents)
it was reached on. The next view re-reads the rows' bytes (no decoding through the
library, no hashing of events) and re-uses the verdict only if they are byte for byte the
same: a row changed behind the service's back by SQL has other bytes and is re-hashed,
and the badge turns red naming it. The checkpoint and the proofs are checked every time.
See docs/decisions.md, "The household page's verification badge".
"""

import contextlib
import hashlib
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.persistence import StoredEvent

from ledger.application import HouseholdLedger, originator_id
from ledger.domain.integrity import ZERO_HASH, event_hash
from ledger.domain.serialization import event_document
from ledger.transparency.badge_proofs import (
    Mismatch,
    Proven,
    StoredEvents,
    check_complete,
    prove,
    signed_leaves,
)
from ledger.transparency.checks import check_event
from ledger.transparency.log import TransparencyLog, leaf_fields
from ledger.transparency.zipreader import ArchiveInvalid

__all__ = ["Badge", "Badges", "Mismatch"]

PAGE = 1000  # stored rows held at once
KEPT = 4096  # households whose verdict is kept


@dataclass(frozen=True)
class Badge:
    """A household's stored rows hold: re-hashed, chained, in a signed checkpoint."""

    household_id: str
    events: int
    tree_size: int
    root_hash: str
    signed_at: str


@dataclass(frozen=True)
class _Verdict:
    """Rows that held when re-hashed: up to ``version``, whose bytes digest to
    ``rows_sha256``, the chain ending in ``head_hash``; and the tree they were proven in."""

    version: int
    rows_sha256: str
    head_hash: str
    proven: Proven | None = None


@dataclass(frozen=True)
class _Rows:
    """One read of a household's stored rows' bytes."""

    version: int  # the last one's
    sha256: str
    prefix: Any  # the digest's state after a kept verdict's version, if the rows reach it
    events: StoredEvents


class Badges:
    """Verdicts on households' stored rows, the holding ones kept (thread-safe)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept: OrderedDict[str, _Verdict] = OrderedDict()
        self._capacity = kept
        self._lock = threading.Lock()
        self.rehashed = 0  # events re-hashed so far (for tests)

    def verify(
        self, ledger: HouseholdLedger, transparency: TransparencyLog, household_id: str
    ) -> Badge:
        """The badge of the household's rows now; ``Mismatch`` if they do not hold."""
        with self._lock:
            kept = self._kept.get(household_id)
        rows = _read(ledger, household_id, kept.version if kept else None)
        try:
            leaves, checkpoint = signed_leaves(transparency, household_id, rows.events)
            if kept is not None and (kept.version, kept.rows_sha256) == (rows.version, rows.sha256):
                verdict = kept
            else:
                verdict, rehashed = self._rehash(ledger, household_id, rows, kept)
                if len(rehashed) == len(rows.events):  # all of them: as read while hashing
                    rows = replace(rows, events=rehashed)
            check_complete(ledger, household_id, rows.events, leaves)
            prove(transparency, rows.events, leaves, checkpoint, verdict.proven)
            proven = Proven(rows.version, checkpoint.tree_size, checkpoint.root_hash)
            self._keep(household_id, replace(verdict, proven=proven))
        except ArchiveInvalid as finding:
            self.forget(household_id)
            raise Mismatch(str(finding)) from None
        except Mismatch:
            self.forget(household_id)
            raise
        return Badge(
            household_id,
            rows.version,
            checkpoint.tree_size,
            checkpoint.root_hash,
            checkpoint.timestamp,
        )

    def forget(self, household_id: str) -> None:
        with self._lock:
            self._kept.pop(household_id, None)

    def _keep(self, household_id: str, verdict: _Verdict) -> None:
        with self._lock:
            self._kept[household_id] = verdict
            self._kept.move_to_end(household_id)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)

    def _rehash(
        self, ledger: HouseholdLedger, household_id: str, rows: _Rows, kept: _Verdict | None
    ) -> tuple[_Verdict, list[tuple[int, str, str]]]:
        """Re-hashes and chains the rows; only those after the kept verdict's version if
        the rows it was reached on are still byte for byte the same. Returns the verdict,
        and the version, id and hash of each event re-hashed."""
        resumed = (
            kept is not None
            and rows.prefix is not None
            and rows.prefix.hexdigest() == kept.rows_sha256
        )
        if kept is not None and resumed:
            previous, after, digest = kept.head_hash, kept.version, rows.prefix.copy()
        else:
            previous, after, digest = ZERO_HASH, 0, hashlib.sha256()
        rehashed: list[tuple[int, str, str]] = []
        for number, stored in enumerate(
            _stored(ledger, household_id, after, rows.version), after + 1
        ):
            self.rehashed += 1
            _add(digest, stored.originator_version, stored.topic, stored.state)
            try:
                document = event_document(ledger.mapper.to_domain_event(stored))  # type: ignore[arg-type]
                recomputed = event_hash(document)
            except Exception as error:  # an unreadable row is a finding, not a 500
                raise Mismatch(
                    f"version {stored.originator_version}: the stored row cannot be read: "
                    f"{type(error).__name__}: {error}"
                ) from None
            where = f"version {document['version']} (id {document['id']})"
            check_event(
                document,
                where,
                household_id=household_id,
                number=number,
                recomputed=recomputed,
                previous=previous,
            )
            previous, after = document["hash"], number
            rehashed.append((number, document["id"], previous))
        if after < rows.version:
            raise Mismatch(
                f"version {after + 1} is missing from the stored rows — events were removed"
            )
        # Kept under the digest of the very bytes hashed (a change since the first read
        # then misses next time, and is re-hashed).
        proven = kept.proven if kept and resumed else None
        return _Verdict(rows.version, digest.hexdigest(), previous, proven), rehashed


def _read(ledger: HouseholdLedger, household_id: str, at: int | None) -> _Rows:
    """The household's stored rows' bytes digested; the event ids and hashes as stored of
    versions ``at`` and after (all without ``at``: the others were proven with the kept
    verdict, and a new digest re-hashes them); and the digest's state after version ``at``
    (to go on from), if there is one."""
    pages = ledger.stores.stored_rows
    digest, version, prefix = hashlib.sha256(), 0, None
    events: list[tuple[int, str, str]] = []
    stream = originator_id(household_id)
    while page := pages.page(stream, version, PAGE):
        for row_version, topic, state in page:
            _add(digest, row_version, topic, state)
            if row_version == at:
                prefix = digest.copy()
            event_id, stored_hash = "", ""
            if at is None or row_version >= at:
                # An unreadable row is found and named by the re-hash a new digest runs.
                with contextlib.suppress(Exception):
                    event_id, _, stored_hash = leaf_fields(state)
            events.append((row_version, event_id, stored_hash))
        version = page[-1][0]
    if not events:
        raise Mismatch(f"household {household_id} has no stored events")
    return _Rows(version, digest.hexdigest(), prefix, events)


def _stored(
    ledger: HouseholdLedger, household_id: str, after: int, up_to: int
) -> Iterator[StoredEvent]:
    """The household's stored rows of versions ``after`` + 1 to ``up_to``, ``PAGE`` at a
    time."""
    stream = originator_id(household_id)
    while after < up_to:
        page: Sequence[StoredEvent] = ledger.recorder.select_events(
            stream, gt=after, lte=up_to, limit=PAGE
        )
        if not page:
            return
        yield from page
        after = page[-1].originator_version


def _add(digest: Any, version: int, topic: str, state: bytes) -> None:
    encoded = topic.encode()
    # Length-prefixed, so that no two different rows (or pages) give the same bytes.
    digest.update(struct.pack(">QQQ", version, len(encoded), len(state)))
    digest.update(encoded)
    digest.update(state)
