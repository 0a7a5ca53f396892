"""``ledger verify``: checks a trace archive offline, from the archive and a public key
obtained separately. Stops at the first thing that does not hold and says what it is.
Without a key of its own the check still runs, against the key the archive carries, but
only shows the archive consistent: a forger brings their own key (``origin_verified``).
The archive is read through ``zipreader`` (one unambiguous entry per name, bounded sizes,
streamed), and every entry must be listed in the signed manifest.

A witness policy obtained separately (``--policy``, CONTRACT §7.4) is the other way to
verify the origin: each event's ``tlog/<id>.tlog-proof`` must prove it in a checkpoint
note signed by a log of that policy and cosigned by a quorum of its witnesses. The
archive's own ``tlog/policy.txt`` is never trusted: without ``--policy`` the proofs are
checked against it only for consistency, and the quorum is reported, not required."""

import base64
import binascii
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ledger.domain import merkle
from ledger.domain.integrity import ZERO_HASH
from ledger.domain.personal import is_commitment, personal_values, rehash
from ledger.transparency import signing
from ledger.transparency.archive import (
    FORMAT_2,
    READABLE_FORMATS,
    SIGNED_FILES,
    TLOG_POLICY,
    manifest_content,
    manifest_note_text,
    tlog_proof_name,
)
from ledger.transparency.c2sp.note import NoteError, open_note
from ledger.transparency.c2sp.policy import Policy, PolicyError, Verdict, parse_policy
from ledger.transparency.c2sp.policy import check_checkpoint as check_note
from ledger.transparency.c2sp.proof import parse_proof
from ledger.transparency.checks import check_checkpoint, check_event, check_inclusion
from ledger.transparency.zipreader import ArchiveInvalid, BoundedZip, Limits

__all__ = [
    "ArchiveInvalid",
    "Limits",
    "Verified",
    "read_policy",
    "read_public_key",
    "verify_archive",
]
MAX_POLICY_BYTES = 1024 * 1024

DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Verified:
    household_id: str
    events: int
    tree_size: int
    root_hash: str
    signed_at: str
    public_key: str
    materials: int
    opened: int = 0  # personal values checked against their openings
    committed: int = 0  # personal values served as commitments (an evaluator's, or erased)
    # Whether a key or a policy was obtained separately (``--public-key``, ``--policy``);
    # ``False``: the archive is consistent with the key it carries, which a forger would
    # have brought along.
    origin_verified: bool = False
    tlog: "TlogVerified | None" = None  # None: a /2 archive, which has no tlog proofs

    def summary(self) -> str:
        outcome = "OK" if self.origin_verified else "CONSISTENT (origin not verified)"
        personal = (
            f" (personal values: {self.opened} opened and checked, {self.committed} as commitments)"
            if self.opened or self.committed
            else ""
        )
        return (
            f"{outcome}: household {self.household_id}: {self.events} events re-hashed{personal}, "
            f"hash chain intact, each included in the signed tree of {self.tree_size} events "
            f"(root {self.root_hash}, signed {self.signed_at}); "
            f"{self.materials} material files match their SHA-256; "
            f"public key {self.public_key}" + (f"; {self.tlog.summary()}" if self.tlog else "")
        )


@dataclass(frozen=True)
class TlogVerified:
    proofs: int
    origin: str
    tree_size: int
    cosigned_by: tuple[str, ...]  # the policy's names of the witnesses whose cosignature holds
    quorum: str
    quorum_met: bool
    policy_given: bool  # False: checked against the archive's own tlog/policy.txt

    def summary(self) -> str:
        against = "the given policy" if self.policy_given else "the archive's own policy only"
        witnesses = ", ".join(self.cosigned_by) or "no witness"
        met = "met" if self.quorum_met else "NOT met"
        return (
            f"{self.proofs} tlog-proofs prove each event in the checkpoint note of "
            f"{self.tree_size} events of log {self.origin}, cosigned by {witnesses} "
            f"(quorum {self.quorum}: {met}; checked against {against})"
        )


def read_public_key(path: str | Path) -> str:
    """A public key file: the JSON served at /v1/checkpoints/public-key, or its base64."""
    text = Path(path).read_text(encoding="utf-8").strip()
    if text.startswith("{"):
        try:
            text = str(orjson.loads(text)["public_key"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise ArchiveInvalid(f'{path}: expected {{"public_key": "…"}}') from None
    try:
        if len(base64.b64decode(text, validate=True)) != 32:
            raise ValueError
    except (binascii.Error, ValueError):
        raise ArchiveInvalid(f"{path}: not a base64 Ed25519 public key (32 bytes)") from None
    return text


def read_policy(path: str | Path) -> Policy:
    """A tlog-policy file (c2sp.org/tlog-policy) naming the log and its witnesses."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_POLICY_BYTES + 1)
        if len(data) > MAX_POLICY_BYTES:
            raise ArchiveInvalid(f"{path}: a policy is at most {MAX_POLICY_BYTES} bytes")
        return parse_policy(data.decode())
    except OSError as error:
        raise ArchiveInvalid(f"{path}: cannot be read: {error}") from None
    except (UnicodeDecodeError, PolicyError) as error:
        raise ArchiveInvalid(f"{path} is not a tlog-policy: {error}") from None


def verify_archive(
    path: str | Path | IO[bytes],
    public_key: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    policy: Policy | None = None,
) -> Verified:
    """Checks the archive; ``public_key``: the ledger's key, ``policy``: a witness policy,
    each obtained separately. Raises ``ArchiveInvalid`` naming the first thing that does
    not hold; with a policy, a quorum not met is such a thing."""
    with ExitStack() as stack:
        try:
            file = (
                path if not isinstance(path, str | Path) else stack.enter_context(open(path, "rb"))
            )
        except OSError as error:
            raise ArchiveInvalid(f"{path} is not a readable zip archive: {error}") from None
        try:
            return _Check(BoundedZip(file, limits), public_key, policy).run()
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            raise ArchiveInvalid(
                f"the archive is malformed: {type(error).__name__}: {error}"
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover — ExitStack swallows nothing


def parsed_size_bound(document: bytes | bytearray) -> int:
    """A generous estimate of the memory ``orjson`` takes to parse ``document``, known
    before parsing: each value costs an object and a slot, and a document of empty
    containers (``[{},{},…]``) would otherwise take some twenty times its size."""
    return (
        3 * len(document)
        + 256 * document.count(b"{")
        + 96 * (document.count(b"[") + document.count(b",") + document.count(b":"))
    )


class _Check:
    def __init__(self, archive: BoundedZip, public_key: str | None, policy: Policy | None) -> None:
        self.archive = archive
        self.names = archive.names
        self.given_key = public_key
        self.given_policy = policy
        self.parsed = 0

    def _present(self, name: str) -> None:
        if name not in self.names:
            raise ArchiveInvalid(f"the archive has no {name}")

    def _charge(self, what: str, size: int, *, kept: bool = True) -> None:
        """Counts ``size`` bytes of memory against the budget (``kept``: until the end)."""
        if self.parsed + size > self.archive.limits.parsed_bytes:
            raise ArchiveInvalid(
                f"{what} would take about {size} bytes of memory to parse, "
                f"over the limit of {self.archive.limits.parsed_bytes}"
            )
        if kept:
            self.parsed += size

    def _loads(self, name: str, document: bytes | bytearray, *, kept: bool = True) -> Any:
        self._charge(name, parsed_size_bound(document), kept=kept)
        try:
            return orjson.loads(document)
        except orjson.JSONDecodeError as error:
            raise ArchiveInvalid(f"{name} is not valid JSON: {error}") from None

    def json(self, name: str) -> Any:
        self._present(name)
        return self._loads(name, self.archive.read(name))

    def lines(self, name: str) -> Iterator[bytes]:
        self._present(name)
        return self.archive.lines(name)

    def run(self) -> Verified:
        manifest = self._manifest()
        self._listed(manifest)
        key = manifest["public_key"]
        checkpoint = self._checkpoint(key)
        events = self._events(manifest)
        root = bytes.fromhex(checkpoint["root_hash"])
        indexes = self._proofs(events, checkpoint["tree_size"], root)
        materials = self._materials(events)
        self._files(manifest)
        tlog = (
            self._tlog(manifest, events, indexes, checkpoint) if self._has_tlog(manifest) else None
        )
        return Verified(
            manifest["household_id"],
            len(events),
            checkpoint["tree_size"],
            checkpoint["root_hash"],
            checkpoint["timestamp"],
            key,
            materials,
            opened=sum(event["opened"] for event in events),
            committed=sum(event["committed"] for event in events),
            origin_verified=self.given_key is not None or self.given_policy is not None,
            tlog=tlog,
        )

    def _manifest(self) -> dict[str, Any]:
        manifest = self.json("manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
            raise ArchiveInvalid(f"manifest.json is not a {' or '.join(READABLE_FORMATS)} manifest")
        archive_key = self.json("public-key.json").get("public_key")
        if manifest.get("public_key") != archive_key:
            raise ArchiveInvalid("public-key.json differs from the key named in manifest.json")
        if self.given_key is not None and self.given_key != archive_key:
            raise ArchiveInvalid(
                f"the archive was signed with key {archive_key}, not with the "
                f"given public key {self.given_key}"
            )
        if not signing.verify(
            archive_key, manifest_content(manifest), str(manifest.get("signature", ""))
        ):
            raise ArchiveInvalid(
                "the signature of manifest.json does not hold: the manifest "
                "was altered or not signed by this key"
            )
        files = manifest.get("files")
        if not isinstance(files, dict) or not all(isinstance(d, str) for d in files.values()):
            raise ArchiveInvalid("manifest.json does not list the archive's files")
        return manifest

    def _listed(self, manifest: dict[str, Any]) -> None:
        """Every entry is the manifest, a file it lists or a material file (which
        materials.json, itself listed, names): nothing rides along unsigned."""
        listed = {"manifest.json", *manifest["files"]}
        for name in sorted(self.names):
            if name not in listed and not name.startswith("materials/"):
                raise ArchiveInvalid(
                    f"the entry {name!r} is not listed in the signed manifest.json"
                )

    def _checkpoint(self, key: str) -> dict[str, Any]:
        checkpoint = self.json("checkpoint.json")
        check_checkpoint(key, checkpoint)
        return dict(checkpoint)

    def _events(self, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        """Re-hashes and chains the events line by line, keeping of each only what the
        proofs and the materials need."""
        # Every event re-hashes (CONTRACT §7.3): opened values are replaced by the
        # commitments their openings make, committed ones are hashed as they are.
        events, previous = [], ZERO_HASH
        for number, line in enumerate(self.lines("events.jsonl"), start=1):
            where = f"events.jsonl line {number}"
            try:
                event = self._loads(where, line, kept=False)
                recomputed = rehash(event)
                opened = len(event.get("openings") or {})
                committed = sum(is_commitment(v) for v in personal_values(event))
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise ArchiveInvalid(f"{where} is not a served event: {error}") from None
            where = f"{where} (version {event['version']}, id {event['id']})"
            check_event(
                event,
                where,
                household_id=manifest["household_id"],
                number=number,
                recomputed=recomputed,
                previous=previous,
            )
            kept = {
                "id": event["id"],
                "version": event["version"],
                "hash": event["hash"],
                "opened": opened,
                "committed": committed,
                "materials": [str(m["sha256"]) for m in event["materials"]],
            }
            self._charge(where, 640 + 128 * len(kept["materials"]))  # its dict and strings
            events.append(kept)
            previous = event["hash"]
        if len(events) != manifest["version"] or previous != manifest["head_hash"]:
            raise ArchiveInvalid(
                f"the archive holds {len(events)} events ending in {previous}, but was issued "
                f"with {manifest['version']} ending in {manifest['head_hash']} — events were "
                "removed"
            )
        return events

    def _proofs(self, events: list[dict[str, Any]], tree_size: int, root: bytes) -> list[int]:
        """Checks proofs.json; returns each event's leaf index."""
        proofs = {proof.get("event_id"): proof for proof in self.json("proofs.json")}
        last_index, indexes = -1, []
        for event in events:
            where = f"event version {event['version']} (id {event['id']})"
            proof = proofs.get(event["id"])
            if proof is None:
                raise ArchiveInvalid(f"{where} has no inclusion proof in proofs.json")
            last_index = check_inclusion(where, event["hash"], proof, tree_size, root, last_index)
            indexes.append(last_index)
        return indexes

    def _has_tlog(self, manifest: dict[str, Any]) -> bool:
        if manifest["format"] != FORMAT_2:
            return True
        if self.given_policy is not None:
            raise ArchiveInvalid(
                f"the archive is a {FORMAT_2} archive, which carries no tlog proofs to check "
                "against a policy: verify it with --public-key, or download it again"
            )
        return False

    def _tlog(
        self,
        manifest: dict[str, Any],
        events: list[dict[str, Any]],
        indexes: list[int],
        checkpoint: dict[str, Any],
    ) -> "TlogVerified":
        """Each event's tlog-proof: its checkpoint note signed by a log of the policy (the
        given one, else the archive's own), the quorum met (required with a given
        policy), the path proving the event's hash at its leaf index under the note's
        root. Every proof is listed in the manifest (``_listed``) and hashed (``_files``)."""
        policy = self.given_policy or self._own_policy(manifest)
        expected = {tlog_proof_name(event["id"]) for event in events}
        for name in sorted(manifest["files"]):
            if name.startswith("tlog/") and name != TLOG_POLICY and name not in expected:
                raise ArchiveInvalid(f"{name} is not the proof of an event of this archive")
        verdict: Verdict | None = None
        verified_note = ""  # the proofs share one note: checked once
        for event, index in zip(events, indexes, strict=True):
            name = tlog_proof_name(event["id"])
            if name not in manifest["files"]:
                raise ArchiveInvalid(f"event version {event['version']} has no {name}")
            self._present(name)
            try:
                proof = parse_proof(self.archive.read(name).decode())
                if verdict is None or proof.checkpoint != verified_note:
                    verdict = self._verdict(name, policy, proof.checkpoint)
                    verified_note = proof.checkpoint
            except (UnicodeDecodeError, NoteError) as error:
                raise ArchiveInvalid(f"{name} is not a tlog-proof: {error}") from None
            note = verdict.checkpoint
            if proof.index != index:
                raise ArchiveInvalid(
                    f"{name} proves leaf {proof.index}, but proofs.json places the event at {index}"
                )
            if note.size == checkpoint["tree_size"] and note.root.hex() != checkpoint["root_hash"]:
                raise ArchiveInvalid(
                    f"{name}: the checkpoint note and checkpoint.json give the tree of "
                    f"{note.size} events different roots"
                )
            leaf = merkle.leaf_hash(bytes.fromhex(event["hash"]))
            if not merkle.verify_inclusion(index, note.size, leaf, list(proof.path), note.root):
                raise ArchiveInvalid(
                    f"{name}: the event (version {event['version']}) is not in the log: its "
                    f"inclusion path fails against the root of the checkpoint of {note.size} events"
                )
        if verdict is None:
            raise ArchiveInvalid("the archive has no tlog proofs")
        self._manifest_note(manifest, policy)
        return TlogVerified(
            len(events),
            verdict.checkpoint.origin,
            verdict.checkpoint.size,
            tuple(sorted(verdict.cosigned_by)),
            policy.quorum,
            verdict.quorum_met,
            self.given_policy is not None,
        )

    def _manifest_note(self, manifest: dict[str, Any], policy: Policy) -> None:
        """The manifest signed by a log of the policy: with the policy alone, the list of
        events and files (a dropped last event) is vouched for too, not only each event."""
        try:
            opened = open_note(str(manifest.get("note", "")), policy.log_verifiers())
        except NoteError as error:
            raise ArchiveInvalid(
                f"manifest.json is not signed by the note key of a log of the policy: {error}"
            ) from None
        if opened.note.text != manifest_note_text(manifest):
            raise ArchiveInvalid(
                "manifest.json was altered: its note signs another manifest (a file or an "
                "event added, changed or dropped)"
            )

    def _own_policy(self, manifest: dict[str, Any]) -> Policy:
        if TLOG_POLICY not in manifest["files"]:
            raise ArchiveInvalid(f"manifest.json does not cover {TLOG_POLICY}")
        self._present(TLOG_POLICY)
        try:
            return parse_policy(self.archive.read(TLOG_POLICY).decode())
        except (UnicodeDecodeError, PolicyError) as error:
            raise ArchiveInvalid(f"{TLOG_POLICY} is not a tlog-policy: {error}") from None

    def _verdict(self, name: str, policy: Policy, note: str) -> Verdict:
        try:
            verdict = check_note(policy, note)
        except NoteError as error:
            against = "the given policy" if self.given_policy else f"the archive's {TLOG_POLICY}"
            raise ArchiveInvalid(
                f"{name}: its checkpoint note is not signed by a log of {against}: {error}"
            ) from None
        if self.given_policy is not None and not verdict.quorum_met:
            raise ArchiveInvalid(
                f"{name}: the checkpoint note of {verdict.checkpoint.size} events is cosigned "
                f"by {', '.join(sorted(verdict.cosigned_by)) or 'no witness of the policy'}: "
                f"the given policy's quorum {policy.quorum} is not met"
            )
        return verdict

    def _materials(self, events: list[dict[str, Any]]) -> int:
        cited = {sha256 for event in events for sha256 in event["materials"]}
        index = self.json("materials.json")
        if {entry.get("sha256") for entry in index} != cited:
            raise ArchiveInvalid(
                "materials.json does not list exactly the materials the events cite"
            )
        included = {entry["sha256"] for entry in index if entry.get("included")}
        files = {
            name.removeprefix("materials/") for name in self.names if name.startswith("materials/")
        }
        for sha256 in sorted(files):
            if sha256 not in cited:
                raise ArchiveInvalid(f"materials/{sha256} is not cited by any event")
            if sha256 not in included:
                raise ArchiveInvalid(
                    f"materials/{sha256} is not listed as included in materials.json"
                )
            if self.archive.digest(f"materials/{sha256}") != sha256:
                raise ArchiveInvalid(
                    f"materials/{sha256}: the file does not match its SHA-256 "
                    "— the material was altered"
                )
        for sha256 in sorted(included - files):
            raise ArchiveInvalid(f"material {sha256} is listed as included but its file is missing")
        return len(files)

    def _files(self, manifest: dict[str, Any]) -> None:
        digests = manifest["files"]
        required = SIGNED_FILES if manifest["format"] == FORMAT_2 else (*SIGNED_FILES, TLOG_POLICY)
        for name in required:
            if name not in digests:
                raise ArchiveInvalid(f"manifest.json does not cover {name}")
        for name, digest in digests.items():
            self._present(name)
            if self.archive.digest(name) != digest:
                raise ArchiveInvalid(
                    f"{name} was changed after the archive was issued "
                    "(its SHA-256 differs from the signed manifest)"
                )
