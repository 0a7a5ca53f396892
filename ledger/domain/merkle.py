"""RFC 9162 §2.1 (RFC 6962 §2.1) Merkle trees: tree hashes, audit paths, consistency
proofs and their verifiers, for a log whose subtree hashes are stored.

The tree is described by leaf ranges ``[start, end)``. A range that the RFC's recursion
produces is either a perfect, aligned subtree — a stored ``Node`` ``(level, index)``
covering leaves ``[index·2^level, (index+1)·2^level)`` — or splits into such nodes, so a
proof at any tree size needs O(log² n) stored hashes at most and no leaf is re-read.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

Node = tuple[int, int]
"""``(level, index)``: the perfect subtree of leaves ``[index·2^level, (index+1)·2^level)``."""
Range = tuple[int, int]
"""Leaves ``[start, end)``."""
Lookup = Callable[[Node], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def lookup_in(found: dict[Node, bytes]) -> Lookup:
    """A lookup over hashes fetched ahead (one query for a whole proof); a node missing
    from them means the stored log is damaged."""

    def lookup(node: Node) -> bytes:
        try:
            return found[node]
        except KeyError:
            raise RuntimeError(f"the Merkle log lacks node {node}: run `ledger audit`") from None

    return lookup


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _perfect(start: int, end: int) -> Node | None:
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return level, start >> level
    return None


def range_nodes(start: int, end: int) -> list[Node]:
    """The stored nodes whose hashes compose MTH(D[start:end]), left to right."""
    if end <= start:
        raise ValueError(f"empty leaf range [{start}, {end})")
    if (node := _perfect(start, end)) is not None:
        return [node]
    k = _split(end - start)
    return range_nodes(start, start + k) + range_nodes(start + k, end)


def range_hash(start: int, end: int, lookup: Lookup) -> bytes:
    """MTH(D[start:end]) from stored node hashes."""
    if end <= start:
        raise ValueError(f"empty leaf range [{start}, {end})")
    if (node := _perfect(start, end)) is not None:
        return lookup(node)
    k = _split(end - start)
    return node_hash(range_hash(start, start + k, lookup), range_hash(start + k, end, lookup))


def root(size: int, lookup: Lookup) -> bytes:
    if size < 0:
        raise ValueError(f"no tree of size {size}")
    return EMPTY_ROOT if size == 0 else range_hash(0, size, lookup)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) as leaf ranges, from the leaf's sibling up to the root's child."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return path[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[second]) as leaf ranges (RFC 9162 §2.1.4.1); empty when equal."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    path: list[Range] = []
    start, end, whole = 0, second, True  # SUBPROOF(first - start, D[start:end], whole)
    while True:
        if first == end:
            if not whole:
                path.append((start, end))
            return path[::-1]
        k = _split(end - start)
        if first - start <= k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start, whole = start + k, False


def nodes_of(ranges: Iterable[Range]) -> set[Node]:
    """Every stored node needed to hash ``ranges`` (to fetch them in one query)."""
    return {node for start, end in ranges for node in range_nodes(start, end)}


def hashes_of(ranges: Sequence[Range], lookup: Lookup) -> list[bytes]:
    return [range_hash(start, end, lookup) for start, end in ranges]


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove leaf hash ``leaf`` at ``leaf_index``?"""
    if not 0 <= leaf_index < tree_size or len(leaf) != len(EMPTY_ROOT):
        return False  # a leaf hash is a SHA-256 digest: b"" is no root of a 1-leaf tree
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does ``path`` prove tree ``second`` extends tree ``first``?"""
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


@dataclass
class Frontier:
    """The right edge of a growing tree: the perfect subtrees that make up its leaves
    (the binary decomposition of ``size``), enough to append and to hash the root."""

    size: int = 0
    edge: list[tuple[int, bytes]] = field(default_factory=list)  # (level, hash), left first

    @classmethod
    def load(cls, size: int, lookup: Lookup) -> "Frontier":
        nodes = range_nodes(0, size) if size else []
        return cls(size, [(level, lookup((level, index))) for level, index in nodes])

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Adds a leaf hash; returns the nodes it completes (the leaf first) to store."""
        level, index, current = 0, self.size, leaf
        completed = [((0, index), leaf)]
        while self.edge and self.edge[-1][0] == level:
            _, left = self.edge.pop()
            current, level, index = node_hash(left, current), level + 1, index >> 1
            completed.append(((level, index), current))
        self.edge.append((level, current))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        current = self.edge[-1][1]
        for _, left in reversed(self.edge[:-1]):
            current = node_hash(left, current)
        return current
