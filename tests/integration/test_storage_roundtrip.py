"""What is stored is what was decided: every event type, on SQLite and PostgreSQL.

Each example registers a fresh household, appends generated prerequisites and then
generated events of the type under test (all accepted by the rules) through
``AppendPipeline.append``, and reads them back through ``history`` and ``feed``. The
events read back must be the very events ``decide`` produced (as ``append`` handed them
to ``save``), down to the Python type of every value (a ``date`` stays a
``date``, a ``Decimal`` keeps its exponent, a ``datetime`` its offset, a ``UUID`` stays a
``UUID``), serve the same JSON, re-hash to their stored hash and chain unbroken.
"""

import dataclasses
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.events import HouseholdEvent
from ledger.domain.integrity import ZERO_HASH, event_hash
from ledger.domain.serialization import event_document
from ledger.reading import HouseholdReads
from tests import strategies as s

# Appended by an erasure only (CONTRACT §7.3), never by a caller's append: its storage is
# the erasure's (tests/integration/test_erasure_stores.py).
APPENDED_TYPES = [t for t in EVENT_TYPES if t != "PersonalDataErased"]
# Types the context can generate before any event id is known (the prefix).
PREFIX_TYPES = [
    t
    for t in APPENDED_TYPES
    if t not in ("HouseholdRegistered", "ObjectionResolved", "MaterialAttached", "EntryVoided")
]
# What to append first so that an event of the type under test can be accepted.
PREREQUISITE = {
    "MemberRemoved": "MemberAdded",
    "ObjectionResolved": "ObjectionRaised",
    "AssistanceDelivered": "AssistancePlanned",
    "AssistanceEnded": "AssistancePlanned",
    "DataIssueResolved": "DataIssueRaised",
}
VOIDABLE_TYPES = [t for t in PREFIX_TYPES if t not in {"SystemMarked", *PREREQUISITE}]


def assert_identical(a: Any, b: Any, path: str = "") -> None:
    """``a == b`` and the same Python type at every level, recursively.

    Decimals must have the same digits and exponent, datetimes the same offset, floats
    the same sign (``-0.0`` is not ``0.0``)."""
    where = path or "<root>"
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            assert_identical(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_identical(x, y, f"{path}[{index}]")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        assert a == b, f"{where}: {a!r} != {b!r}"
    elif isinstance(a, Decimal):
        assert a.as_tuple() == b.as_tuple(), f"{where}: Decimal {a!r} != {b!r}"
    elif isinstance(a, datetime):
        assert (a, a.utcoffset(), a.isoformat()) == (b, b.utcoffset(), b.isoformat()), (
            f"{where}: datetime {a!r} != {b!r}"
        )
        assert type(a.tzinfo) is type(b.tzinfo), f"{where}: tzinfo {a.tzinfo!r} != {b.tzinfo!r}"
    elif isinstance(a, float):
        assert a == b, f"{where}: {a!r} != {b!r}"
        assert math.copysign(1, a) == math.copysign(1, b), f"{where}: {a!r} != {b!r}"
    else:
        assert isinstance(a, str | int | bool | date | UUID | None), (
            f"{where}: unexpected {type(a).__name__} {a!r}"
        )
        assert a == b, f"{where}: {a!r} != {b!r}"


@contextmanager
def decided_events(ledger: HouseholdLedger) -> Iterator[list[HouseholdEvent]]:
    """The events ``append`` decided and saved, as it handed them to ``save``."""
    saved: list[HouseholdEvent] = []
    save = ledger.save

    def spy(*objects: Any, **kwargs: Any) -> Any:
        recordings = save(*objects, **kwargs)
        saved.extend(objects)
        return recordings

    ledger.save = spy  # type: ignore[method-assign]
    try:
        yield saved
    finally:
        del ledger.save


def append(
    ledger: HouseholdLedger, household_id: str, caller: Caller, batch: list[dict[str, Any]]
) -> list[str]:
    commands = AppendBatch.model_validate({"events": batch}).events
    receipt = AppendPipeline(ledger).append(household_id, commands, caller).response
    return [e["id"] for e in receipt["events"]]


def assert_chain(stream: list[HouseholdEvent]) -> None:
    previous = ZERO_HASH
    for version, event in enumerate(stream, start=1):
        assert event.version == version
        assert event.prev_hash == previous, f"version {version} does not link to {version - 1}"
        assert event_hash(event_document(event)) == event.hash, f"version {version} re-hashes"
        previous = event.hash


def placeholder(index: int) -> str:
    """Stands for the id of the ``index``-th event of the first append until it is known."""
    return str(UUID(int=index + 1))


def with_real_ids(batch: list[dict[str, Any]], ids: dict[str, str]) -> list[dict[str, Any]]:
    """``batch`` with placeholders in its references replaced by the appended events' ids."""

    def real(value: Any) -> Any:
        return ids.get(value, value) if isinstance(value, str) else value

    return [
        {
            **event,
            "remedies": real(event.get("remedies")),
            "data": {
                k: real(v) if k in ("target_event_id", "objection_id") else v
                for k, v in event["data"].items()
            },
        }
        for event in batch
    ]


# PostgreSQL's connection pool draws from ``random`` in its own threads, which Hypothesis
# would take for a strategy's doing.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module")
@pytest.mark.parametrize("event_type", APPENDED_TYPES)
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_every_event_type_round_trips_through_storage_unchanged(
    ledger: HouseholdLedger,
    recorder_caller: Caller,
    event_type: str,
    data: st.DataObject,
) -> None:
    # Everything is drawn before the database is touched (its pool's threads use
    # ``random``, which Hypothesis would take for a strategy's).
    registration = data.draw(s.registrations(recorder_caller.division), label="registration")
    context = s.Context.registered(registration)

    # A prefix of a few events of any kind, then what the type under test needs …
    prefix: list[dict[str, Any]] = []
    kinds = data.draw(st.lists(st.sampled_from(PREFIX_TYPES), max_size=4), label="prefix")
    if event_type == "EntryVoided":
        kinds += data.draw(
            st.lists(st.sampled_from(VOIDABLE_TYPES), min_size=1, max_size=3), label="voidable"
        )
    if event_type in PREREQUISITE:
        kinds += [PREREQUISITE[event_type]] * data.draw(st.integers(1, 3), label="prerequisites")
    if event_type in s.STEP_TYPES and data.draw(st.booleans(), label="remedies"):
        kinds.append("SystemMarked")  # so that a step can remedy it
    for kind in kinds:
        if context.available(kind):
            prefix.append(data.draw(context.event(kind), label=kind))
            context.apply(prefix[-1])
    for index, event in enumerate([registration, *prefix]):
        context.identify(event, placeholder(index))

    # … then 1–3 events of that type, judged against the state the prefix left.
    batch = []
    if event_type != "HouseholdRegistered":
        assert context.available(event_type)
        for _ in range(data.draw(st.integers(1, 3), label="count")):
            if context.available(event_type):
                batch.append(data.draw(context.event(event_type), label=event_type))
                context.apply(batch[-1])

    household_id = f"hh-{uuid4()}"
    position = ledger.recorder.max_notification_id() or 0
    with decided_events(ledger) as decided:
        ids = append(ledger, household_id, recorder_caller, [registration, *prefix])
        if batch:
            known = {placeholder(index): real for index, real in enumerate(ids)}
            append(ledger, household_id, recorder_caller, with_real_ids(batch, known))

    under_test = decided[-len(batch) :] if batch else decided[:1]
    assert {e.TYPE for e in under_test} == {event_type}
    stored = HouseholdReads(ledger).history(household_id, recorder_caller)
    fed = [
        e
        for _, e in HouseholdReads(ledger).feed(recorder_caller, after=position, limit=1000).events
    ]
    assert len(stored) == len(decided) == 1 + len(prefix) + len(batch)
    assert [e.id for e in fed] == [e.id for e in decided]
    for original, from_history, from_feed in zip(decided, stored, fed, strict=True):
        for read in (from_history, from_feed):
            assert read == original
            assert_identical(read, original)
            assert event_document(read) == event_document(original)
    assert_chain(stored)
