"""What the witness answers to an ``add-checkpoint`` (c2sp.org/tlog-witness), decided from
its state and the request alone: no file, no clock, no network.

The checks run in the spec's order; the first that fails is the answer. Only a checkpoint
that passes them all is cosigned, and the answer carries the log's new record, which the
caller must persist before it answers (the spec's "persist before responding").
"""

import hashlib
from dataclasses import dataclass

from ledger.domain.merkle import EMPTY_ROOT, verify_consistency
from ledger.transparency.c2sp import note
from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.witness_protocol import SIZE_CONTENT_TYPE, parse_add_checkpoint
from ledger.transparency.witness.state import Cosigned, LogRecord, StateFileError, WitnessState

TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = TEXT


@dataclass(frozen=True)
class Decision:
    answer: Answer
    origin: str = ""
    record: LogRecord | None = None  # set only when cosigned: persist it, then answer


class LogKeyRefused(ValueError):
    """A log key the witness will not trust (wrong type, another name, a second key)."""


def _refused(status: int, why: str) -> Decision:
    return Decision(Answer(status, why.rstrip("\n") + "\n"))


def decide(
    state: WitnessState, body: bytes, cosigner: note.CosignatureSigner, now: int
) -> Decision:
    """The answer to one ``add-checkpoint`` body; ``now`` is the current POSIX time."""
    try:
        request = parse_add_checkpoint(body)
        submitted = note.parse(request.checkpoint)
        checkpoint = parse_checkpoint(submitted.text)
    except note.NoteError as error:
        return _refused(400, f"malformed add-checkpoint request: {error}")
    record = state.logs.get(checkpoint.origin)
    if record is None:
        return _refused(404, f"unknown log origin {checkpoint.origin[:200]!r}")
    try:
        note.open_note(submitted, [log_verifier(record)])
    except note.NoteNotVerified as error:
        return _refused(403, f"checkpoint not signed by the log's trusted key: {error}")
    latest = record.latest
    latest_size = latest.size if latest is not None else 0
    if request.old_size > checkpoint.size:
        return _refused(
            400, f"old size {request.old_size} is larger than the checkpoint's {checkpoint.size}"
        )
    if request.old_size != latest_size:
        return Decision(Answer(409, f"{latest_size}\n", SIZE_CONTENT_TYPE))
    inconsistency = _inconsistency(latest, request.old_size, request.proof, checkpoint)
    if inconsistency:
        return _refused(422, inconsistency)
    timestamp = max(now, latest.timestamp if latest is not None else 1, 1)
    cosignature = cosigner.sign(submitted.text, timestamp).line()
    cosigned = Cosigned(
        request.checkpoint, checkpoint.size, checkpoint.root, cosignature, timestamp
    )
    return Decision(Answer(200, cosignature), checkpoint.origin, LogRecord(record.vkey, cosigned))


def _inconsistency(
    latest: Cosigned | None, old_size: int, proof: tuple[bytes, ...], checkpoint: Checkpoint
) -> str:
    """Why ``checkpoint`` does not extend the latest cosigned one ("" when it does);
    ``old_size`` is the latest one's size."""
    if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
        return "a checkpoint of size 0 must have the empty tree's root, SHA-256 of ''"
    if old_size == 0:
        if proof:
            return "old size 0 needs no consistency proof, yet one was sent"
        return ""
    latest_root = latest.root if latest is not None else EMPTY_ROOT  # old_size > 0: never None
    if checkpoint.size == old_size:
        if checkpoint.root != latest_root:
            return f"a different root at the cosigned size {old_size}: the log forked"
        return "" if not proof else "a checkpoint of the cosigned size needs no proof"
    if not verify_consistency(old_size, checkpoint.size, latest_root, checkpoint.root, proof):
        return (
            f"the consistency proof from size {old_size} to {checkpoint.size} "
            "does not verify against the cosigned root"
        )
    return ""


def log_verifier(record: LogRecord) -> note.Ed25519Verifier:
    verifier = note.parse_vkey(record.vkey)
    if not isinstance(verifier, note.Ed25519Verifier):  # trust_log admits no other kind
        raise StateFileError(f"the state trusts a log key of another type: {record.vkey}")
    return verifier


def trust_log(state: WitnessState, origin: str, vkey: str) -> WitnessState:
    """The state with ``origin``'s log trusted under ``vkey``; the same state if it already
    is. ``LogKeyRefused`` for a key of another type or name, or a second key."""
    try:
        verifier = note.parse_vkey(vkey)
    except note.NoteError as error:
        raise LogKeyRefused(str(error)) from None
    if not isinstance(verifier, note.Ed25519Verifier):
        raise LogKeyRefused(
            f"{vkey.strip()[:80]!r} is a key of signature type {verifier.signature_type:#04x}; "
            f"a log signs its checkpoints with an Ed25519 note key, type 0x01"
        )
    if verifier.name != origin:
        raise LogKeyRefused(
            f"the key is named {verifier.name!r}, not the origin {origin!r}: a log's key "
            "name is its checkpoints' origin line"
        )
    canonical = note.vkey(verifier)
    known = state.logs.get(origin)
    if known is not None:
        if known.vkey == canonical:
            return state
        raise LogKeyRefused(
            f"origin {origin!r} is already trusted under another key ({known.vkey}); "
            "a log keeps one key"
        )
    return state.with_log(origin, LogRecord(canonical))


def origin_hash(origin: str) -> str:
    """The monitoring path's name for a log: lowercase hex SHA-256 of its origin."""
    return hashlib.sha256(origin.encode()).hexdigest()


def monitored_checkpoint(record: LogRecord) -> str | None:
    """The latest cosigned checkpoint with the log's signature(s) the witness verified and
    its own cosignature; ``None`` if it never cosigned one for this log."""
    if record.latest is None:
        return None
    opened = note.open_note(record.latest.note, [log_verifier(record)])
    cosignature = note.parse_signature_line(record.latest.cosignature.rstrip("\n"))
    return note.Note(opened.note.text, (*opened.verified, cosignature)).format()
