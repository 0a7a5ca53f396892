"""The one append pipeline: the API's appends, bulk import and intake all go through it.

Each request, in this order: its bounds and the caller's right to append those events
(``check_bounds``, ``check_append``); its idempotency key (an earlier answer is given
again); the household's lock (appends to one household are serialised in-process);
the decision, on the state kept after this process's last append to the household or
on a replay of its stream; the group commit (appends to different households share
transactions: ``ledger.group_commit``); and the state kept for the next append once the
events are stored. ``append_many`` sends many requests through the same steps, a chunk
of households decided together and committed as one batch.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import IntegrityError

from ledger.application import HouseholdLedger, originator_id
from ledger.domain.access import check_append, in_scope
from ledger.domain.bounds import InputBounds, check_bounds
from ledger.domain.callers import Caller
from ledger.domain.catalog import CATALOG
from ledger.domain.commands import Envelope
from ledger.domain.errors import Forbidden, LedgerError, UnknownHousehold, VersionConflict
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all, replay
from ledger.domain.rules import Recording, decide_sealed
from ledger.domain.serialization import receipt
from ledger.group_commit import GroupCommit, KeyedLocks
from ledger.idempotency import EarlierAnswers, Idempotency, UsedKeys
from ledger.persistence.personal_data import Erasure, PersonalRow
from ledger.persistence.tables import IdempotencyRecord
from ledger.recent_states import RecentStates

# Grouped appends stop here: one insert of ~4,000 events (~5 MB) hung in psycopg 3.3's
# pipeline sync (seen while benchmarking the projections); 2,000 went through.
MAX_EVENTS_PER_TRANSACTION = 2_000
ERASED = "PersonalDataErased"


@dataclass(frozen=True)
class Appended:
    """The answer to an append; ``replayed`` when an idempotent retry got the original."""

    response: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class AppendRequest:
    """One household's append."""

    household_id: str
    commands: Sequence[Envelope]
    caller: Caller
    expected_version: int | None = None
    idempotency: Idempotency | None = None
    # An erasure's: what it empties, found once its event is decided (``erase``).
    erasure_of: Callable[[Household], Erasure] | None = None


@dataclass(frozen=True)
class _Decided:
    """An append's events and idempotency row, ready to be written, and the household's
    state once they are."""

    state: Household
    events: list[HouseholdEvent]
    response: dict[str, Any]
    idempotency: IdempotencyRecord | None
    personal: list[PersonalRow]
    erasure: Erasure | None = None


class AppendPipeline:
    max_attempts = 50  # appends without expected_version retry a conflict this often

    def __init__(
        self,
        ledger: HouseholdLedger,
        bounds: InputBounds | None = None,
        refusal: Callable[[], LedgerError | None] | None = None,
    ) -> None:
        self._ledger = ledger
        # Why no append may be taken now (the log's fork guard): asked once per request,
        # it reads a flag, not the database.
        self._refusal = refusal or (lambda: None)
        self._clock = ledger.clock
        self._vault = ledger.personal
        self.request_key = ledger.personal.request_key  # binds idempotency keys
        self._bounds = bounds or InputBounds()  # every append is judged by them
        self._answers = EarlierAnswers(ledger)
        # Appends to one household are serialised in-process; other processes are
        # caught by the (household, version) uniqueness and retried.
        self._households = KeyedLocks()
        self._recent = RecentStates()  # replaced by appends once their events are stored
        self._group_commit = GroupCommit(
            self._write,
            conflict=IntegrityError,
            weight=lambda d: len(d.events),
            max_weight=MAX_EVENTS_PER_TRANSACTION,
        )

    def append(
        self,
        household_id: str,
        commands: Sequence[Envelope],
        caller: Caller,
        *,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> Appended:
        """Appends all of ``commands`` or none; safe to retry with the same idempotency key."""
        request = AppendRequest(household_id, commands, caller, expected_version, idempotency)
        self._admit(request)
        return self._append(request)

    def erase(
        self,
        household_id: str,
        command: Envelope,
        caller: Caller,
        erasure_of: Callable[[Household], Erasure],
    ) -> Appended:
        """Appends a ``PersonalDataErased`` and empties what ``erasure_of`` finds, in one
        transaction, under the household's lock (``ledger.personal.erasure``)."""
        request = AppendRequest(household_id, [command], caller, erasure_of=erasure_of)
        self._admit(request)
        return self._append(request)

    def append_many(self, requests: Sequence[AppendRequest]) -> list[Appended | LedgerError]:
        """Appends each request all or none, most of them in one transaction (bulk import);
        the answers are in order: an ``Appended``, or the error that refused the request."""
        answers: list[Appended | LedgerError] = []
        # One query for the keys of all the requests rather than one each.
        used = self._answers.used(r.idempotency.key for r in requests if r.idempotency)
        for chunk in _chunks(requests):
            answers += self._append_chunk(chunk, used)
        return answers

    def _admit(self, request: AppendRequest) -> None:
        if refused := self._refusal():
            raise refused
        check_bounds(request.commands, self._bounds, self._clock())
        check_append(request.caller, request.commands)
        if request.erasure_of is None:
            for index, command in enumerate(request.commands):
                if command.type == ERASED:  # an erasure's record, never one on its own
                    raise Forbidden(
                        f"events[{index}]: {ERASED} is recorded by an erasure "
                        f"(POST /v1/households/{request.household_id}/erasures), "
                        "which deletes the values it records as deleted"
                    )

    def _earlier(self, request: AppendRequest, used: UsedKeys | None = None) -> Appended | None:
        if request.idempotency is None:
            return None
        earlier = self._answers.earlier(
            request.household_id, request.caller, request.idempotency, used
        )
        return None if earlier is None else Appended(earlier, replayed=True)

    def _append(self, request: AppendRequest, *, conflicted: bool = False) -> Appended:
        """One admitted request, retried while other writers come first."""
        for attempt in range(self.max_attempts):
            if earlier := self._earlier(request):
                return earlier
            with self._households.hold(request.household_id):
                # After a conflict another process has appended: the kept state is behind.
                decided = self._decide(request, on_kept_state=not conflicted and attempt == 0)
                try:
                    self._group_commit.commit(decided)
                except IntegrityError:
                    if earlier := self._earlier(request):
                        return earlier
                    if request.expected_version is not None:
                        raise VersionConflict(
                            f"household '{request.household_id}' moved past version "
                            f"{request.expected_version} while this append was being decided"
                        ) from None
                else:
                    self._recent.keep(decided.state)
                    return Appended(decided.response)
            time.sleep(min(0.002 * 2**attempt, 0.05))
        raise VersionConflict(
            f"gave up after {self.max_attempts} concurrent conflicts "
            f"on household '{request.household_id}'; retry"
        )

    def _append_chunk(
        self, chunk: Sequence[AppendRequest], used: UsedKeys
    ) -> list[Appended | LedgerError]:
        """The requests of a chunk (each household once) through the same steps, their
        appends committed as one batch; those that conflict go again one by one."""
        answers: dict[int, Appended | LedgerError] = {}
        admitted: list[int] = []
        for index, request in enumerate(chunk):
            try:
                self._admit(request)
                if earlier := self._earlier(request, used):
                    answers[index] = earlier
                    continue
            except LedgerError as error:
                answers[index] = error
                continue
            admitted.append(index)
        again: list[int] = []
        with self._holding(sorted({chunk[i].household_id for i in admitted})):
            decided: dict[int, _Decided] = {}
            for index in admitted:
                try:
                    decided[index] = self._decide(chunk[index], on_kept_state=True)
                except LedgerError as error:
                    answers[index] = error
            outcomes = self._group_commit.commit_all(list(decided.values()))
            for (index, append), failure in zip(decided.items(), outcomes, strict=True):
                if isinstance(failure, IntegrityError):
                    again.append(index)  # another writer came first
                elif failure is not None:
                    raise failure
                else:
                    self._recent.keep(append.state)
                    answers[index] = Appended(append.response)
        for index in again:  # outside the chunk's locks: the single path takes its own
            try:
                answers[index] = self._append(chunk[index], conflicted=True)
            except LedgerError as error:
                answers[index] = error
        return [answers[index] for index in range(len(chunk))]

    @contextmanager
    def _holding(self, household_ids: Sequence[str]) -> Iterator[None]:
        """The locks of many households, taken in order (so two chunks never wait for
        each other's)."""
        with ExitStack() as held:
            for household_id in household_ids:
                held.enter_context(self._households.hold(household_id))
            yield

    def _decide(self, request: AppendRequest, *, on_kept_state: bool) -> _Decided:
        """The new events, decided on the state this process kept after its last append
        to the household — without reading — or on a replay of the stream.

        A kept state is stale only if another process appended since; then the insert
        of the new events fails on their versions (unique per household) and the append
        is decided again on the stream: the kept state never lets a wrong append in. A
        refusal on a kept state is likewise checked against the stream.
        """
        recording = Recording(self._clock(), request.caller.recorded_by())
        kept = self._kept(request.household_id) if on_kept_state else None
        if kept is not None:
            try:
                return self._decide_on(kept, request, recording)
            except LedgerError:
                pass
        stored = replay(request.household_id, self._ledger.stream(request.household_id))
        return self._decide_on(stored, request, recording)

    def _kept(self, household_id: str) -> Household | None:
        # States are immutable and ``decide`` never changes the one it is given, so a
        # refused or unstored decision leaves the kept state as valid as before; ``keep``
        # replaces it only after a commit.
        return self._recent.get(household_id)

    def _decide_on(
        self, household: Household, request: AppendRequest, recording: Recording
    ) -> _Decided:
        self._check_scope(request.caller, household, request.commands)
        decision = decide_sealed(
            household,
            request.commands,
            recording,
            expected_version=request.expected_version,
            originator_id=originator_id(household.household_id),
            opened=self._opened(household, request.commands),
        )
        events = decision.events
        after = apply_all(household, events)
        erasure = None if request.erasure_of is None else request.erasure_of(household)
        response = receipt(household.household_id, after.version, events)
        return _Decided(
            after,
            events,
            response,
            self._answers.record(
                request.idempotency, request.caller, household.household_id, response
            ),
            self._vault.rows(household.household_id, decision.sealed),
            erasure,
        )

    def _opened(self, household: Household, commands: Sequence[Envelope]) -> dict[str, Any]:
        """The household's personal values, read only for an append whose rules compare
        them (a member added: is the ID number a present member's?)."""
        if household.registered and any(CATALOG[c.type].personal_check for c in commands):
            return self._vault.values_of_household(household.household_id)
        return {}

    @staticmethod
    def _check_scope(caller: Caller, household: Household, commands: Sequence[Envelope]) -> None:
        if household.registered:
            if not in_scope(caller, household.village_code):
                raise UnknownHousehold(f"household '{household.household_id}' is not registered")
            return
        village = getattr(commands[0].data, "village_code", None)
        if village is not None and not in_scope(caller, village):
            raise Forbidden(
                f"village {village} is outside this token's division '{caller.division}'"
            )

    def _write(self, appends: Sequence[_Decided]) -> None:
        """Stores the appends in one transaction, all or none."""
        self._ledger.save(
            *(event for append in appends for event in append.events),
            idempotency=[a.idempotency for a in appends if a.idempotency is not None],
            personal=[row for append in appends for row in append.personal],
            erase=[a.erasure for a in appends if a.erasure is not None],
        )


def _chunks(requests: Sequence[AppendRequest]) -> Iterator[list[AppendRequest]]:
    """The requests in order, cut where a household comes again (its second append must
    be decided on the first one's state) or a transaction would carry too many events."""
    chunk: list[AppendRequest] = []
    households: set[str] = set()
    events = 0
    for request in requests:
        if chunk and (
            request.household_id in households
            or events + len(request.commands) > MAX_EVENTS_PER_TRANSACTION
        ):
            yield chunk
            chunk, events = [], 0
            households.clear()
        chunk.append(request)
        households.add(request.household_id)
        events += len(request.commands)
    if chunk:
        yield chunk
