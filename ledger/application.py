"""The ledger's service layer: load a household, decide, save — and the reads.

One ``HouseholdLedger`` per process, built at the composition root with the library's
settings for the configured database (``Database.eventsourcing_env``).
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any, cast
from uuid import UUID, uuid5

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import Environment, EnvType

from ledger.domain.access import check_append, in_scope
from ledger.domain.bounds import InputBounds, check_bounds
from ledger.domain.callers import Caller
from ledger.domain.commands import Envelope
from ledger.domain.errors import (
    Forbidden,
    IdempotencyKeyReused,
    LedgerError,
    UnknownHousehold,
    ValidationFailed,
    VersionConflict,
)
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all, as_of, replay
from ledger.domain.rules import Recording, decide
from ledger.domain.serialization import receipt
from ledger.group_commit import GroupCommit, KeyedLocks
from ledger.persistence.tables import UNKNOWN_OWNER, IdempotencyRecord, SideTables
from ledger.persistence.transcoding import register_ledger_transcodings
from ledger.recent_states import RecentStates

IMPORT_KEY_PREFIX = "import:"
"""Idempotency keys that ``ledger import`` derives from a line's content."""
HOUSEHOLD_NAMESPACE = UUID("6f1f2a52-3c1e-5b0e-9d49-530925000000")
# Grouped appends stop here: one insert of ~4,000 events (~5 MB) hung in psycopg 3.3's
# pipeline sync (seen while benchmarking the projections); 2,000 went through.
MAX_EVENTS_PER_TRANSACTION = 2_000


def originator_id(household_id: str) -> UUID:
    """The stream id of a household: a UUID derived from its id, stable forever."""
    return uuid5(HOUSEHOLD_NAMESPACE, household_id)


@dataclass(frozen=True)
class Appended:
    """The answer to an append; ``replayed`` when an idempotent retry got the original."""

    response: dict[str, Any]
    replayed: bool = False


@dataclass(frozen=True)
class FeedPage:
    events: list[tuple[int, HouseholdEvent]]  # (position, event), in commit order
    scanned_to: int
    more: bool


@dataclass(frozen=True)
class Idempotency:
    """An ``Idempotency-Key`` and the digest of the request it came with. A key is the
    caller's own (CONTRACT §7.1): the same key from another token is another key."""

    key: str
    request_digest: str

    @classmethod
    def of_request(cls, key: str, request_digest: str) -> "Idempotency":
        """A key sent to the API: the ``import:`` prefix is ``ledger import``'s."""
        if key.startswith(IMPORT_KEY_PREFIX):
            raise ValidationFailed(
                f"the Idempotency-Key prefix '{IMPORT_KEY_PREFIX}' is reserved for `ledger import`",
                [
                    {
                        "field": "Idempotency-Key",
                        "message": f"must not start with '{IMPORT_KEY_PREFIX}'",
                    }
                ],
            )
        return cls(key, request_digest)


@dataclass(frozen=True)
class AppendRequest:
    """One household's append, as ``HouseholdLedger.append`` takes it."""

    household_id: str
    commands: Sequence[Envelope]
    caller: Caller
    expected_version: int | None = None
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class _Decided:
    """An append's events and idempotency row, ready to be written."""

    events: list[HouseholdEvent]
    idempotency: IdempotencyRecord | None


class HouseholdLedger(Application[UUID]):
    name = "ledger"
    max_attempts = 50  # appends without expected_version retry a conflict this often

    def __init__(
        self,
        env: EnvType | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        bounds: InputBounds | None = None,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.bounds = bounds or InputBounds()  # every append is judged by them
        self.tables: SideTables = cast(Any, self.recorder).tables
        # Appends to one household are serialised in-process; other processes are
        # caught by the (household, version) uniqueness and retried.
        self._households = KeyedLocks()
        self._recent = RecentStates()  # taken and advanced by appends
        self._read_states = RecentStates()  # shared by reads, never changed
        # Appends to different households share transactions (ledger/group_commit.py).
        self._group_commit = GroupCommit(
            self._write,
            conflict=IntegrityError,
            weight=lambda d: len(d.events),
            max_weight=MAX_EVENTS_PER_TRANSACTION,
        )
        # Told how many events each write stored: wake the projection runner, count them.
        self.on_append: list[Callable[[int], object]] = []

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        for listener in self.on_append:
            listener(len(recordings))

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Settings come from the composition root only, never from os.environ here.
        return Environment(name, dict(env or {}))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    # Writing

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
        check_bounds(commands, self.bounds, self.clock())
        check_append(caller, commands)
        for attempt in range(self.max_attempts):
            if idempotency and (earlier := self._earlier_answer(household_id, caller, idempotency)):
                return earlier
            with self._households.hold(household_id):
                household, events = self._decide(household_id, commands, caller, expected_version)
                response = receipt(household_id, household.version, events)
                try:
                    self._group_commit.commit(
                        _Decided(
                            events, self._record_of(idempotency, caller, household_id, response)
                        )
                    )
                except IntegrityError:
                    if idempotency and (
                        earlier := self._earlier_answer(household_id, caller, idempotency)
                    ):
                        return earlier
                    if expected_version is not None:
                        raise VersionConflict(
                            f"household '{household_id}' moved past version "
                            f"{expected_version} while this append was being decided"
                        ) from None
                else:
                    self._recent.keep(household)
                    return Appended(response)
            time.sleep(min(0.002 * 2**attempt, 0.05))
        raise VersionConflict(
            f"gave up after {self.max_attempts} concurrent conflicts "
            f"on household '{household_id}'; retry"
        )

    def append_many(self, requests: Sequence[AppendRequest]) -> list[Appended | LedgerError]:
        """Appends each request all or none, most of them in one transaction (bulk import);
        the answers are in order: an ``Appended``, or the error that refused the request."""
        answers: list[Appended | LedgerError | None] = [None] * len(requests)
        group: list[tuple[int, dict[str, Any], _Decided]] = []
        grouped: set[str] = set()
        # Two queries for all the requests rather than two each.
        used = self.tables.find_idempotencies(
            [r.idempotency.key for r in requests if r.idempotency is not None]
        )
        streams = self._streams({r.household_id for r in requests})
        grouped_events = 0
        for index, request in enumerate(requests):
            if (
                request.household_id in grouped  # it must see the earlier part: write that
                or grouped_events + len(request.commands) > MAX_EVENTS_PER_TRANSACTION
            ):
                self._write_many(requests, group, answers)
                grouped.clear()
                grouped_events = 0
            try:
                check_bounds(request.commands, self.bounds, self.clock())
                check_append(request.caller, request.commands)
                if request.idempotency and (
                    stored := self._owned(request.caller, used.get(request.idempotency.key, []))
                ):
                    answers[index] = self._answer_of(
                        request.household_id, request.caller, request.idempotency, stored
                    )
                    continue
                stream = streams.pop(request.household_id, None)
                household = (
                    self._load(request.household_id)
                    if stream is None
                    else replay(request.household_id, stream)
                )
                self._check_scope(request.caller, household, request.commands)
                events = decide(
                    household,
                    request.commands,
                    Recording(self.clock(), request.caller.recorded_by()),
                    expected_version=request.expected_version,
                    originator_id=originator_id(request.household_id),
                )
            except LedgerError as error:
                answers[index] = error
                continue
            household = apply_all(household, events)
            response = receipt(request.household_id, household.version, events)
            group.append(
                (
                    index,
                    response,
                    _Decided(
                        events,
                        self._record_of(
                            request.idempotency, request.caller, request.household_id, response
                        ),
                    ),
                )
            )
            grouped.add(request.household_id)
            grouped_events += len(events)
        self._write_many(requests, group, answers)
        return cast(list[Appended | LedgerError], answers)

    def _write_many(
        self,
        requests: Sequence[AppendRequest],
        group: list[tuple[int, dict[str, Any], _Decided]],
        answers: list[Appended | LedgerError | None],
    ) -> None:
        try:
            self._write([decided for _, _, decided in group])
        except IntegrityError:  # another writer came first: decide these again, one by one
            for index, _, _ in group:
                request = requests[index]
                try:
                    answers[index] = self.append(
                        request.household_id,
                        request.commands,
                        request.caller,
                        expected_version=request.expected_version,
                        idempotency=request.idempotency,
                    )
                except LedgerError as error:
                    answers[index] = error
        else:
            for index, response, _ in group:
                answers[index] = Appended(response)
        group.clear()

    def _write(self, appends: Sequence[_Decided]) -> None:
        """Stores the appends in one transaction, all or none."""
        self.save(
            *(event for append in appends for event in append.events),
            idempotency=[a.idempotency for a in appends if a.idempotency is not None],
        )

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

    def _streams(self, household_ids: set[str]) -> dict[str, list[HouseholdEvent]]:
        return {household_id: self.stream(household_id) for household_id in household_ids}

    def _earlier_answer(
        self,
        household_id: str,
        caller: Caller,
        idempotency: Idempotency,
    ) -> Appended | None:
        """The caller's own earlier answer under this key, or None: a key another token
        used does not apply to this caller at all."""
        used = self.tables.find_idempotencies([idempotency.key]).get(idempotency.key, [])
        stored = self._owned(caller, used)
        return (
            None if stored is None else self._answer_of(household_id, caller, idempotency, stored)
        )

    def _owned(
        self,
        caller: Caller,
        records: Sequence[IdempotencyRecord],
    ) -> IdempotencyRecord | None:
        """The caller's record among those of one key. A key stored before keys had
        owners belongs to the token that recorded the events it answered."""
        for record in records:
            if record.token_id == caller.token_id:
                return record
        for record in records:
            if record.token_id == UNKNOWN_OWNER and self._recorder_of(record) == caller.token_id:
                return record
        return None

    def _recorder_of(self, record: IdempotencyRecord) -> str | None:
        first = int(orjson.loads(record.response)["events"][0]["version"])
        events = self.stream(record.household_id, gt=first - 1, lte=first)
        return str(events[0].recorded_by.get("token_id")) if events else None

    def _answer_of(
        self, household_id: str, caller: Caller, idempotency: Idempotency, stored: IdempotencyRecord
    ) -> Appended:
        """The caller's own receipt again, once the household is seen to be in its scope
        (checked before any replay, whoever owns the key)."""
        if not in_scope(caller, self.village_of(stored.household_id)):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        if stored.request_digest != idempotency.request_digest:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {idempotency.key!r} was used by this token for a different "
                f"request (household '{stored.household_id}')"
            )
        return Appended(orjson.loads(stored.response), replayed=True)

    def _record_of(
        self,
        idempotency: Idempotency | None,
        caller: Caller,
        household_id: str,
        response: dict[str, Any],
    ) -> IdempotencyRecord | None:
        if idempotency is None:
            return None
        return IdempotencyRecord(
            key=idempotency.key,
            token_id=caller.token_id,
            request_digest=idempotency.request_digest,
            household_id=household_id,
            response=orjson.dumps(response).decode(),
            created_at=self.clock(),
        )

    # Reading

    def stream(self, household_id: str, **selection: Any) -> list[HouseholdEvent]:
        """The household's events, oldest first (``gt``, ``lte``, ``limit`` select)."""
        return cast(
            list[HouseholdEvent], list(self.events.get(originator_id(household_id), **selection))
        )

    def _load(self, household_id: str) -> Household:
        return replay(household_id, self.stream(household_id))

    def _decide(
        self,
        household_id: str,
        commands: Sequence[Envelope],
        caller: Caller,
        expected_version: int | None,
    ) -> tuple[Household, list[HouseholdEvent]]:
        """The new events and the state after them, decided on the state this process kept
        after its last append to the household — without reading — or on a replay of the
        stream.

        A kept state is stale only if another process appended since; then the insert
        of the new events fails on their versions (unique per household) and the append
        is decided again on the stream: the kept state never lets a wrong append in. A
        refusal on a kept state is likewise checked against the stream.
        """
        recording = Recording(self.clock(), caller.recorded_by())
        kept = self._recent.take(household_id)
        if kept is not None:
            try:
                events = self._decide_on(kept, commands, caller, recording, expected_version)
                return apply_all(kept, events), events
            except LedgerError:
                pass
        household = self._load(household_id)
        events = self._decide_on(household, commands, caller, recording, expected_version)
        return apply_all(household, events), events

    def _decide_on(
        self,
        household: Household,
        commands: Sequence[Envelope],
        caller: Caller,
        recording: Recording,
        expected_version: int | None,
    ) -> list[HouseholdEvent]:
        self._check_scope(caller, household, commands)
        return decide(
            household,
            commands,
            recording,
            expected_version=expected_version,
            originator_id=originator_id(household.household_id),
        )

    def household(
        self, household_id: str, caller: Caller, moment: datetime | None = None
    ) -> Household:
        """Current state, or as it stood at recorded time ``moment``."""
        return self.household_and_events(household_id, caller, moment)[0]

    def household_and_events(
        self,
        household_id: str,
        caller: Caller,
        moment: datetime | None = None,
    ) -> tuple[Household, list[HouseholdEvent]]:
        """The state and the whole stream it was replayed from, read once (the page's
        badge re-reads the stored rows itself: ``ledger.transparency.badge``)."""
        if moment is None:
            state = self._current(household_id)
            events = list(state.history)
        else:
            events = self._recorded_until(household_id, moment)
            state = as_of(household_id, events, moment)
        if not state.registered or not in_scope(caller, state.village_code):
            when = "" if moment is None else f" as of {moment.isoformat()}"
            raise UnknownHousehold(f"household '{household_id}' is not registered{when}")
        return state, events

    def _recorded_until(
        self, household_id: str, moment: datetime, page: int = 500
    ) -> list[HouseholdEvent]:
        """The events recorded up to ``moment``, read a page at a time and none after it
        (a replay to a date early in a long history reads that early part alone)."""
        events: list[HouseholdEvent] = []
        while True:
            rows = self.stream(household_id, gt=events[-1].version if events else 0, limit=page)
            kept = list(takewhile(lambda e: e.recorded_at <= moment, rows))
            events += kept
            if len(kept) < page:
                return events

    def history(
        self, household_id: str, caller: Caller, *, after_version: int = 0, limit: int = 100
    ) -> list[HouseholdEvent]:
        """Events oldest first, after ``after_version``; unknown households raise. Reads
        the page's rows alone (and the registration, for the scope), however long the
        history."""
        village = self.village_of(household_id)  # set at registration, never changed
        if village is None or not in_scope(caller, village):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        return self.stream(household_id, gt=after_version, limit=limit)

    def _current(self, household_id: str) -> Household:
        """The state now: the one a read kept, if nothing was stored since, else a replay
        that decodes only the events the kept one lacks. Readers never change a state."""
        kept = self._read_states.get(household_id)
        if kept is None:
            state = replay(household_id, self.stream(household_id))
        else:
            newer = self.stream(household_id, gt=kept.version)
            if not newer:
                return kept
            state = replay(household_id, [*kept.history, *newer])
        if state.registered:
            self._read_states.keep(state)
        return state

    def feed(self, caller: Caller, *, after: int = 0, limit: int = 100) -> FeedPage:
        """The events of the caller's division in commit order, scanning ``limit``
        positions after ``after``; ``scanned_to`` is where the next page starts."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        events = [
            (n.id, cast(HouseholdEvent, self.mapper.to_domain_event(n))) for n in notifications
        ]
        if caller.division:
            villages = self._villages({event.household_id for _, event in events})
            events = [
                (pos, e) for pos, e in events if in_scope(caller, villages.get(e.household_id))
            ]
        scanned_to = notifications[-1].id if notifications else after
        return FeedPage(events, scanned_to, more=len(notifications) == limit)

    def _villages(self, household_ids: set[str]) -> dict[str, str]:
        return {
            household_id: village
            for household_id in household_ids
            if (village := self.village_of(household_id)) is not None
        }

    def village_of(self, household_id: str) -> str | None:
        """The household's village code, from its registration (version 1)."""
        first = self.stream(household_id, lte=1)
        return first[0].data["village_code"] if first else None

    def ping(self) -> None:
        self.tables.ping()
