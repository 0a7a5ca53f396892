"""The witness an audit office runs (CONTRACT §7.4): its key, its state file, and the two
things it does — cosign a log's checkpoint, serve the latest one it cosigned."""

import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.c2sp import note
from ledger.transparency.signing import load_or_create_key
from ledger.transparency.witness.decision import (
    Answer,
    decide,
    monitored_checkpoint,
    origin_hash,
    trust_log,
)
from ledger.transparency.witness.state import StateFile


def witness_key(path: str | Path) -> Ed25519PrivateKey:
    """The witness's Ed25519 key (PEM), generated readable by its owner only if the file
    does not exist; ``KeyFileError`` for a file others can read or that holds no such key."""
    return load_or_create_key(path)


def cosigner(name: str, key: Ed25519PrivateKey) -> note.CosignatureSigner:
    return note.CosignatureSigner(name, key)


def add_log(state_file: StateFile, origin: str, vkey: str) -> bool:
    """Trusts ``origin``'s log under ``vkey``; False if it already was (nothing written).
    Safe while ``serve`` runs on the same file: it waits for the same lock."""
    with state_file.locked() as state:
        updated = trust_log(state, origin, vkey)
        if updated is state:
            return False
        state_file.write(updated)
        return True


class Witness:
    def __init__(
        self,
        signer: note.CosignatureSigner,
        state_file: StateFile,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.state_file = state_file
        self.clock = clock

    def add_checkpoint(self, body: bytes) -> Answer:
        """The check of the old size and the write of the new checkpoint happen under one
        lock, so two submissions can never roll the log's size back."""
        with self.state_file.locked() as state:
            decision = decide(state, body, self.signer, int(self.clock()))
            if decision.record is not None:
                self.state_file.write(state.with_log(decision.origin, decision.record))
        return decision.answer

    def latest_checkpoint(self, hashed_origin: str) -> str | None:
        # The file is replaced whole on each write, so a read without the lock sees one
        # state or the next, never half of one.
        for origin, record in self.state_file.read().logs.items():
            if origin_hash(origin) == hashed_origin:
                return monitored_checkpoint(record)
        return None
