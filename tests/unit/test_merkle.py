"""``ledger.domain.merkle`` is RFC 9162 §2.1 (RFC 6962 §2.1), shown three independent ways.

1. The published Certificate Transparency known answers: the eight test leaves of the CT
   reference implementations, their roots for sizes 0..8, every stored node hash, the audit
   paths and consistency proofs listed there, and those suites' verifier probes (wrong
   index, wrong size, truncated or extended paths, flipped bits, other roots …).
2. Hypothesis properties against a naive implementation written here straight from the
   RFC 9162 text (MTH, PATH, PROOF/SUBPROOF), for random trees of up to 300 leaves, plus
   node counts for trees of up to 2^40 leaves.
3. A third-party verifier: sigstore (Apache-2.0), whose Rekor client checks RFC 6962
   inclusion proofs with the Trillian algorithm and its own leaf hashing. Consistency
   proofs are checked with sigstore's hash chaining, decomposed as
   transparency-dev/merkle's ``VerifyConsistency`` does.

Our verifiers return ``False``, and never raise, for any bad input of the right types.
"""

import base64
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sigstore._internal import merkle as sigstore_merkle
from sigstore.errors import VerificationError
from sigstore.models import TransparencyLogEntry
from sigstore_models.rekor import v1 as rekor_v1

from ledger.domain.merkle import (
    EMPTY_ROOT,
    Frontier,
    Node,
    consistency_ranges,
    hashes_of,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    nodes_of,
    range_hash,
    range_nodes,
    root,
    verify_consistency,
    verify_inclusion,
)

QUICK = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

Store = dict[Node, bytes]


def h(hex_digest: str) -> bytes:
    return bytes.fromhex(hex_digest)


def build(leaves: Sequence[bytes]) -> tuple[Store, Frontier]:
    """The nodes a log stores for ``leaves`` (leaf data), appended one by one."""
    store: Store = {}
    frontier = Frontier()
    for data in leaves:
        store.update(frontier.append(leaf_hash(data)))
    return store, frontier


def inclusion_path(index: int, size: int, store: Store) -> list[bytes]:
    return hashes_of(inclusion_ranges(index, size), store.__getitem__)


def consistency_path(first: int, second: int, store: Store) -> list[bytes]:
    return hashes_of(consistency_ranges(first, second), store.__getitem__)


def flip(hashes: Sequence[bytes], element: int, byte: int, bit: int) -> list[bytes]:
    flipped = list(hashes)
    value = bytearray(flipped[element])
    value[byte] ^= 1 << bit
    flipped[element] = bytes(value)
    return flipped


# ---------------------------------------------------------------------------------------
# 1. Published Certificate Transparency test vectors
#
# google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc: kInputs,
# kSHA256EmptyTreeHash, kSHA256Roots, kSHA256Paths, kSHA256Proofs (copied verbatim; the
# same data is in transparency-dev/merkle testonly/constants.go and proof/verify_test.go,
# and in Trillian). Leaf numbers in kSHA256Paths are 1-based, as there.
# ---------------------------------------------------------------------------------------

CT_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

CT_EMPTY_TREE_HASH = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

# kSHA256Roots: the roots of the trees of 1..8 of the inputs.
CT_ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# kSHA256Paths: (leaf, snapshot, path); the invalid {0, 0} entry is tested apart.
CT_PATHS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# kSHA256Proofs: (snapshot1, snapshot2, proof), plus the {6, 7} vector that
# transparency-dev/merkle proof/verify_test.go (consistencyProofs) adds.
CT_CONSISTENCY: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# transparency-dev/merkle testonly/constants.go, NodeHashes(): every complete subtree of
# the 8-leaf tree, by level then index.
CT_NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# transparency-dev/merkle testonly/constants.go, CompactTrees(): the right edge (our
# Frontier.edge) of the trees of 0..8 leaves, as (level, index) into CT_NODE_HASHES.
CT_COMPACT_TREES: list[list[Node]] = [
    [],
    [(0, 0)],
    [(1, 0)],
    [(1, 0), (0, 2)],
    [(2, 0)],
    [(2, 0), (0, 4)],
    [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)],
    [(3, 0)],
]

# transparency-dev/merkle proof/verify_test.go.
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def ct_store() -> tuple[Store, Frontier]:
    return build(CT_INPUTS)


def test_hasher_vectors() -> None:
    """transparency-dev/merkle rfc6962/rfc6962_test.go, TestRFC6962Hasher."""
    assert EMPTY_ROOT == CT_EMPTY_TREE_HASH
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456") == h(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    # TestRFC6962HasherCollisions: domain separation and order.
    one, two = leaf_hash(b"Hello"), leaf_hash(b"World")
    assert one != two
    assert node_hash(one, two) != leaf_hash(one + two)
    assert node_hash(one, two) != node_hash(two, one)


def test_roots_of_sizes_0_to_8() -> None:
    store, _ = ct_store()
    assert root(0, store.__getitem__) == CT_EMPTY_TREE_HASH
    for size in range(1, 9):  # every older root, from the nodes stored for the newest tree
        assert root(size, store.__getitem__) == CT_ROOTS[size - 1]
    frontier = Frontier()
    assert frontier.root() == CT_EMPTY_TREE_HASH
    for size, data in enumerate(CT_INPUTS, start=1):
        frontier.append(leaf_hash(data))
        assert frontier.root() == CT_ROOTS[size - 1]


def test_stored_nodes_are_the_reference_node_hashes() -> None:
    store, _ = ct_store()
    assert store == {
        (level, index): value
        for level, row in enumerate(CT_NODE_HASHES)
        for index, value in enumerate(row)
    }


def test_frontier_edge_is_the_reference_compact_tree() -> None:
    store, _ = ct_store()
    frontier = Frontier()
    for size in range(9):
        expected = [
            (level, CT_NODE_HASHES[level][index]) for level, index in CT_COMPACT_TREES[size]
        ]
        assert frontier.edge == expected
        assert Frontier.load(size, store.__getitem__) == Frontier(size, expected)
        if size < 8:
            frontier.append(leaf_hash(CT_INPUTS[size]))


@pytest.mark.parametrize(("leaf", "size", "path"), CT_PATHS)
def test_published_audit_paths(leaf: int, size: int, path: list[bytes]) -> None:
    store, _ = ct_store()
    assert inclusion_path(leaf - 1, size, store) == path


InclusionArgs = tuple[int, int, bytes, list[bytes], bytes]
ConsistencyArgs = tuple[int, int, bytes, bytes, list[bytes]]


def inclusion_probes(
    index: int, size: int, path: list[bytes], root_hash: bytes, leaf: bytes
) -> dict[str, InclusionArgs]:
    """transparency-dev/merkle proof/verify_test.go corruptInclusionProof (and the CT
    VerifierCheck): description -> (index, size, leaf, path, root), each one must fail."""
    probes: dict[str, InclusionArgs] = {
        "index - 1": (index - 1, size, leaf, path, root_hash),
        "index + 1": (index + 1, size, leaf, path, root_hash),
        "index ^ 2": (index ^ 2, size, leaf, path, root_hash),
        "size * 2": (index, size * 2, leaf, path, root_hash),
        "size // 2": (index, size // 2, leaf, path, root_hash),
        "wrong leaf": (index, size, b"WrongLeaf", path, root_hash),
        "empty root": (index, size, leaf, path, CT_EMPTY_TREE_HASH),
        "random root": (index, size, leaf, path, SOME_HASH),
        "trailing garbage": (index, size, leaf, [*path, b""], root_hash),
        "trailing root": (index, size, leaf, [*path, root_hash], root_hash),
        "preceding garbage": (index, size, leaf, [b"", *path], root_hash),
        "preceding root": (index, size, leaf, [root_hash, *path], root_hash),
    }
    for i in range(len(path)):
        probes[f"proof[{i}] bit 3"] = (index, size, leaf, flip(path, i, 0, 3), root_hash)
        probes[f"proof[{i}] empty tree hash"] = (
            index,
            size,
            leaf,
            [*path[:i], CT_EMPTY_TREE_HASH, *path[i + 1 :]],
            root_hash,
        )
    if path:
        probes["removed component"] = (index, size, leaf, path[:-1], root_hash)
    if len(path) > 1:
        probes["inserted component"] = (
            index,
            size,
            leaf,
            [path[0], SOME_HASH, *path[1:]],
            root_hash,
        )
    return probes


@pytest.mark.parametrize(("leaf", "size", "path"), CT_PATHS)
def test_published_audit_paths_verify_and_their_corruptions_do_not(
    leaf: int, size: int, path: list[bytes]
) -> None:
    index, root_hash, hashed = leaf - 1, CT_ROOTS[size - 1], leaf_hash(CT_INPUTS[leaf - 1])
    assert verify_inclusion(index, size, hashed, path, root_hash)
    accepted = [
        description
        for description, args in inclusion_probes(index, size, path, root_hash, hashed).items()
        if verify_inclusion(*args)
    ]
    assert accepted == []


def test_inclusion_in_no_tree_or_against_wrong_roots() -> None:
    """CT VerifyPath / transparency-dev TestVerifyInclusion: invalid (index, size) pairs
    and mismatched roots, with an empty path."""
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        assert not verify_inclusion(index, size, SOME_HASH, [], b"")
        assert not verify_inclusion(index, size, b"", [], CT_EMPTY_TREE_HASH)
        assert not verify_inclusion(index, size, SOME_HASH, [], CT_EMPTY_TREE_HASH)
        assert not verify_inclusion(index, size, b"", [], b"")


def test_inclusion_in_a_single_entry_tree() -> None:
    """transparency-dev TestVerifyInclusionSingleEntry: the root is the leaf hash, and a
    leaf hash that is no SHA-256 digest (b"") proves nothing, even against itself."""
    hashed = leaf_hash(b"data")
    assert verify_inclusion(0, 1, hashed, [], hashed)
    assert not verify_inclusion(0, 1, b"", [], hashed)
    assert not verify_inclusion(0, 1, hashed, [], b"")
    assert not verify_inclusion(0, 1, b"", [], b"")
    assert not verify_inclusion(0, 1, hashed, [hashed], hashed)


@pytest.mark.parametrize(("first", "second", "proof"), CT_CONSISTENCY)
def test_published_consistency_proofs(first: int, second: int, proof: list[bytes]) -> None:
    store, _ = ct_store()
    assert consistency_path(first, second, store) == proof


def consistency_probes(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> dict[str, ConsistencyArgs]:
    """transparency-dev/merkle proof/verify_test.go corruptConsistencyProof (and the CT
    VerifierConsistencyCheck): description -> (first, second, root1, root2, proof)."""
    probes: dict[str, ConsistencyArgs] = {
        "first - 1": (first - 1, second, first_root, second_root, proof),
        "first + 1": (first + 1, second, first_root, second_root, proof),
        "first ^ 2": (first ^ 2, second, first_root, second_root, proof),
        "second * 2": (first, second * 2, first_root, second_root, proof),
        "second // 2": (first, second // 2, first_root, second_root, proof),
        "wrong first root": (first, second, b"WrongRoot", second_root, proof),
        "wrong second root": (first, second, first_root, b"WrongRoot", proof),
        "swapped roots": (first, second, second_root, first_root, proof),
        "empty proof": (first, second, first_root, second_root, []),
        "trailing garbage": (first, second, first_root, second_root, [*proof, b""]),
        "trailing root1": (first, second, first_root, second_root, [*proof, first_root]),
        "trailing root2": (first, second, first_root, second_root, [*proof, second_root]),
        "trailing last": (first, second, first_root, second_root, [*proof, proof[-1]]),
        "preceding garbage": (first, second, first_root, second_root, [b"", *proof]),
        "preceding root1": (first, second, first_root, second_root, [first_root, *proof]),
        "preceding root2": (first, second, first_root, second_root, [second_root, *proof]),
        "preceding proof[0]": (first, second, first_root, second_root, [proof[0], *proof]),
        "truncated proof": (first, second, first_root, second_root, proof[:-1]),
    }
    for i in range(len(proof)):
        probes[f"proof[{i}] bit 4"] = (first, second, first_root, second_root, flip(proof, i, 0, 4))
        probes[f"proof[{i}] empty tree hash"] = (
            first,
            second,
            first_root,
            second_root,
            [*proof[:i], CT_EMPTY_TREE_HASH, *proof[i + 1 :]],
        )
    return probes


@pytest.mark.parametrize(("first", "second", "proof"), CT_CONSISTENCY)
def test_published_consistency_proofs_verify_and_their_corruptions_do_not(
    first: int, second: int, proof: list[bytes]
) -> None:
    first_root, second_root = CT_ROOTS[first - 1], CT_ROOTS[second - 1]
    assert verify_consistency(first, second, first_root, second_root, proof)
    if not proof:  # as in both suites: only non-trivial proofs are corrupted
        return
    accepted = [
        description
        for description, args in consistency_probes(
            first, second, first_root, second_root, proof
        ).items()
        if verify_consistency(*args)
    ]
    assert accepted == []


def test_consistency_edge_cases() -> None:
    """CT VerifyConsistencyProof / transparency-dev TestVerifyConsistency, with one
    deliberate difference: those tests take the empty tree (size 0) as consistent with
    every tree, but RFC 9162 §2.1.4 defines proofs only for 0 < first, and we answer False,
    as transparency-dev/merkle proof/verify.go itself now does ("consistency proof from
    empty tree is meaningless")."""
    one, other = b"don't care 1", b"don't care 2"
    assert verify_consistency(1, 1, other, other, [])  # first == second: roots equal
    assert not verify_consistency(1, 1, one, other, [])
    assert not verify_consistency(1, 1, CT_EMPTY_TREE_HASH, other, [])
    assert not verify_consistency(
        1, 1, CT_EMPTY_TREE_HASH, CT_EMPTY_TREE_HASH, [CT_EMPTY_TREE_HASH]
    )  # equal roots, non-empty proof
    assert not verify_consistency(1, 0, one, other, [])  # time travel to the past
    assert not verify_consistency(2, 1, one, other, [])
    assert not verify_consistency(8, 6, CT_ROOTS[7], CT_ROOTS[5], CT_CONSISTENCY[2][2])
    assert not verify_consistency(1, 2, one, other, [])  # empty proof
    assert not verify_consistency(1, 2, CT_ROOTS[0], CT_ROOTS[1], [])
    for second in (0, 1, 8):  # size 0
        assert not verify_consistency(0, second, CT_EMPTY_TREE_HASH, CT_EMPTY_TREE_HASH, [])
        assert not verify_consistency(
            0, second, CT_EMPTY_TREE_HASH, CT_EMPTY_TREE_HASH, [CT_EMPTY_TREE_HASH]
        )
    assert not verify_consistency(-1, 8, CT_ROOTS[0], CT_ROOTS[7], CT_CONSISTENCY[1][2])


def test_a_proof_for_a_different_tree_does_not_verify() -> None:
    """Right sizes, right shape, the roots of another log."""
    other_store, _ = build([data + b"!" for data in CT_INPUTS])
    other_root = root(8, other_store.__getitem__)
    for leaf, size, path in CT_PATHS[1:]:
        assert not verify_inclusion(
            leaf - 1,
            size,
            leaf_hash(CT_INPUTS[leaf - 1]),
            path,
            root(size, other_store.__getitem__),
        )
    for first, second, proof in CT_CONSISTENCY[1:]:
        assert not verify_consistency(
            first,
            second,
            root(first, other_store.__getitem__),
            root(second, other_store.__getitem__),
            proof,
        )
    assert not verify_consistency(6, 8, CT_ROOTS[5], other_root, CT_CONSISTENCY[2][2])


def test_every_proof_of_the_reference_tree_verifies() -> None:
    store, _ = ct_store()
    for size in range(1, 9):
        for index in range(size):
            path = inclusion_path(index, size, store)
            assert verify_inclusion(
                index, size, leaf_hash(CT_INPUTS[index]), path, CT_ROOTS[size - 1]
            )
        for first in range(1, size + 1):
            proof = consistency_path(first, size, store)
            assert verify_consistency(first, size, CT_ROOTS[first - 1], CT_ROOTS[size - 1], proof)


def test_proof_ranges_refuse_impossible_requests() -> None:
    for index, size in [(0, 0), (1, 1), (-1, 5), (5, 5)]:
        with pytest.raises(ValueError, match="not in a tree"):
            inclusion_ranges(index, size)
    for first, second in [(0, 0), (0, 5), (6, 5), (-1, 5)]:
        with pytest.raises(ValueError, match="no consistency proof"):
            consistency_ranges(first, second)
    assert consistency_ranges(5, 5) == []
    with pytest.raises(ValueError, match="empty leaf range"):
        range_nodes(3, 3)


# ---------------------------------------------------------------------------------------
# 2. Properties against a naive implementation of the RFC 9162 §2.1 definitions
# ---------------------------------------------------------------------------------------


def rfc_k(n: int) -> int:
    """§2.1.1: "k be the largest power of two smaller than n (i.e., k < n <= 2k)"."""
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def rfc_mth(d: Sequence[bytes]) -> bytes:
    """§2.1.1 MTH(D[n])."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = rfc_k(len(d))
    return hashlib.sha256(b"\x01" + rfc_mth(d[:k]) + rfc_mth(d[k:])).digest()


def rfc_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """§2.1.3.1 PATH(m, D[n])."""
    if len(d) == 1:
        return []
    k = rfc_k(len(d))
    if m < k:
        return [*rfc_path(m, d[:k]), rfc_mth(d[k:])]
    return [*rfc_path(m - k, d[k:]), rfc_mth(d[:k])]


def rfc_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """§2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return rfc_subproof(m, d, True)


def rfc_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [rfc_mth(d)]
    k = rfc_k(n)
    if m <= k:
        return [*rfc_subproof(m, d[:k], b), rfc_mth(d[k:])]
    return [*rfc_subproof(m - k, d[k:], False), rfc_mth(d[:k])]


@dataclass(frozen=True)
class Tree:
    leaves: list[bytes]
    store: Store
    frontier: Frontier

    @property
    def size(self) -> int:
        return len(self.leaves)


@st.composite
def trees(draw: st.DrawFn, max_size: int = 300) -> Tree:
    """Distinct random leaves (so no two subtrees hash alike), appended one by one."""
    size = draw(st.integers(1, max_size))
    salt = draw(st.binary(max_size=12))
    leaves = [salt + index.to_bytes(2, "big") for index in range(size)]
    store, frontier = build(leaves)
    return Tree(leaves, store, frontier)


def bit_flips(proof_length: int) -> st.SearchStrategy[tuple[int, int, int]]:
    return st.tuples(st.integers(0, proof_length - 1), st.integers(0, 31), st.integers(0, 7))


@QUICK
@given(tree=trees(), data=st.data())
def test_roots_equal_the_rfc_definition(tree: Tree, data: st.DataObject) -> None:
    expected = rfc_mth(tree.leaves)
    assert root(tree.size, tree.store.__getitem__) == expected
    assert tree.frontier.root() == expected
    older = data.draw(st.integers(0, tree.size), label="older size")
    assert root(older, tree.store.__getitem__) == rfc_mth(tree.leaves[:older])


@QUICK
@given(tree=trees(), data=st.data())
def test_any_range_hash_equals_the_rfc_definition(tree: Tree, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, tree.size - 1), label="start")
    end = data.draw(st.integers(start + 1, tree.size), label="end")
    assert range_hash(start, end, tree.store.__getitem__) == rfc_mth(tree.leaves[start:end])
    covered = [
        leaf
        for level, index in range_nodes(start, end)
        for leaf in range(index << level, (index + 1) << level)
    ]
    assert covered == list(range(start, end))


@QUICK
@given(tree=trees(), data=st.data())
def test_audit_paths_equal_the_rfc_definition_and_only_they_verify(
    tree: Tree, data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, tree.size), label="tree size")
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    root_hash = rfc_mth(tree.leaves[:size])
    hashed = leaf_hash(tree.leaves[index])
    path = inclusion_path(index, size, tree.store)
    assert path == rfc_path(index, tree.leaves[:size])
    assert verify_inclusion(index, size, hashed, path, root_hash)
    # Any other index, any corruption the CT suites try, any single flipped bit.
    assert [
        other
        for other in range(-1, size + 1)
        if other != index and verify_inclusion(other, size, hashed, path, root_hash)
    ] == []
    accepted = [
        description
        for description, args in inclusion_probes(index, size, path, root_hash, hashed).items()
        if verify_inclusion(*args)
    ]
    assert accepted == []
    if path:
        element, byte, bit = data.draw(bit_flips(len(path)), label="flipped bit")
        assert not verify_inclusion(index, size, hashed, flip(path, element, byte, bit), root_hash)
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    assert not verify_inclusion(index, size, flip([hashed], 0, byte, bit)[0], path, root_hash)
    assert not verify_inclusion(index, size, hashed, path, flip([root_hash], 0, byte, bit)[0])


@QUICK
@given(tree=trees(), data=st.data())
def test_consistency_proofs_equal_the_rfc_definition_and_only_they_verify(
    tree: Tree, data: st.DataObject
) -> None:
    second = data.draw(st.integers(1, tree.size), label="second")
    first = data.draw(st.integers(1, second), label="first")
    first_root, second_root = rfc_mth(tree.leaves[:first]), rfc_mth(tree.leaves[:second])
    proof = consistency_path(first, second, tree.store)
    assert proof == rfc_proof(first, tree.leaves[:second])
    assert verify_consistency(first, second, first_root, second_root, proof)
    if first == second:
        assert proof == []
        return
    accepted = [
        description
        for description, args in consistency_probes(
            first, second, first_root, second_root, proof
        ).items()
        if verify_consistency(*args)
    ]
    assert accepted == []
    element, byte, bit = data.draw(bit_flips(len(proof)), label="flipped bit")
    assert not verify_consistency(
        first, second, first_root, second_root, flip(proof, element, byte, bit)
    )
    byte, bit = data.draw(st.integers(0, 31)), data.draw(st.integers(0, 7))
    assert not verify_consistency(
        first, second, flip([first_root], 0, byte, bit)[0], second_root, proof
    )
    assert not verify_consistency(
        first, second, first_root, flip([second_root], 0, byte, bit)[0], proof
    )


@QUICK
@given(tree=trees(), data=st.data())
def test_proofs_read_only_the_nodes_nodes_of_names(tree: Tree, data: st.DataObject) -> None:
    """What ``nodes_of`` names is enough (one query), and every such node is complete at
    the tree size asked for, so an older tree's proof reads no newer node."""
    size = data.draw(st.integers(1, tree.size), label="tree size")
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    first = data.draw(st.integers(1, size), label="first")
    for ranges in (inclusion_ranges(index, size), consistency_ranges(first, size)):
        wanted = nodes_of(ranges)
        assert all((i + 1) << level <= size for level, i in wanted)
        fetched = {node: tree.store[node] for node in wanted}
        assert hashes_of(ranges, fetched.__getitem__) == hashes_of(ranges, tree.store.__getitem__)


@QUICK
@given(tree=trees(), data=st.data())
def test_frontier_load_then_append_equals_appending_all(tree: Tree, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, tree.size), label="loaded size")
    store, _ = build(tree.leaves[:cut])
    frontier = Frontier.load(cut, store.__getitem__)
    assert frontier.size == cut
    assert frontier.root() == rfc_mth(tree.leaves[:cut])
    for data_ in tree.leaves[cut:]:
        store.update(frontier.append(leaf_hash(data_)))
    assert store == tree.store
    assert frontier == tree.frontier
    assert frontier.root() == rfc_mth(tree.leaves)


def log2_bound(size: int) -> float:
    return (math.log2(size) + 1) ** 2


@settings(max_examples=200, deadline=None, database=None)
@given(size=st.integers(1, 2**40), data=st.data())
def test_proofs_need_o_log_squared_nodes_up_to_2_to_the_40(size: int, data: st.DataObject) -> None:
    """Counts only, no hashing: a proof in a log of a trillion leaves reads at most
    (log2 n + 1)² stored nodes, every one complete at that size."""
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    first = data.draw(st.integers(1, size), label="first")
    for ranges in (inclusion_ranges(index, size), consistency_ranges(first, size)):
        assert len(ranges) <= (size - 1).bit_length() + 1
        wanted = nodes_of(ranges)
        assert len(wanted) <= log2_bound(size)
        assert all((i + 1) << level <= size for level, i in wanted)
    assert len(range_nodes(0, size)) == size.bit_count()  # Frontier.load reads these


def test_proof_node_counts_at_the_worst_sizes() -> None:
    """The sizes just past a power of two and all-ones sizes, near 2^40."""
    for size in (2**40, 2**40 - 1, 2**39 + 1, 2**40 - 2, 0b1010101010 << 30, 10**12):
        for index in (0, 1, size // 3, size // 2, size - 2, size - 1):
            assert len(nodes_of(inclusion_ranges(index, size))) <= log2_bound(size)
        for first in (1, 2, 3, size // 3, size // 2 + 1, size - 1, size):
            assert len(nodes_of(consistency_ranges(first, size))) <= log2_bound(size)


sizes = st.integers(-(2**70), 2**70)
hashes = st.binary(max_size=40)


@settings(max_examples=150, deadline=None, database=None)
@given(index=sizes, size=sizes, leaf=hashes, path=st.lists(hashes, max_size=48), root_=hashes)
def test_verify_inclusion_never_raises(
    index: int, size: int, leaf: bytes, path: list[bytes], root_: bytes
) -> None:
    assert verify_inclusion(index, size, leaf, path, root_) in (True, False)


@settings(max_examples=150, deadline=None, database=None)
@given(
    first=sizes,
    second=sizes,
    first_root=hashes,
    second_root=hashes,
    path=st.lists(hashes, max_size=48),
)
def test_verify_consistency_never_raises(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> None:
    assert verify_consistency(first, second, first_root, second_root, path) in (True, False)


def shape(index: int, size: int) -> list[bool]:
    """The sides of an audit path, leaf to root: True where the sibling is on the left."""
    return [end <= index for _, end in inclusion_ranges(index, size)]


@QUICK
@given(tree=trees(max_size=64), data=st.data())
def test_an_audit_path_proves_its_leaf_only_where_its_shape_fits(
    tree: Tree, data: st.DataObject
) -> None:
    """Given another tree size (-n..2n), a true path and root verify exactly when the leaf's
    path in a tree of that size has the same sides, that is, the verifier hashes in the
    same order: the root, not the size, is what a path is checked against (RFC 9162
    §2.1.3.2), e.g. leaf 0 has the same path shape in trees of 3 and 4 leaves."""
    size, root_hash = tree.size, tree.frontier.root()
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    hashed = leaf_hash(tree.leaves[index])
    path = inclusion_path(index, size, tree.store)
    for other in range(-size, 2 * size + 1):
        fits = 0 <= index < other and shape(index, other) == shape(index, size)
        assert verify_inclusion(index, other, hashed, path, root_hash) is fits


# ---------------------------------------------------------------------------------------
# 3. An independent verifier: sigstore (Apache-2.0), Rekor's RFC 6962 inclusion check
# ---------------------------------------------------------------------------------------


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def sigstore_verifies_inclusion(
    index: int, size: int, data: bytes, path: Sequence[bytes], root_hash: bytes
) -> bool:
    """sigstore's ``verify_merkle_inclusion`` on a Rekor log entry whose body is the leaf's
    data: sigstore hashes the leaf itself (RFC 6962 0x00 prefix) and chains the path."""
    entry = TransparencyLogEntry(
        rekor_v1.TransparencyLogEntry.model_validate(
            {
                "logIndex": str(index),
                "logId": {"keyId": b64(bytes(32))},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": "0",
                "inclusionProof": {
                    "logIndex": str(index),
                    "treeSize": str(size),
                    "rootHash": b64(root_hash),
                    "hashes": [b64(value) for value in path],
                    "checkpoint": {"envelope": "test"},
                },
                "canonicalizedBody": b64(data),
            }
        )
    )
    try:
        sigstore_merkle.verify_merkle_inclusion(entry)
    except VerificationError:
        return False
    return True


def sigstore_chains_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """A consistency proof checked with sigstore's chaining functions, split as
    transparency-dev/merkle proof/verify.go ``VerifyConsistency`` splits it: the proof
    (after the seed) is the upper part of the audit path of the subtree (level ``shift``,
    index ``(first - 1) >> shift``) in the second tree; its left-hand hashes alone chain
    to the first root. An algorithm other than RFC 9162 §2.1.4.2's, which ours follows."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    inner, border = sigstore_merkle._decomp_inclusion_proof(first - 1, second)
    shift = (first & -first).bit_length() - 1
    inner -= shift
    if not proof:
        return False
    seed, rest = (first_root, list(proof)) if first == 1 << shift else (proof[0], proof[1:])
    if len(rest) != inner + border:
        return False
    mask = (first - 1) >> shift
    lower, upper = list(rest[:inner]), list(rest[inner:])
    second_hash = sigstore_merkle._chain_border_right(
        sigstore_merkle._chain_inner(seed, lower, mask), upper
    )
    left_hashes = [value for level, value in enumerate(lower) if mask >> level & 1]
    first_hash = sigstore_merkle._chain_border_right(
        sigstore_merkle._chain_border_right(seed, left_hashes), upper
    )
    return first_hash == first_root and second_hash == second_root


SIGSTORE_SIZES = [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    15,
    16,
    17,
    31,
    33,
    63,
    100,
    127,
    128,
    129,
    255,
    256,
    257,
    1000,
    1023,
    1024,
    1025,
]


@cache
def big_tree() -> Tree:
    leaves = [f"event {index}".encode() for index in range(max(SIGSTORE_SIZES))]
    store, frontier = build(leaves)
    return Tree(leaves, store, frontier)


def picks(size: int, *, every_below: int = 33) -> list[int]:
    """Every position of a small tree; the edges and a few inner ones of a large one."""
    if size < every_below:
        return list(range(size))
    return sorted({0, 1, size // 3, size // 2, size - 2, size - 1})


def test_sigstore_accepts_the_published_audit_paths() -> None:
    for leaf, size, path in CT_PATHS:
        assert sigstore_verifies_inclusion(
            leaf - 1, size, CT_INPUTS[leaf - 1], path, CT_ROOTS[size - 1]
        )
        if path:  # the harness can fail
            assert not sigstore_verifies_inclusion(
                leaf - 1, size, CT_INPUTS[leaf - 1], flip(path, 0, 0, 3), CT_ROOTS[size - 1]
            )


def test_the_sigstore_consistency_harness_accepts_the_published_proofs() -> None:
    for first, second, proof in CT_CONSISTENCY:
        first_root, second_root = CT_ROOTS[first - 1], CT_ROOTS[second - 1]
        assert sigstore_chains_consistency(first, second, first_root, second_root, proof)
        if proof:
            accepted = [
                description
                for description, args in consistency_probes(
                    first, second, first_root, second_root, proof
                ).items()
                if sigstore_chains_consistency(*args)
            ]
            assert accepted == []


@pytest.mark.parametrize("size", SIGSTORE_SIZES)
def test_sigstore_verifies_our_audit_paths(size: int) -> None:
    tree = big_tree()
    root_hash = root(size, tree.store.__getitem__)
    for index in picks(size):
        path = inclusion_path(index, size, tree.store)
        assert sigstore_verifies_inclusion(index, size, tree.leaves[index], path, root_hash)
        other = (index + 1) % size
        if other != index:  # the harness can fail
            assert not sigstore_verifies_inclusion(other, size, tree.leaves[index], path, root_hash)


@pytest.mark.parametrize("second", SIGSTORE_SIZES)
def test_sigstore_chaining_verifies_our_consistency_proofs(second: int) -> None:
    tree = big_tree()
    second_root = root(second, tree.store.__getitem__)
    for first in {*picks(second), second, second - 1, 1} - {0}:
        first_root = root(first, tree.store.__getitem__)
        proof = consistency_path(first, second, tree.store)
        assert sigstore_chains_consistency(first, second, first_root, second_root, proof)
        if proof:
            assert not sigstore_chains_consistency(
                first, second, first_root, second_root, flip(proof, len(proof) - 1, 31, 0)
            )


@QUICK
@given(tree=trees(), data=st.data())
def test_sigstore_verifies_random_proofs(tree: Tree, data: st.DataObject) -> None:
    second = data.draw(st.integers(1, tree.size), label="tree size")
    index = data.draw(st.integers(0, second - 1), label="leaf index")
    first = data.draw(st.integers(1, second), label="first")
    second_root = root(second, tree.store.__getitem__)
    assert sigstore_verifies_inclusion(
        index, second, tree.leaves[index], inclusion_path(index, second, tree.store), second_root
    )
    assert sigstore_chains_consistency(
        first,
        second,
        root(first, tree.store.__getitem__),
        second_root,
        consistency_path(first, second, tree.store),
    )
