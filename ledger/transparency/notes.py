"""The log's identity in C2SP form (CONTRACT §7.4): its origin and its note key, and the
checkpoint notes it signs.

The origin is fixed by the first note the ledger signed: a start with another origin is
refused, since witnesses and verifiers know the log by it. The note key, like the JSON
checkpoints' key, is generated only for a ledger that has signed no note yet.
"""

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.persistence.ports import MerkleStore
from ledger.transparency import signing
from ledger.transparency.c2sp.checkpoint import Checkpoint
from ledger.transparency.c2sp.note import (
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    parse,
    raw_public_key,
)
from ledger.transparency.c2sp.note import vkey as vkey_of
from ledger.transparency.c2sp.policy import Policy, PolicyError, parse_policy


class PolicyRefused(signing.KeyFileError):
    """LEDGER_WITNESS_POLICY cannot be read, is no tlog-policy, or does not list this log."""


class OriginChanged(signing.KeyFileError):
    """LEDGER_LOG_ORIGIN names another log than the one this ledger's notes were signed as."""


def default_origin(key: Ed25519PrivateKey) -> str:
    """A name nobody else's log takes (``.invalid`` is reserved, RFC 2606) for a ledger
    started without LEDGER_LOG_ORIGIN."""
    return "ledger.invalid/" + hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


@dataclass(frozen=True)
class LogIdentity:
    origin: str
    signer: Ed25519Signer

    @classmethod
    def generated(cls, origin: str | None = None) -> "LogIdentity":
        """A throwaway identity (tests, tools): a new key, never written anywhere."""
        key = Ed25519PrivateKey.generate()
        return cls(origin or default_origin(key), Ed25519Signer(origin or default_origin(key), key))

    @property
    def verifier(self) -> Ed25519Verifier:
        return self.signer.verifier

    @property
    def vkey(self) -> str:
        """``<origin>+<hex key id>+<base64(0x01 ‖ key)>``, as ``/log/vkey`` serves it."""
        return vkey_of(self.verifier)

    def sign(self, tree_size: int, root: bytes) -> Note:
        text = Checkpoint(self.origin, tree_size, root).text()
        return Note(text, (self.signer.sign(text),))


def open_identity(tables: MerkleStore, key_path: str, origin: str | None) -> LogIdentity:
    """The identity of the log whose notes ``tables`` hold, with the note key at
    ``key_path`` and the configured ``origin`` (None: the one already signed)."""
    first = tables.first_note()
    key = signing.load_or_create_key(
        key_path, may_create=first is None, what="note key", setting="LEDGER_NOTE_KEY"
    )
    signed_origin = first.origin if first is not None else None
    chosen = origin or signed_origin or default_origin(key)
    if signed_origin is not None and chosen != signed_origin:
        raise OriginChanged(
            f"LEDGER_LOG_ORIGIN is {chosen}, but this ledger's checkpoints were signed as "
            f"{signed_origin}: witnesses and verifiers know the log by that name. Unset "
            f"LEDGER_LOG_ORIGIN or set it to {signed_origin}"
        )
    identity = LogIdentity(chosen, Ed25519Signer(chosen, key))
    latest = tables.latest_note()
    if latest is not None and not _signed_by(latest.note, identity.verifier):
        raise signing.KeyFileError(
            f"note key {key_path} did not sign this ledger's checkpoint notes: point "
            "LEDGER_NOTE_KEY at the key that did (witnesses refuse notes of another key)"
        )
    return identity


def _signed_by(text: str, verifier: Ed25519Verifier) -> bool:
    note = parse(text)
    return any(
        (s.name, s.key_id) == (verifier.name, verifier.key_id)
        and verifier.verify(note.text.encode(), s.signature)
        for s in note.signatures
    )


def cosigned_note(tables: MerkleStore, tree_size: int) -> str | None:
    """The note of ``tree_size`` as the log signed it, followed by every cosignature line
    gathered for it (None: no note of that size). Lines are stored as the witnesses
    answered them; each is checked by whoever reads the note, against their own policy."""
    stored = tables.note(tree_size)
    if stored is None:
        return None
    lines = (
        c.line if c.line.endswith("\n") else c.line + "\n" for c in tables.cosignatures(tree_size)
    )
    return stored.note + "".join(lines)


def load_policy(path: str, identity: LogIdentity) -> Policy:
    """The witness policy at ``path``; it must list this log's own verifier key (the
    policy is what verifiers of this log's proofs are given, so it must name this log)."""
    try:
        with open(path, encoding="utf-8") as file:
            policy = parse_policy(file.read(1024 * 1024))
    except OSError as error:
        raise PolicyRefused(f"witness policy {path} cannot be read: {error}") from None
    except (UnicodeDecodeError, PolicyError) as error:
        raise PolicyRefused(f"witness policy {path}: {error}") from None
    if identity.verifier not in policy.log_verifiers():
        raise PolicyRefused(
            f"witness policy {path} does not list this log's key: add the line "
            f"'log {identity.vkey}'"
        )
    return policy


def policy_of_log(identity: LogIdentity) -> Policy:
    """The policy of a log that asks for no witness: its own key, quorum none."""
    return parse_policy(f"log {identity.vkey}\nquorum none\n")
