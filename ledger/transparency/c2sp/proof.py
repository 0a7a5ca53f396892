"""Offline proofs (c2sp.org/tlog-proof@v1): an entry's index, its inclusion path and the
(cosigned) checkpoint it is proven against, in one text file."""

import base64
import binascii
import re
from dataclasses import dataclass

from ledger.transparency.c2sp.checkpoint import parse_hashes
from ledger.transparency.c2sp.note import NoteError

HEADER = "c2sp.org/tlog-proof@v1"
EXTENSION = ".tlog-proof"
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class TlogProof:
    index: int
    path: tuple[bytes, ...]  # from the leaf's sibling up to the root's child
    checkpoint: str  # the signed note, verbatim
    extra: bytes | None = None

    def format(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.path]
        return "\n".join(lines) + "\n\n" + self.checkpoint


def parse_proof(text: str) -> TlogProof:
    head, blank, checkpoint = text.partition("\n\n")
    if not blank:
        raise NoteError("a tlog proof has its index and path, a blank line, the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise NoteError(f"a tlog proof starts with {HEADER}")
    position, extra = 1, None
    if len(lines) > 1 and lines[1].startswith("extra "):
        try:
            extra = base64.b64decode(lines[1][len("extra ") :], validate=True)
        except binascii.Error:
            raise NoteError("the extra line is base64") from None
        position = 2
    if len(lines) <= position or not (match := _INDEX.fullmatch(lines[position])):
        raise NoteError("a tlog proof names its entry's index: 'index <n>'")
    path = parse_hashes(lines[position + 1 :], "inclusion proof")
    return TlogProof(int(match.group(1)), path, checkpoint, extra)
