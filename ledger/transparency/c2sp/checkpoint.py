"""Checkpoints (c2sp.org/tlog-checkpoint@v1.0.0): the note text ``<origin>\\n<tree
size>\\n<base64 root>\\n``, extension lines after it."""

import base64
import binascii
import re
from dataclasses import dataclass

from ledger.transparency.c2sp.note import NoteError

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("a checkpoint's text ends in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash")
    origin, size, root, *extensions = lines
    if not origin:
        raise NoteError("a checkpoint's origin is not empty")
    if not _SIZE.fullmatch(size) or int(size) >= 1 << 63:
        raise NoteError(f"tree size {size[:30]!r} is not a decimal without leading zeros")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise NoteError("a checkpoint's root hash is base64") from None
    if len(root_hash) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("a checkpoint's extension lines are not empty")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def parse_hashes(lines: list[str], what: str, most: int = 63) -> tuple[bytes, ...]:
    """Lines of base64 SHA-256 hashes (a proof's), at most ``most`` of them."""
    if len(lines) > most:
        raise NoteError(f"at most {most} {what} lines")
    hashes = []
    for line in lines:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error:
            raise NoteError(f"a {what} line is base64") from None
        if len(digest) != 32:
            raise NoteError(f"a {what} line is a 32-byte hash")
        hashes.append(digest)
    return tuple(hashes)
