"""A real transparency log for the witness's tests: a Merkle tree of leaves (RFC 6962, the
ledger's ``merkle`` module), checkpoints signed with a fresh Ed25519 note key, and the
consistency proofs between any two of its sizes."""

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.domain import merkle
from ledger.transparency.c2sp import note
from ledger.transparency.c2sp.checkpoint import Checkpoint
from ledger.transparency.c2sp.witness_protocol import AddCheckpoint


class SignedLog:
    def __init__(self, origin: str = "ledger.lincang.example/log", leaves: int = 0) -> None:
        self.origin = origin
        self.signer = note.Ed25519Signer(origin, Ed25519PrivateKey.generate())
        self.frontier = merkle.Frontier()
        self.nodes: dict[merkle.Node, bytes] = {}
        self.forked_at: int | None = None
        self.grow(leaves)

    def fork(self, shared: int) -> "SignedLog":
        """The same log key over another tree that shares only the first ``shared`` leaves
        (a log showing one view to some and another view to others)."""
        other = SignedLog(self.origin)
        other.signer, other.forked_at = self.signer, shared
        other.grow(self.size)
        return other

    @property
    def vkey(self) -> str:
        return note.vkey(self.signer.verifier)

    @property
    def size(self) -> int:
        return self.frontier.size

    def grow(self, leaves: int) -> None:
        for _ in range(leaves):
            index = self.frontier.size
            forked = self.forked_at is not None and index >= self.forked_at
            leaf = merkle.leaf_hash(f"{self.origin} {'fork ' * forked}event {index}".encode())
            self.nodes.update(self.frontier.append(leaf))

    def root(self, size: int) -> bytes:
        return merkle.root(size, self.nodes.__getitem__)

    def checkpoint(
        self,
        size: int,
        root: bytes | None = None,
        signer: note.Ed25519Signer | None = None,
        extensions: tuple[str, ...] = (),
    ) -> str:
        """The signed note of the tree at ``size`` (or of any ``root`` claimed for it)."""
        text = Checkpoint(self.origin, size, self.root(size) if root is None else root, extensions)
        signed = text.text()
        return note.Note(signed, ((signer or self.signer).sign(signed),)).format()

    def proof(self, old: int, new: int) -> tuple[bytes, ...]:
        if old == 0:
            return ()
        ranges = merkle.consistency_ranges(old, new)
        return tuple(merkle.hashes_of(ranges, self.nodes.__getitem__))

    def body(
        self,
        old: int,
        size: int,
        proof: tuple[bytes, ...] | None = None,
        checkpoint: str | None = None,
    ) -> bytes:
        """An ``add-checkpoint`` body for the checkpoint at ``size``, from ``old``."""
        return AddCheckpoint(
            old,
            self.proof(old, size) if proof is None else proof,
            self.checkpoint(size) if checkpoint is None else checkpoint,
        ).body()

    def origin_hash(self) -> str:
        return hashlib.sha256(self.origin.encode()).hexdigest()
