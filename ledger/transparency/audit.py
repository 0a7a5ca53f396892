"""``ledger audit``: re-reads every stored event, recomputes its hash, each household's
chain and the Merkle tree, and compares them with the signed checkpoints. A row changed
or removed in the database behind the service's back is found and named."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Notification

from ledger.application import HouseholdLedger
from ledger.domain import merkle
from ledger.domain.integrity import ZERO_HASH, event_hash
from ledger.domain.serialization import event_document
from ledger.persistence.log_tables import Leaf, StoredCheckpoint
from ledger.persistence.ports import MerkleStore
from ledger.transparency import signing

PAGE = 2000


@dataclass
class AuditReport:
    events: int = 0
    households: int = 0
    tree_size: int = 0
    checkpoints: int = 0
    unsequenced: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        verdict = "OK" if self.holds else f"FAILED: {len(self.findings)} findings"
        pending = (
            f"; {self.unsequenced} recent events not yet in the tree" if self.unsequenced else ""
        )
        return (
            f"{verdict}: {self.events} events of {self.households} households re-hashed, "
            f"chains checked, tree of {self.tree_size} leaves recomputed against "
            f"{self.checkpoints} signed checkpoints{pending}"
        )


def audit(
    ledger: HouseholdLedger, tables: MerkleStore, progress: Callable[[int], None] | None = None
) -> AuditReport:
    report = AuditReport()
    heads: dict[str, tuple[int, str]] = {}  # household → (version, hash) of its last event
    leaves = _leaves(tables)
    checkpoints = tables.checkpoints()
    pending = next(checkpoints, None)
    frontier = merkle.Frontier()
    while pending is not None and pending.tree_size == 0:
        _check_checkpoint(pending, frontier, report)
        pending = next(checkpoints, None)
    tree_broken = False
    for notification in _notifications(ledger):
        report.events += 1
        document = _document(ledger, notification, report)
        leaf = next(leaves, None)
        if leaf is None:
            report.unsequenced += 1
            continue
        if document is None:
            tree_broken = True
            continue
        if not tree_broken and (leaf.notification_id, leaf.event_id) != (
            notification.id,
            document["id"],
        ):
            report.findings.append(
                f"leaf {leaf.leaf_index}: the tree holds event {leaf.event_id} (log position "
                f"{leaf.notification_id}) but the log has event {document['id']} (position "
                f"{notification.id}) there — an event was removed or inserted"
            )
            tree_broken = True
        _check_chain(document, heads, report)
        frontier.append(merkle.leaf_hash(bytes.fromhex(event_hash(document))))
        while pending is not None and pending.tree_size == frontier.size:
            _check_checkpoint(pending, frontier, report)
            pending = next(checkpoints, None)
        if progress and report.events % PAGE == 0:
            progress(PAGE)
    for leaf in leaves:
        report.findings.append(
            f"leaf {leaf.leaf_index}: event {leaf.event_id} (log position "
            f"{leaf.notification_id}) is in the tree but not in the log — "
            "it was removed"
        )
        break
    if pending is not None:
        report.findings.append(
            f"checkpoint of {pending.tree_size} events (signed "
            f"{pending.timestamp}) covers more events than the log "
            f"holds ({frontier.size}) — events were removed"
        )
    report.households = len(heads)
    report.tree_size = frontier.size
    return report


def _notifications(ledger: HouseholdLedger) -> Iterator[Notification]:
    after = 0
    while page := ledger.recorder.select_notifications(
        start=after, limit=PAGE, inclusive_of_start=False
    ):
        yield from page
        after = page[-1].id


def _leaves(tables: MerkleStore) -> Iterator[Leaf]:
    after = -1
    while page := tables.leaves(after=after, limit=PAGE):
        yield from page
        after = page[-1].leaf_index


def _document(
    ledger: HouseholdLedger, notification: Notification, report: AuditReport
) -> dict[str, Any] | None:
    """The event as served, re-hashed; a finding if it cannot be read or does not match."""
    try:
        document = event_document(ledger.mapper.to_domain_event(notification))  # type: ignore[arg-type]
    except Exception as error:  # any unreadable row is a finding, not a crash
        report.findings.append(
            f"log position {notification.id} (stream "
            f"{notification.originator_id} version "
            f"{notification.originator_version}): cannot be read: "
            f"{type(error).__name__}: {error}"
        )
        return None
    if event_hash(document) != document["hash"]:
        report.findings.append(
            f"event {document['id']} (household {document['household_id']}, version "
            f"{document['version']}, log position {notification.id}): its stored content does "
            f"not match its hash {document['hash']} — it was changed after it was recorded"
        )
    return document


def _check_chain(
    document: dict[str, Any], heads: dict[str, tuple[int, str]], report: AuditReport
) -> None:
    household, version = document["household_id"], document["version"]
    last_version, last_hash = heads.get(household, (0, ZERO_HASH))
    where = f"household {household} version {version} (event {document['id']})"
    if version != last_version + 1:
        report.findings.append(
            f"{where} follows version {last_version}: versions "
            f"{last_version + 1}–{version - 1} are missing"
        )
    elif document["prev_hash"] != last_hash:
        report.findings.append(
            f"{where}: prev_hash does not match version {last_version}'s hash — the chain is broken"
        )
    heads[household] = (version, document["hash"])


def _check_checkpoint(
    checkpoint: StoredCheckpoint, frontier: merkle.Frontier, report: AuditReport
) -> None:
    report.checkpoints += 1
    if not signing.verify_checkpoint(checkpoint.public_key, checkpoint.document()):
        report.findings.append(
            f"checkpoint of {checkpoint.tree_size} events (signed "
            f"{checkpoint.timestamp}): its signature does not hold"
        )
    if frontier.root().hex() != checkpoint.root_hash:
        report.findings.append(
            f"checkpoint of {checkpoint.tree_size} events (signed {checkpoint.timestamp}): "
            f"the root recomputed from the log is {frontier.root().hex()}, the signed root is "
            f"{checkpoint.root_hash} — events it covers were changed"
        )
