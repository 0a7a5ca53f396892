"""The checks ``ledger verify`` makes of a household's events, shared with the household
page's badge (which makes them on the stored rows): each event's hash and link in the
chain, each event's inclusion in the signed tree, the checkpoint's signature. Each raises
``ArchiveInvalid`` naming where the first thing that does not hold is."""

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.domain import merkle
from ledger.transparency import signing
from ledger.transparency.zipreader import ArchiveInvalid


def check_checkpoint(public_key: str, checkpoint: dict[str, Any]) -> None:
    """The checkpoint is signed with ``public_key``."""
    if not signing.verify_checkpoint(public_key, checkpoint):
        raise ArchiveInvalid(
            "the checkpoint's signature does not hold: checkpoint.json "
            "was altered or not signed by this key"
        )


def check_event(
    event: Mapping[str, Any],
    where: str,
    *,
    household_id: str,
    number: int,
    recomputed: str,
    previous: str,
) -> None:
    """Event ``number`` (from 1) of ``household_id``, whose content hashes to
    ``recomputed``, follows the event whose hash is ``previous``."""
    if event["household_id"] != household_id:
        raise ArchiveInvalid(
            f"{where} belongs to household {event['household_id']}, not {household_id}"
        )
    if event["version"] != number:
        raise ArchiveInvalid(
            f"{where}: expected version {number} — events are missing or out of order"
        )
    if recomputed != event["hash"]:
        raise ArchiveInvalid(
            f"{where}: its content does not match its hash {event['hash']} — the event was altered"
        )
    if event["prev_hash"] != previous:
        raise ArchiveInvalid(
            f"{where}: prev_hash does not match the hash of version "
            f"{number - 1} — the chain is broken"
        )


def check_inclusion(
    where: str,
    event_hash: str,
    proof: Mapping[str, Any],
    tree_size: int,
    root: bytes,
    logged_after: int,
) -> int:
    """The event of hash ``event_hash`` is the leaf ``proof`` proves in the signed tree of
    ``tree_size`` leaves and root ``root``, logged after leaf ``logged_after`` (the
    household's event before it); returns its leaf index."""
    if proof["tree_size"] != tree_size:
        raise ArchiveInvalid(
            f"{where}: its proof is for a tree of {proof['tree_size']} "
            f"events, the checkpoint's has {tree_size}"
        )
    try:
        path: Sequence[bytes] = [bytes.fromhex(h) for h in proof["path"]]
    except (TypeError, ValueError):
        raise ArchiveInvalid(f"{where}: its proof path is not hex") from None
    leaf = merkle.leaf_hash(bytes.fromhex(event_hash))
    if not merkle.verify_inclusion(proof["leaf_index"], tree_size, leaf, path, root):
        raise ArchiveInvalid(
            f"{where} is not in the signed tree: its inclusion proof "
            "fails against the checkpoint's root"
        )
    if proof["leaf_index"] <= logged_after:
        raise ArchiveInvalid(
            f"{where} was logged before the version preceding it — events are out of order"
        )
    return int(proof["leaf_index"])
