"""The fork guard (CONTRACT §7.4): the log never signs a checkpoint smaller than, or
inconsistent with, one it signed before or one a witness cosigned.

A database restored from an old backup has forgotten the checkpoints it signed after the
backup; sequencing the appends that follow would sign a second history under the same
origin (a fork, which witnesses refuse and verifiers treat as the log's misbehaviour).
So the guard keeps its memory outside the database: ``<note key file>.signed`` holds the
largest checkpoint note this log signed, written (atomically, under an exclusive lock so
several processes never lower it) before the note is stored or served. And it asks each
witness of the policy for the checkpoint it last cosigned: that catches an old database
restored together with an old ``.signed`` file.

A disagreement stops sequencing, signing and appends until the database again extends
what was signed (it clears by itself at the next check), or an operator starts a new log:
a new origin, new keys and a new database holding the events without the old log's
tables (docs/runbook-fork.md).
"""

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import orjson
import structlog
from eventsourcing.persistence import ApplicationRecorder

from ledger.domain import merkle
from ledger.domain.errors import LogForked
from ledger.persistence.ports import MerkleStore
from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.note import Ed25519Signer, NoteError, Verifier, open_note, parse
from ledger.transparency.c2sp.policy import Policy, Witness
from ledger.transparency.notes import LogIdentity, load_policy
from ledger.transparency.signing import KeyFileError, load_or_create_key

log = structlog.get_logger("ledger.transparency.fork_guard")

FILE = "file"
MAX_NOTE_BYTES = 64 * 1024  # a checkpoint with a few dozen cosignatures is a few KiB
WITNESS_TIMEOUT_S = 5.0


def signed_file_of(note_key: str | os.PathLike[str]) -> Path:
    """Where the guard of the log whose note key is ``note_key`` keeps what it signed."""
    return Path(f"{os.fspath(note_key)}.signed")


@dataclass(frozen=True)
class Disagreement:
    """What a source (the ``.signed`` file or a witness) knows that the database does not."""

    source: str  # FILE, or a witness's policy name
    where: str  # the file's path or the witness's URL
    signed_size: int
    database_size: int
    kind: Literal["behind", "disagrees"]

    def message(self) -> str:
        who = (
            f"the log signed {self.signed_size:,} events (file {self.where})"
            if self.source == FILE
            else f"witness {self.source} cosigned {self.signed_size:,} events ({self.where})"
        )
        if self.kind == "behind":
            return (
                f"{who}, the database holds {self.database_size:,}: "
                "restored from an old backup? (docs/runbook-fork.md)"
            )
        return (
            f"{who}, but the database's first {self.signed_size:,} events have another "
            "root: a different history at a published size (docs/runbook-fork.md)"
        )

    def document(self) -> dict[str, object]:
        return {
            "source": self.source,
            "where": self.where,
            "signed_size": self.signed_size,
            "database_size": self.database_size,
            "kind": self.kind,
            "message": self.message(),
        }


class DatabaseTree:
    """The Merkle tree of the events the database holds, read without writing: the
    sequenced leaves, extended in memory by events stored but not sequenced yet (a
    backup may be taken between an append and its sequencing)."""

    def __init__(
        self, tables: MerkleStore, recorder: ApplicationRecorder, batch_size: int = 2000
    ) -> None:
        self.tables, self.recorder, self.batch_size = tables, recorder, batch_size

    def prefix(self, size: int) -> tuple[int, bytes | None]:
        """``(size, root of the first size events)``, or ``(n, None)`` when the database
        holds only ``n < size`` events."""
        sequenced, position = self.tables.size()
        if size <= sequenced:
            lookup = self._lookup(merkle.range_nodes(0, size) if size else [])
            return size, merkle.root(size, lookup) if size else merkle.EMPTY_ROOT
        lookup = self._lookup(merkle.range_nodes(0, sequenced) if sequenced else [])
        frontier = merkle.Frontier.load(sequenced, lookup)
        while frontier.size < size:
            batch = self.recorder.select_notifications(
                start=position,
                limit=min(self.batch_size, size - frontier.size),
                inclusive_of_start=False,
            )
            if not batch:
                return frontier.size, None
            for notification in batch:
                event_hash = orjson.loads(notification.state)["hash"]
                frontier.append(merkle.leaf_hash(bytes.fromhex(event_hash)))
            position = batch[-1].id
        return size, frontier.root()

    def _lookup(self, wanted: list[merkle.Node]) -> merkle.Lookup:
        return merkle.lookup_in(self.tables.nodes(wanted))


class ForkGuard:
    """Checks the database against what was signed and cosigned; ``refusal()`` is the
    error appends are refused with while they disagree (made from what the last check
    found: no query per append)."""

    def __init__(
        self,
        tree: DatabaseTree | None,
        *,
        signed_file: Path | None = None,
        origin: str | None = None,
        log_verifiers: list[Verifier] | None = None,
        policy: Policy | None = None,
        witness_interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tree = tree
        self.signed_file = signed_file
        self.origin = origin
        self.log_verifiers = log_verifiers or []
        self.witnesses = [w for w in (policy.witnesses.values() if policy else []) if w.url]
        self.witness_interval_s = witness_interval_s
        self.clock = clock
        self._witnesses_checked_at: float | None = None
        self._disagreements: dict[str, Disagreement] = {}
        self._lock = threading.RLock()

    @classmethod
    def disabled(cls) -> "ForkGuard":
        """A guard that knows nothing (a log opened without a note key: tests, tools)."""
        return cls(None)

    # What the service reads

    @property
    def disagreements(self) -> list[Disagreement]:
        return list(self._disagreements.values())

    @property
    def tripped(self) -> bool:
        return bool(self._disagreements)

    def refusal(self) -> LogForked | None:
        found = self.disagreements
        if not found:
            return None
        return LogForked(
            "the log stopped sequencing and signing: " + "; ".join(d.message() for d in found)
        )

    # Checks

    def check(self, *, witnesses: bool | None = None) -> list[Disagreement]:
        """Compares the database with the ``.signed`` file and (``witnesses``; None: when
        LEDGER_WITNESS_INTERVAL_S has passed since they were last asked) the witnesses."""
        tree = self.tree
        if tree is None:
            return []
        with self._lock:
            self._judge(tree, FILE, self._file_checkpoint(), str(self.signed_file))
            now = self.clock()
            due = self._witnesses_checked_at is None or (
                now - self._witnesses_checked_at >= self.witness_interval_s
            )
            if self.origin and self.witnesses and (witnesses or (witnesses is None and due)):
                self._witnesses_checked_at = now
                for witness in self.witnesses:
                    url = _monitoring_url(witness, self.origin)
                    cosigned = self._cosigned_by(witness, url)
                    if cosigned is not None:
                        self._judge(tree, witness.name, cosigned, url)
            return self.disagreements

    def report_witness_size(self, name: str, size: int, root: bytes | None) -> None:
        """A witness said (a 409 to add-checkpoint, say) that it cosigned ``size``
        events, with ``root`` if known: trips the guard if the database is behind that or
        disagrees with it. Clears only at a later check of that witness's checkpoint."""
        if self.tree is None:
            return
        with self._lock:
            held, prefix = self.tree.prefix(size)
            if prefix is None or (root is not None and prefix != root):
                self._trip(name, name, size, held, "behind" if prefix is None else "disagrees")

    def _judge(
        self, tree: DatabaseTree, source: str, signed: Checkpoint | None, where: str
    ) -> None:
        if signed is None:
            self._clear(source)
            return
        held, prefix = tree.prefix(signed.size)
        if prefix is None:
            self._trip(source, where, signed.size, held, "behind")
        elif prefix != signed.root:
            self._trip(source, where, signed.size, held, "disagrees")
        else:
            self._clear(source)

    def _trip(self, source: str, where: str, signed: int, held: int, kind: str) -> None:
        found = Disagreement(
            source, where, signed, held, "behind" if kind == "behind" else "disagrees"
        )
        if self._disagreements.get(source) != found:
            log.error("log_fork", **found.document())
        self._disagreements[source] = found

    def _clear(self, source: str) -> None:
        if self._disagreements.pop(source, None) is not None:
            log.warning("log_fork_cleared", source=source)

    # The .signed file

    def _file_checkpoint(self) -> Checkpoint | None:
        if self.signed_file is None:
            return None
        with _locked(self.signed_file):
            return self._read_file(self.signed_file)

    def _read_file(self, path: Path) -> Checkpoint | None:
        try:
            text = path.read_bytes()[:MAX_NOTE_BYTES].decode()
        except FileNotFoundError:
            return None
        try:
            opened = open_note(text, self.log_verifiers) if self.log_verifiers else None
            checkpoint = parse_checkpoint((opened.note if opened else parse(text)).text)
        except (NoteError, UnicodeDecodeError) as error:
            raise ForkGuardFileError(
                f"{path} is not a checkpoint note signed by this log's note key "
                f"({error}): restore it from the backup of the note key, never an older copy "
                "(docs/runbook-fork.md)"
            ) from None
        if self.origin is not None and checkpoint.origin != self.origin:
            raise ForkGuardFileError(
                f"{path} holds checkpoints of {checkpoint.origin}, not of "
                f"{self.origin}: a new log has its own note key and .signed file "
                "(docs/runbook-fork.md)"
            )
        return checkpoint

    def record(self, size: int, root: bytes, note: str) -> None:
        """Called before the note of ``size``/``root`` is stored or served: refuses it if it
        would fork what was signed (``LogForked``), else keeps it as the largest signed."""
        path = self.signed_file
        if path is None:
            return
        with self._lock, _locked(path):
            signed = self._read_file(path)
            if signed is not None:
                if self.tree is not None:
                    self._judge(self.tree, FILE, signed, str(path))
                if self._disagreements:
                    raise self.refusal() or LogForked("the log disagrees with what it signed")
                if size < signed.size:
                    return  # another process signed a larger tree extending this one
                if size == signed.size and root != signed.root:
                    self._trip(FILE, str(path), signed.size, size, "disagrees")
                    raise self.refusal() or LogForked("the log disagrees with what it signed")
                if size == signed.size:
                    return
            _write_atomically(path, note.encode())

    # Witnesses

    def _cosigned_by(self, witness: Witness, url: str) -> Checkpoint | None:
        """The checkpoint ``witness`` last cosigned for this log, if it answers with one
        this log signed and it cosigned; an unreachable witness is not a fork: skipped."""
        try:
            # Read no more than a note may hold: a witness answering without end must not
            # fill this process's memory.
            with httpx.stream("GET", url, timeout=WITNESS_TIMEOUT_S) as response:
                status, content = response.status_code, b""
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > MAX_NOTE_BYTES:
                        break
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            log.warning("witness_unreachable", witness=witness.name, url=url, error=str(error))
            return None
        if status == 404:
            return None  # it never cosigned this log
        if status != 200:
            log.warning("witness_unanswered", witness=witness.name, url=url, status=status)
            return None
        try:
            text = content[:MAX_NOTE_BYTES].decode()
            open_note(text, self.log_verifiers)
            open_note(text, [witness.verifier])
            checkpoint = parse_checkpoint(parse(text).text)
        except (NoteError, UnicodeDecodeError) as error:
            log.warning(
                "witness_checkpoint_refused", witness=witness.name, url=url, error=str(error)
            )
            return None
        if checkpoint.origin != self.origin:
            log.warning(
                "witness_checkpoint_refused",
                witness=witness.name,
                url=url,
                error=f"origin {checkpoint.origin}",
            )
            return None
        return checkpoint


def _monitoring_url(witness: Witness, origin: str) -> str:
    """Where a witness serves the checkpoint it last cosigned for ``origin``
    (c2sp.org/tlog-witness, "Monitor Retrieval Mechanism")."""
    origin_hash = hashlib.sha256(origin.encode()).hexdigest()
    return f"{(witness.url or '').rstrip('/')}/{origin_hash}/checkpoint"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside ``path``, held by one process at a time: a reader never
    sees half a file, and two signers never lower it."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class ForkGuardFileError(KeyFileError):
    """The ``.signed`` file cannot be trusted: the log refuses to start rather than guess."""


def _write_atomically(path: Path, data: bytes) -> None:
    """Writes ``path`` so that a crash leaves the old or the new content, never a part."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def guard_for_audit(
    tables: MerkleStore,
    recorder: ApplicationRecorder,
    note_key: str,
    origin: str | None,
    witness_policy: str | None,
) -> ForkGuard:
    """The guard ``ledger audit`` asks, opened without creating anything: with the note
    key when it can be read (the ``.signed`` file and the witnesses' answers are then
    verified against it), else trusting the file's text as the service wrote it."""
    first = tables.first_note()
    origin = (first.origin if first is not None else None) or origin
    verifiers: list[Verifier] = []
    policy = None
    if origin is not None:
        try:
            key = load_or_create_key(note_key, may_create=False, what="note key")
        except KeyFileError:
            key = None
        if key is not None:
            identity = LogIdentity(origin, Ed25519Signer(origin, key))
            verifiers = [identity.verifier]
            if witness_policy is not None:
                policy = load_policy(witness_policy, identity)
    return ForkGuard(
        DatabaseTree(tables, recorder),
        signed_file=signed_file_of(note_key),
        origin=origin,
        log_verifiers=verifiers,
        policy=policy,
    )
