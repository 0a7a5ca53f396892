"""The body of tlog-witness's ``add-checkpoint`` (c2sp.org/tlog-witness): ``old <size>``,
up to 63 base64 consistency-proof hashes, a blank line, then the signed checkpoint."""

import base64
import re
from dataclasses import dataclass

from ledger.transparency.c2sp.checkpoint import parse_hashes
from ledger.transparency.c2sp.note import MAX_NOTE_BYTES, NoteError

MAX_PROOF_LINES = 63
MAX_BODY_BYTES = MAX_NOTE_BYTES + (MAX_PROOF_LINES + 2) * 64
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim

    def body(self) -> bytes:
        lines = [f"old {self.old_size}"] + [base64.b64encode(h).decode() for h in self.proof]
        return ("\n".join(lines) + "\n\n" + self.checkpoint).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    if len(body) > MAX_BODY_BYTES:
        raise NoteError(f"an add-checkpoint body is at most {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise NoteError("an add-checkpoint body is UTF-8") from None
    head, blank, checkpoint = text.partition("\n\n")
    if not blank:
        raise NoteError("an add-checkpoint body has its old size and proof, a blank line, a note")
    old, *proof_lines = head.split("\n")
    match = _OLD.fullmatch(old)
    if match is None:
        raise NoteError(f"the first line {old[:40]!r} is not 'old <size>'")
    proof = parse_hashes(proof_lines, "consistency proof", MAX_PROOF_LINES)
    return AddCheckpoint(int(match.group(1)), proof, checkpoint)


def parse_size_body(body: bytes) -> int:
    """A 409 answer's body: the witness's latest cosigned size and a newline."""
    text = body.decode("ascii", errors="replace")
    if not re.fullmatch(r"(0|[1-9][0-9]{0,19})\n", text):
        raise NoteError(f"a witness's size answer {text[:40]!r} is not '<size>\\n'")
    return int(text[:-1])
