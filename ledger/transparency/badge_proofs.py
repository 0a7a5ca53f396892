"""What the household page's badge checks against the transparency log (``badge``): the
latest checkpoint signed with this ledger's key, no logged event of the household that
the stored rows lack, every event's inclusion in the signed tree in the order of its
versions — with ``ledger verify``'s own checks (``checks``)."""

from dataclasses import dataclass

from ledger.application import HouseholdLedger, originator_id
from ledger.domain import merkle
from ledger.persistence.log_tables import Leaf, StoredCheckpoint
from ledger.transparency.checks import check_checkpoint, check_inclusion
from ledger.transparency.log import TransparencyLog

StoredEvents = list[tuple[int, str, str]]
"""(version, event id, hash) of a household's stored rows, oldest first."""


class Mismatch(Exception):
    """The stored rows do not hold; the message names the first thing that does not."""


@dataclass(frozen=True)
class Proven:
    """Events up to ``version`` are leaves of the signed tree of ``tree_size`` leaves."""

    version: int
    tree_size: int
    root_hash: str


def signed_leaves(
    transparency: TransparencyLog, household_id: str, events: StoredEvents
) -> tuple[list[Leaf], StoredCheckpoint]:
    """The household's leaves in the log, and the latest checkpoint covering them,
    signed with this ledger's key."""
    leaves = transparency.tables.leaves_of_household(household_id)
    if len(leaves) < len(events):
        # Read again whatever catch_up returns: the checkpointer may have sequenced the
        # events meanwhile (then this call adds nothing, yet the leaves are there).
        transparency.catch_up()
        leaves = transparency.tables.leaves_of_household(household_id)
    if not leaves:
        version, event_id, _ = events[-1]
        raise Mismatch(
            f"version {version} (id {event_id}), the household's last event, "
            "is not in the transparency log"
        )
    checkpoint = transparency.covering(leaves[-1].leaf_index)
    check_checkpoint(transparency.public_key, checkpoint.document())
    return leaves, checkpoint


def check_complete(
    ledger: HouseholdLedger, household_id: str, events: StoredEvents, leaves: list[Leaf]
) -> None:
    """No event of the household is in the log after the last stored row (a removed last
    event), unless it was stored since the rows were read."""
    ids = {event_id for _, event_id, _ in events}
    last = leaves[-1]
    if last.event_id not in ids and not ledger.recorder.select_events(
        originator_id(household_id), gt=events[-1][0], limit=1
    ):
        raise Mismatch(
            f"the transparency log holds event {last.event_id} of this household "
            f"after version {events[-1][0]}, which the stored rows lack — events "
            "were removed"
        )


def prove(
    transparency: TransparencyLog,
    events: StoredEvents,
    leaves: list[Leaf],
    checkpoint: StoredCheckpoint,
    earlier: Proven | None,
) -> None:
    """Every event is a leaf of the signed tree, in the order of its versions (the audit
    paths read from the stored Merkle nodes). Events proven in an earlier signed tree are
    in this one if it extends that one (RFC 6962 consistency): only the events since are
    proven again, so a kept view of a long history costs a few nodes, not a proof each."""
    by_event = {leaf.event_id: leaf for leaf in leaves}
    start, last_index = 0, -1
    before = None if earlier is None else by_event.get(events[earlier.version - 1][1])
    if earlier is not None and before is not None and earlier.tree_size <= checkpoint.tree_size:
        _extends(transparency, earlier, checkpoint)
        start, last_index = earlier.version, before.leaf_index
    ordered = []
    for version, event_id, _ in events[start:]:
        leaf = by_event.get(event_id)
        if leaf is None:
            raise Mismatch(f"version {version} (id {event_id}) is not in the transparency log")
        ordered.append(leaf)
    proofs = transparency.inclusions(ordered, checkpoint.tree_size)
    root = bytes.fromhex(checkpoint.root_hash)
    for (version, event_id, stored_hash), proof in zip(events[start:], proofs, strict=True):
        last_index = check_inclusion(
            f"event version {version} (id {event_id})",
            stored_hash,
            proof.document(),
            checkpoint.tree_size,
            root,
            last_index,
        )


def _extends(transparency: TransparencyLog, earlier: Proven, checkpoint: StoredCheckpoint) -> None:
    """The signed tree of ``checkpoint`` holds the earlier signed tree as its first leaves."""
    path = (
        []
        if earlier.tree_size == checkpoint.tree_size
        else transparency.consistency(earlier.tree_size, checkpoint.tree_size)
    )
    if not merkle.verify_consistency(
        earlier.tree_size,
        checkpoint.tree_size,
        bytes.fromhex(earlier.root_hash),
        bytes.fromhex(checkpoint.root_hash),
        [bytes.fromhex(h) for h in path],
    ):
        raise Mismatch(
            f"the signed tree of {checkpoint.tree_size} events does not extend the signed "
            f"tree of {earlier.tree_size} events the household's events were proven in"
        )
