"""Trust policies (c2sp.org/tlog-policy): the logs and witnesses one trusts and the quorum
of cosignatures a checkpoint needs; and checking a checkpoint against one."""

from dataclasses import dataclass, field

from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.note import (
    COSIGNATURE_V1,
    ED25519,
    CosignatureVerifier,
    Ed25519Verifier,
    Note,
    NoteError,
    NoteNotVerified,
    open_note,
    parse,
    parse_vkey,
)

MAX_ENTRIES = 64


class PolicyError(ValueError):
    """A policy file that does not follow tlog-policy; the message names the line."""


@dataclass(frozen=True)
class Witness:
    name: str  # the policy's name for it
    verifier: CosignatureVerifier
    url: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    logs: tuple[tuple[Ed25519Verifier, str | None], ...]
    witnesses: dict[str, Witness]
    groups: dict[str, Group]
    quorum: str  # a witness, a group, or "none"
    text: str = field(default="", compare=False)

    def met_by(self, cosigned: set[str]) -> bool:
        """Do the witnesses named ``cosigned`` (policy names) meet the quorum?"""
        return self.quorum == "none" or self._witnessed(self.quorum, cosigned)

    def _witnessed(self, name: str, cosigned: set[str]) -> bool:
        group = self.groups.get(name)
        if group is None:
            return name in cosigned
        return sum(self._witnessed(m, cosigned) for m in group.members) >= group.threshold

    def log_verifiers(self) -> list[Ed25519Verifier]:
        return [verifier for verifier, _ in self.logs]


@dataclass(frozen=True)
class Verdict:
    checkpoint: Checkpoint
    note: Note
    cosigned_by: frozenset[str]  # policy names of the witnesses whose cosignature verified
    quorum_met: bool


def check_checkpoint(policy: Policy, data: str | bytes | Note) -> Verdict:
    """The checkpoint if a listed log signed it; which witnesses cosigned it and whether
    they meet the quorum. ``NoteError`` if no listed log signed it or a signature from a
    known key fails; an origin that is not the log key's name is refused too."""
    note = data if isinstance(data, Note) else parse(data)
    signed = open_note(note, policy.log_verifiers())
    checkpoint = parse_checkpoint(note.text)
    if not any(checkpoint.origin == s.name for s in signed.verified):
        raise NoteNotVerified(f"origin {checkpoint.origin} is not the name of the log's key")
    cosigned = set()
    text = note.text.encode()
    for witness in policy.witnesses.values():
        key = (witness.verifier.name, witness.verifier.key_id)
        for signature in note.signatures:
            if (signature.name, signature.key_id) != key:
                continue
            if not witness.verifier.verify(text, signature.signature):
                raise NoteNotVerified(f"the cosignature of {signature.name} does not verify")
            cosigned.add(witness.name)
    return Verdict(checkpoint, note, frozenset(cosigned), policy.met_by(cosigned))


def parse_policy(text: str) -> Policy:
    logs: list[tuple[Ed25519Verifier, str | None]] = []
    witnesses: dict[str, Witness] = {}
    groups: dict[str, Group] = {}
    quorum: str | None = None
    keys: set[bytes] = set()
    for number, raw in enumerate(text.split("\n"), 1):
        if any(c in raw for c in map(chr, (*range(0, 9), *range(11, 32), 127))):
            raise PolicyError(f"line {number}: a control character other than tab")
        words = raw.replace("\t", " ").split()
        if not words or words[0].startswith("#"):
            continue
        kind, args = words[0], words[1:]
        try:
            if kind == "log" and len(args) in (1, 2):
                verifier = parse_vkey(args[0])
                if verifier.signature_type != ED25519 or not isinstance(verifier, Ed25519Verifier):
                    raise PolicyError(f"line {number}: a log's key is an Ed25519 note key (0x01)")
                _unique_key(keys, verifier.public_key, number)
                logs.append((verifier, args[1] if len(args) == 2 else None))
            elif kind == "witness" and len(args) in (2, 3):
                name = _new_name(args[0], witnesses, groups, number)
                cosigner = parse_vkey(args[1])
                if cosigner.signature_type != COSIGNATURE_V1 or not isinstance(
                    cosigner, CosignatureVerifier
                ):
                    raise PolicyError(f"line {number}: a witness's key is a cosignature key (0x04)")
                _unique_key(keys, cosigner.public_key, number)
                witnesses[name] = Witness(name, cosigner, args[2] if len(args) == 3 else None)
            elif kind == "group" and len(args) >= 3:
                name = _new_name(args[0], witnesses, groups, number)
                members = tuple(args[2:])
                for member in members:
                    if member not in witnesses and member not in groups:
                        raise PolicyError(f"line {number}: {member} is not defined above")
                if len(set(members)) != len(members):
                    raise PolicyError(f"line {number}: a member is listed twice")
                groups[name] = Group(name, _threshold(args[1], len(members), number), members)
            elif kind == "quorum" and len(args) == 1:
                if quorum is not None:
                    raise PolicyError(f"line {number}: a second quorum line")
                if args[0] != "none" and args[0] not in witnesses and args[0] not in groups:
                    raise PolicyError(f"line {number}: quorum {args[0]} is not defined above")
                quorum = args[0]
            else:
                raise PolicyError(f"line {number}: {raw.strip()[:60]!r} is not a policy line")
        except NoteError as error:
            raise PolicyError(f"line {number}: {error}") from None
        if len(logs) + len(witnesses) + len(groups) > MAX_ENTRIES:
            raise PolicyError(f"more than {MAX_ENTRIES} logs, witnesses and groups")
    if quorum is None:
        raise PolicyError("a policy has exactly one quorum line")
    return Policy(tuple(logs), witnesses, groups, quorum, text)


def _new_name(name: str, witnesses: dict[str, Witness], groups: dict[str, Group], n: int) -> str:
    if name == "none" or name in witnesses or name in groups:
        raise PolicyError(f"line {n}: the name {name} is reserved or already defined")
    return name


def _unique_key(keys: set[bytes], public_key: bytes, n: int) -> None:
    if public_key in keys:
        raise PolicyError(f"line {n}: this public key is listed twice")
    keys.add(public_key)


def _threshold(word: str, members: int, n: int) -> int:
    if word == "all":
        return members
    if word == "any":
        return 1
    if not word.isdigit() or word != str(int(word)) or not 1 <= int(word) <= members:
        raise PolicyError(f"line {n}: threshold {word} is not all, any or 1..{members}")
    return int(word)
