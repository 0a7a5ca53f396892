"""The Merkle log as c2sp.org/tlog-tiles serves it: tiles read from the stored subtree
hashes (a level-L tile is one range of the nodes at Merkle level 8·L), entry bundles from
the stored events (an entry is the event's 32-byte hash). Full tiles never change, so the
latest are kept in a small in-process LRU."""

import threading
from collections import OrderedDict

from ledger.domain.errors import UnknownTile
from ledger.transparency.c2sp.tiles import MalformedTilePath, Tile, parse_tile_path
from ledger.transparency.log import TransparencyLog, leaf_fields

ENTRY_PREFIX = (32).to_bytes(2, "big")
"""Each entry of a bundle is a big-endian uint16 length, here always 32, then the hash."""


class _LRU:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[Tile, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tile: Tile) -> bytes | None:
        with self._lock:
            found = self._kept.get(tile)
            if found is not None:
                self._kept.move_to_end(tile)
            return found

    def put(self, tile: Tile, body: bytes) -> None:
        with self._lock:
            self._kept[tile] = body
            self._kept.move_to_end(tile)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)


class LogTiles:
    """Tiles and entry bundles of the tree sequenced so far."""

    def __init__(self, log: TransparencyLog, cached_full_tiles: int = 512) -> None:
        self.log = log
        self._full = _LRU(cached_full_tiles)  # 8 KiB each: 4 MiB at most

    def read(self, path: str) -> tuple[Tile, bytes]:
        """The tile at ``path`` (``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/…``) and its
        body; ``UnknownTile`` for a path the spec does not allow or beyond the tree."""
        try:
            tile = parse_tile_path(path)
        except MalformedTilePath as error:
            raise UnknownTile(f"no tile {path}: {error}") from None
        if tile.is_full and (kept := self._full.get(tile)) is not None:
            return tile, kept
        self._check_sequenced(tile)
        body = self._entries(tile) if tile.is_entries else self._hashes(tile)
        if tile.is_full:
            self._full.put(tile, body)
        return tile, body

    def _check_sequenced(self, tile: Tile) -> None:
        size, _ = self.log.tables.size()
        if tile.tree_size_needed > size:  # perhaps appended a moment ago: sequence it
            self.log.catch_up()
            size, _ = self.log.tables.size()
        if tile.tree_size_needed > size:
            raise UnknownTile(
                f"no tile {tile.path()}: it needs a tree of {tile.tree_size_needed} leaves, "
                f"the log has sequenced {size}"
            )

    def _hashes(self, tile: Tile) -> bytes:
        hashes = self.log.tables.level_hashes(tile.merkle_level, tile.first, tile.width)
        if len(hashes) != tile.width:
            raise RuntimeError(f"the Merkle log lacks nodes of {tile.path()}: run `ledger audit`")
        return b"".join(hashes)

    def _entries(self, tile: Tile) -> bytes:
        # Every event is a leaf, in notification order: the bundle's leaves name a run of
        # consecutive notifications, read in one query and checked against the leaves.
        leaves = self.log.tables.leaves(after=tile.first - 1, limit=tile.width)
        notifications = (
            self.log.ledger.recorder.select_notifications(
                start=leaves[0].notification_id,
                limit=tile.width,
                stop=leaves[-1].notification_id,
                inclusive_of_start=True,
            )
            if leaves
            else []
        )
        body = bytearray()
        for leaf, notification in zip(leaves, notifications, strict=False):
            event_id, _, event_hash = leaf_fields(notification.state)
            if (leaf.notification_id, leaf.event_id) != (notification.id, event_id):
                raise RuntimeError(
                    f"leaf {leaf.leaf_index} names event {leaf.event_id} at notification "
                    f"{leaf.notification_id}, the log holds {event_id} at {notification.id}: "
                    "run `ledger audit`"
                )
            body += ENTRY_PREFIX + bytes.fromhex(event_hash)
        if not len(leaves) == len(notifications) == tile.width:
            raise RuntimeError(f"the Merkle log lacks leaves of {tile.path()}: run `ledger audit`")
        return bytes(body)
