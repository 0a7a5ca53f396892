"""Signed notes (c2sp.org/signed-note@v1.0.0) with Ed25519 signatures (type 0x01) and
timestamped Ed25519 cosignatures (type 0x04, c2sp.org/tlog-cosignature).

A note is text ending in a newline, a blank line, then one signature line per signer:
``— <key name> base64(key id ‖ signature)``. A verifier is known by the pair (key name,
key id); a signature from an unknown pair is ignored, one from a known pair must verify.
"""

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 64  # the spec asks verifiers to accept at least 16
MAX_NOTE_BYTES = 64 * 1024
_DASH = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SPACES = re.compile(r"\s")


class NoteError(ValueError):
    """A note, a signature line or a verifier key that does not follow the format."""


class NoteNotVerified(NoteError):
    """No known key signed the note, or a known key's signature fails."""


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:4]


def check_key_name(name: str) -> str:
    if not name or _SPACES.search(name) or "+" in name or _CONTROL.search(name):
        raise NoteError(f"key name {name!r} is empty or holds a space, a plus or a control")
    return name


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # without the key id

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode()
        return f"{_DASH}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    text: str  # ends in a newline; excludes the blank line
    signatures: tuple[Signature, ...]

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, more: Iterable[Signature]) -> "Note":
        """The note with ``more`` appended, dropping repeats of the same (name, key id)."""
        seen = {(s.name, s.key_id) for s in self.signatures}
        added = []
        for signature in more:
            if (signature.name, signature.key_id) not in seen:
                seen.add((signature.name, signature.key_id))
                added.append(signature)
        return Note(self.text, self.signatures + tuple(added))


def parse_signature_line(line: str) -> Signature:
    if not line.startswith(_DASH):
        raise NoteError(f"signature line {line[:80]!r} does not start with an em dash and a space")
    name, space, encoded = line[len(_DASH) :].partition(" ")
    check_key_name(name)
    if not space or " " in encoded:
        raise NoteError(f"signature line {line[:80]!r} is not '— <name> <base64>'")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise NoteError(f"signature of {name} is not base64") from None
    if len(raw) < 5:
        raise NoteError(f"signature of {name} is shorter than a key id and a signature")
    return Signature(name, raw[:4], raw[4:])


def parse_signatures(data: str) -> tuple[Signature, ...]:
    """Signature lines, each ending in a newline (a witness's add-checkpoint answer)."""
    if not data.endswith("\n"):
        raise NoteError("signature lines must end in a newline")
    lines = data[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return tuple(parse_signature_line(line) for line in lines)


def parse(data: bytes | str) -> Note:
    """A signed note's text and signature lines, checked for form (not for trust)."""
    if isinstance(data, bytes):
        if len(data) > MAX_NOTE_BYTES:
            raise NoteError(f"a note is at most {MAX_NOTE_BYTES} bytes")
        try:
            data = data.decode()
        except UnicodeDecodeError:
            raise NoteError("a note is UTF-8") from None
    if _CONTROL.search(data):
        raise NoteError("a note holds no control character but newline")
    split = data.rfind("\n\n")
    if split < 0:
        raise NoteError("a note has its text, a blank line, then its signatures")
    text, signatures = data[: split + 1], data[split + 2 :]
    return Note(text, parse_signatures(signatures))


class Verifier(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def key_id(self) -> bytes: ...
    @property
    def signature_type(self) -> int: ...
    @property
    def public_key(self) -> bytes: ...
    def verify(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class Ed25519Verifier:
    """A log's key (type 0x01): the signature is Ed25519 over the note text."""

    name: str
    public_key: bytes
    signature_type: int = ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        return _ed25519_verifies(self.public_key, signature, text)


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's key (type 0x04): the signature is a big-endian u64 timestamp and an
    Ed25519 signature over ``cosignature/v1``, ``time <t>`` and the note text."""

    name: str
    public_key: bytes
    signature_type: int = COSIGNATURE_V1

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.signature_type, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp >= 1 << 63:
            return False
        return _ed25519_verifies(self.public_key, signature[8:], cosigned_message(text, timestamp))


def cosignature_timestamp(signature: Signature) -> int:
    if len(signature.signature) != 8 + 64:
        raise NoteError(f"cosignature of {signature.name} is not a timestamp and a signature")
    return int(struct.unpack(">Q", signature.signature[:8])[0])


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def _ed25519_verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def vkey(verifier: Verifier) -> str:
    """``<name>+<hex key id>+<base64(type ‖ public key)>``."""
    material = base64.b64encode(bytes([verifier.signature_type]) + verifier.public_key).decode()
    return f"{verifier.name}+{verifier.key_id.hex()}+{material}"


def parse_vkey(text: str) -> Ed25519Verifier | CosignatureVerifier:
    """A verifier key of type 0x01 (a log) or 0x04 (a witness); its key id must match."""
    name, plus, rest = text.strip().partition("+")
    hex_id, plus2, material = rest.partition("+")
    if not (plus and plus2):
        raise NoteError(f"verifier key {text[:80]!r} is not <name>+<hex id>+<base64 key>")
    check_key_name(name)
    try:
        raw = base64.b64decode(material, validate=True)
        stated_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise NoteError(f"verifier key {text[:80]!r}: bad hex id or base64 key") from None
    if len(hex_id) != 8 or len(raw) != 33:
        raise NoteError(f"verifier key {text[:80]!r}: want a 4-byte id and an Ed25519 key")
    verifier: Ed25519Verifier | CosignatureVerifier
    if raw[0] == ED25519:
        verifier = Ed25519Verifier(name, raw[1:])
    elif raw[0] == COSIGNATURE_V1:
        verifier = CosignatureVerifier(name, raw[1:])
    else:
        raise NoteError(
            f"verifier key {text[:80]!r}: signature type {raw[0]:#04x} is not supported"
        )
    if verifier.key_id != stated_id:
        raise NoteError(f"verifier key {text[:80]!r}: its id does not match its name and key")
    return verifier


class Ed25519Signer:
    """Signs note texts as a log (type 0x01)."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.verifier = Ed25519Verifier(check_key_name(name), raw_public_key(key))

    def sign(self, text: str) -> Signature:
        return Signature(self.verifier.name, self.verifier.key_id, self.key.sign(text.encode()))


class CosignatureSigner:
    """Cosigns checkpoints as a witness (type 0x04) at a given POSIX time."""

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        self.key = key
        self.verifier = CosignatureVerifier(check_key_name(name), raw_public_key(key))

    def sign(self, text: str, timestamp: int) -> Signature:
        if not 0 < timestamp < 1 << 63:
            raise ValueError(f"a cosignature's timestamp is a positive u64 below 2^63: {timestamp}")
        signature = self.key.sign(cosigned_message(text.encode(), timestamp))
        return Signature(
            self.verifier.name, self.verifier.key_id, struct.pack(">Q", timestamp) + signature
        )


@dataclass(frozen=True)
class Opened:
    note: Note
    verified: tuple[Signature, ...]  # by known keys, each checked

    def signed_by(self, verifier: Verifier) -> bool:
        return any((s.name, s.key_id) == (verifier.name, verifier.key_id) for s in self.verified)


def open_note(data: bytes | str | Note, verifiers: Sequence[Verifier]) -> Opened:
    """The note if at least one known key signed it and every known key's signature
    verifies; signatures from unknown keys are ignored (signed-note's rules)."""
    note = data if isinstance(data, Note) else parse(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode()
    verified = []
    for signature in note.signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text, signature.signature):
            raise NoteNotVerified(f"the signature of {signature.name} does not verify")
        verified.append(signature)
    if not verified:
        raise NoteNotVerified("no known key signed this note")
    return Opened(note, tuple(verified))
