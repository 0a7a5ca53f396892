"""The key that seals personal values at rest (``LEDGER_PERSONAL_DATA_KEY``): 32 random
bytes, written base64 in a file readable by its owner only, generated on first start like
the signing key.

A start is refused, with a message saying what to do, rather than served wrong: a key
file others can read; no key file while the ledger holds sealed values (a new key would
open none of them); a key that does not open them (another ledger's key file). Past start,
every value opens: a row that does not is corruption (``PersonalDataCorrupted``).
"""

import base64
import binascii
import contextlib
import os
import secrets
import stat
import tempfile
from pathlib import Path

from ledger.persistence.ports import PersonalDataStore
from ledger.personal.vault import PersonalDataCorrupted, PersonalVault

KEY_BYTES = 32


class PersonalKeyError(Exception):
    """The personal-data key file cannot be used: the message says why."""


def load_or_create_personal_key(path: str | Path, *, may_create: bool = True) -> bytes:
    """The key at ``path``; a new one if the file does not exist and ``may_create`` (a
    ledger that already holds sealed values must be given the key that sealed them)."""
    path = Path(path)
    if not path.exists():
        if not may_create:
            raise PersonalKeyError(
                f"personal-data key {path} does not exist, and this ledger already holds "
                "personal values sealed with a key: point LEDGER_PERSONAL_DATA_KEY at that "
                "key file (a new key opens none of them)"
            )
        _create(path)
    return _read(path)


def personal_key_for(store: PersonalDataStore, path: str | Path) -> bytes:
    """The key of ``path`` for the ledger whose store is ``store``: created only while the
    store holds nothing, and checked against one of its sealed values."""
    key = load_or_create_personal_key(path, may_create=not store.holds_any())
    probe = store.a_sealed_row()
    if probe is not None:
        try:
            PersonalVault(store, key).open_row(probe)
        except PersonalDataCorrupted:
            raise PersonalKeyError(
                f"personal-data key {path} does not open the personal values this ledger "
                "holds: it is not the key that sealed them (another ledger's key, or a new "
                "one). Point LEDGER_PERSONAL_DATA_KEY at the key file that sealed them; "
                "without it their names, ID numbers and birth dates cannot be read"
            ) from None
    return key


def _create(path: Path) -> None:
    """Writes a new key beside ``path`` and links it into place: never a half-written key
    for a process starting at the same moment, never one key replacing another."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".personal-key-")
    try:
        with os.fdopen(fd, "wb") as file:  # mkstemp makes it 0600
            file.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)) + b"\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: that one
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PersonalKeyError(
            f"personal-data key {path} is accessible to other users "
            f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
        )
    try:
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise PersonalKeyError(
            f"personal-data key {path} is not {KEY_BYTES} bytes written in base64"
        )
    return key
