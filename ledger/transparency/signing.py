"""Ed25519 checkpoint signatures (CONTRACT §4) and the key they are made with.

The signature covers the RFC 8785 canonical JSON of ``tree_size``, ``root_hash`` and
``timestamp``, so any language can check it with the served public key.
"""

import base64
import binascii
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.domain.integrity import canonical_json

SIGNED_FIELDS = ("tree_size", "root_hash", "timestamp")


class KeyFileError(Exception):
    """The signing key file cannot be used (unreadable, not a key, or readable by others)."""


def load_or_create_key(
    path: str | Path,
    *,
    may_create: bool = True,
    what: str = "signing key",
    setting: str = "LEDGER_SIGNING_KEY",
) -> Ed25519PrivateKey:
    """The key at ``path`` (PEM, PKCS #8); a new one, readable by its owner only, if the
    file does not exist and ``may_create``. A key file that others may read is refused.
    ``what`` and ``setting`` name the key in the messages (the note key, a witness's)."""
    path = Path(path)
    if not may_create and not path.exists():
        raise KeyFileError(
            f"{what} {path} does not exist, and this ledger already has "
            f"checkpoints signed by its key: point {setting} at that "
            "key file (a new key would sign checkpoints nobody can check "
            "against the published one)"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path, what)
    key = Ed25519PrivateKey.generate()
    with os.fdopen(fd, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        file.flush()
        os.fsync(file.fileno())
    return key


def _read_key(path: Path, what: str) -> Ed25519PrivateKey:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{what} {path} is accessible to other users "
            f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"{what} {path} is not an unencrypted PEM key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{what} {path} is not an Ed25519 key")
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key, as served."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def signed_content(document: dict[str, Any]) -> bytes:
    return canonical_json({name: document[name] for name in SIGNED_FIELDS})


def sign(key: Ed25519PrivateKey, content: bytes) -> str:
    return base64.b64encode(key.sign(content)).decode()


def verify(public_key: str, content: bytes, signature: str) -> bool:
    """Does ``signature`` (base64) sign ``content`` under ``public_key`` (base64 raw)?"""
    try:
        raw_key = base64.b64decode(public_key, validate=True)
        raw_signature = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_signature, content)
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def verify_checkpoint(public_key: str, checkpoint: dict[str, Any]) -> bool:
    try:
        content = signed_content(checkpoint)
    except (KeyError, TypeError, ValueError):
        return False
    return verify(public_key, content, str(checkpoint.get("signature", "")))
