"""Gathering witnesses' cosignatures (CONTRACT §7.4, c2sp.org/tlog-witness): the log's
latest signed note is submitted by ``add-checkpoint`` to every witness of the policy that
has a URL, with the consistency proof from the size that witness last cosigned, and the
cosignatures that verify are stored beside the note.

A witness is sent a new checkpoint soon after it is signed, then no more often than
``LEDGER_WITNESS_INTERVAL_S`` while the tree grows; one that failed is retried with a
back-off capped at that interval. Several ``ledger serve`` processes may submit to the same
witness: its 409 names the size it holds, and the client retries once from there.

A witness that holds a larger tree than this log, or refuses the proof from its own size
(422), disagrees with the database: the client records the facts (``disagreements``) for
the fork guard and logs a warning, and stores nothing.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
from eventsourcing.persistence import IntegrityError

from ledger.persistence.log_tables import StoredCosignature, StoredNote
from ledger.transparency.c2sp.note import (
    CosignatureVerifier,
    NoteError,
    cosignature_timestamp,
    parse,
    parse_signatures,
)
from ledger.transparency.c2sp.policy import Witness
from ledger.transparency.c2sp.witness_protocol import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    parse_size_body,
)
from ledger.transparency.log import TransparencyLog

log = structlog.get_logger("ledger.witnessing")

FIRST_RETRY_S = 0.5
BODY_LIMIT = 64 * 1024  # a few signature lines; anything longer is not a witness's answer


@dataclass(frozen=True)
class Disagreement:
    """A witness's view that contradicts the log's database."""

    witness: str  # the policy's name for it
    witness_size: int  # the size it says it cosigned last (-1: it did not say)
    our_size: int  # the size of the note submitted
    status: int  # its HTTP answer
    detail: str


@dataclass
class WitnessState:
    """What this process knows of one witness."""

    witness: Witness
    cosigned_size: int = 0  # the largest tree it cosigned, as far as we know
    failures: int = 0  # consecutive failed rounds
    failures_total: int = 0
    due: float = 0.0  # monotonic time of the next submission allowed

    @property
    def name(self) -> str:
        return self.witness.name


class SubmissionFailed(Exception):
    """A witness did not cosign: unreachable, a timeout, an answer not in the protocol."""


class WitnessClient:
    """Submits the log's latest note to the policy's witnesses and stores their
    cosignatures. ``submit_round`` does one round; ``start`` runs rounds in a thread."""

    def __init__(
        self,
        transparency: TransparencyLog,
        *,
        interval_s: float = 60.0,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transparency = transparency
        self.tables = transparency.tables
        self.interval_s = interval_s
        self.clock = clock
        policy = transparency.policy
        self.known: dict[tuple[str, bytes], CosignatureVerifier] = {
            (w.verifier.name, w.verifier.key_id): w.verifier for w in policy.witnesses.values()
        }
        self.states = {
            w.name: WitnessState(w) for w in policy.witnesses.values() if w.url is not None
        }
        self._disagreements: dict[str, Disagreement] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()  # a note signed here, or stop
        self._thread: threading.Thread | None = None
        # Keep-alive across rounds; short timeouts so one dead witness does not hold the
        # others' round for long.
        self.http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0)),
            headers={"Content-Type": "text/plain; charset=utf-8"},
            follow_redirects=False,
        )

    # What the fork guard and the metrics read

    def disagreements(self) -> list[Disagreement]:
        """The witnesses whose last answer contradicted the database, one fact each."""
        with self._lock:
            return list(self._disagreements.values())

    def witness_sizes(self) -> dict[str, int]:
        """The size each witness with a URL cosigned last, as far as this process knows
        (its own answers, the 409s and the database's cosignatures)."""
        with self._lock:
            return {name: state.cosigned_size for name, state in self.states.items()}

    def failures(self) -> dict[str, int]:
        with self._lock:
            return {name: state.failures_total for name, state in self.states.items()}

    # Submitting

    def submit_round(self, *, force: bool = False) -> int:
        """Submits the latest note to every witness that is due and has not cosigned it;
        returns how many cosigned it in this round. ``force``: ignore the interval."""
        if not self.states:
            return 0
        latest = self.tables.latest_note()
        if latest is None:
            return 0
        cosigned = 0
        for state in self.states.values():
            self._refresh(state)
            if state.cosigned_size >= latest.tree_size:
                continue  # cosigned it already (perhaps by another process's submission)
            now = self.clock()
            if not force and now < state.due:
                continue
            if self._submit(state, latest):
                cosigned += 1
        return cosigned

    def _refresh(self, state: WitnessState) -> None:
        stored = self.tables.last_cosigned_size(
            state.witness.verifier.name, state.witness.verifier.key_id.hex()
        )
        with self._lock:
            state.cosigned_size = max(state.cosigned_size, stored)

    def _submit(self, state: WitnessState, latest: StoredNote) -> bool:
        name, size = state.name, latest.tree_size
        started = self.clock()
        try:
            old = state.cosigned_size  # submit_round sends only notes larger than it
            status, body, content_type = self._post(state, latest, old)
            if status == 409:
                old = self._witness_size(body, content_type)
                log.info("witness_resync", witness=name, witness_size=old, tree_size=size)
                with self._lock:
                    state.cosigned_size = old
                if old > size:
                    latest = self._newer_note(state, old)
                    size = latest.tree_size
                status, body, content_type = self._post(state, latest, old)
            if status == 422:
                self._disagree(
                    state, old, size, 422, f"the witness refused the proof from size {old}"
                )
                raise SubmissionFailed(f"422 on the proof from {old}: {_excerpt(body)}")
            if status != 200:
                raise SubmissionFailed(f"answered {status}: {_excerpt(body)}")
            self._store(state, latest, body)
        except SubmissionFailed as error:
            self._failed(state, size, str(error))
            return False
        with self._lock:
            state.cosigned_size = max(state.cosigned_size, size)
            state.failures = 0
            state.due = started + self.interval_s
            self._disagreements.pop(name, None)
        log.info(
            "witness_cosigned",
            witness=name,
            tree_size=size,
            seconds=round(self.clock() - started, 4),
        )
        return True

    def _newer_note(self, state: WitnessState, witness_size: int) -> StoredNote:
        """The note to send a witness that cosigned more than the note just sent: one
        another process signed since (the latest), unless the witness holds a tree larger
        than this log's: a disagreement."""
        tree_size, _ = self.tables.size()
        newer = self.tables.latest_note()
        if witness_size > tree_size or newer is None or newer.tree_size < witness_size:
            self._disagree(
                state, witness_size, tree_size, 409, "the witness cosigned a larger tree"
            )
            raise SubmissionFailed(f"it cosigned {witness_size} leaves, more than our {tree_size}")
        return newer

    def _post(self, state: WitnessState, latest: StoredNote, old: int) -> tuple[int, bytes, str]:
        proof: tuple[bytes, ...] = ()
        if 0 < old < latest.tree_size:
            proof = tuple(
                bytes.fromhex(h) for h in self.transparency.consistency(old, latest.tree_size)
            )
        body = AddCheckpoint(old, proof, latest.note).body()
        url = (state.witness.url or "").rstrip("/") + "/add-checkpoint"
        try:
            with self.http.stream("POST", url, content=body) as answer:
                content = b""
                for chunk in answer.iter_bytes():
                    content += chunk
                    if len(content) > BODY_LIMIT:
                        raise SubmissionFailed(f"its answer exceeds {BODY_LIMIT} bytes")
                return answer.status_code, content, answer.headers.get("content-type", "")
        except httpx.HTTPError as error:
            raise SubmissionFailed(f"{type(error).__name__}: {error}") from None

    def _witness_size(self, body: bytes, content_type: str) -> int:
        if content_type.split(";")[0].strip() != SIZE_CONTENT_TYPE:
            raise SubmissionFailed(f"a 409 of type {content_type!r}, not {SIZE_CONTENT_TYPE}")
        try:
            return parse_size_body(body)
        except NoteError as error:
            raise SubmissionFailed(f"a 409 without a size: {error}") from None

    def _store(self, state: WitnessState, latest: StoredNote, body: bytes) -> None:
        """Stores the lines of known witness keys that verify on the submitted note; lines
        from unknown keys are ignored (tlog-witness). The witness must cosign with its own
        key, and a known key's line that fails verification is a failed submission."""
        try:
            signatures = parse_signatures(body.decode())
        except (UnicodeDecodeError, NoteError) as error:
            raise SubmissionFailed(f"its answer is not signature lines: {error}") from None
        text = parse(latest.note).text.encode()
        verified, refused = [], []
        for signature in signatures:
            verifier = self.known.get((signature.name, signature.key_id))
            if verifier is None:
                continue
            if not verifier.verify(text, signature.signature):
                refused.append(signature.name)
                continue
            verified.append(
                StoredCosignature(
                    latest.tree_size,
                    signature.name,
                    signature.key_id.hex(),
                    signature.line().rstrip("\n"),
                    cosignature_timestamp(signature),
                )
            )
        if verified:
            try:
                self.tables.add_cosignatures(verified)
            except IntegrityError:  # another process stored one of them a moment ago
                self.tables.add_cosignatures(verified)  # which is now skipped
        own = state.witness.verifier
        if refused:
            raise SubmissionFailed(f"the cosignature of {', '.join(refused)} does not verify")
        if not any((c.witness, c.key_id) == (own.name, own.key_id.hex()) for c in verified):
            raise SubmissionFailed(f"its answer holds no cosignature of its key {own.name}")

    def _disagree(
        self, state: WitnessState, witness_size: int, size: int, status: int, why: str
    ) -> None:
        fact = Disagreement(state.name, witness_size, size, status, why)
        with self._lock:
            self._disagreements[state.name] = fact
        # A witness holding more than this database is what the fork guard stops on; a
        # refused proof is judged by its next look at that witness's checkpoint (its root).
        self.transparency.guard.report_witness_size(state.name, witness_size, None)
        log.warning(
            "witness_disagrees",
            witness=state.name,
            witness_size=witness_size,
            tree_size=size,
            status=status,
            detail=why,
        )

    def _failed(self, state: WitnessState, size: int, why: str) -> None:
        with self._lock:
            state.failures += 1
            state.failures_total += 1
            delay = min(self.interval_s, FIRST_RETRY_S * 2 ** (state.failures - 1))
            state.due = self.clock() + delay
        log.warning(
            "witness_submission_failed",
            witness=state.name,
            tree_size=size,
            failures=state.failures,
            retry_in_s=round(delay, 3),
            error=why,
        )

    # Running in the background

    def start(self, poll_s: float = 1.0) -> None:
        """Rounds in a thread: at once when this process signs a note, else looking for
        one (another process's) every ``poll_s`` at most."""
        self.transparency.on_note.append(lambda _: self._wake.set())
        self._thread = threading.Thread(
            target=self._loop, args=(min(poll_s, self.interval_s),), name="witnessing", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self.http.close()

    def _loop(self, poll_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.submit_round()
            except Exception:
                if not self._stop.is_set():
                    log.exception("witnessing_round_failed")
            now = self.clock()
            with self._lock:
                # A witness due before the next poll (a retry) is not kept waiting for it.
                sooner = [s.due - now for s in self.states.values() if s.due > now]
            self._wake.wait(max(min([poll_s, *sooner]), 0.01))
            self._wake.clear()


def _excerpt(body: bytes) -> str:
    return body[:200].decode("utf-8", errors="replace").strip()
