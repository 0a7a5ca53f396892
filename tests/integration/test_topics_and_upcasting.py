"""Stored events name their class by an explicit topic, and old shapes upcast on read."""

from typing import Any, ClassVar

import pytest

from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger, originator_id
from ledger.domain.callers import Caller
from ledger.domain.catalog import CATALOG, EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.events import HouseholdEvent
from ledger.reading import HouseholdReads
from tests import factories as f


def test_every_contract_type_has_its_own_explicit_topic() -> None:
    product = {name: entry.event_class for name, entry in CATALOG.items()}
    assert sorted(product) == sorted(EVENT_TYPES)
    assert all(cls.__dict__["TOPIC"] == f"household/{name}" for name, cls in product.items())


def test_an_event_class_without_an_explicit_topic_is_refused() -> None:
    with pytest.raises(TypeError, match="explicit TOPIC"):
        type("Nameless", (HouseholdEvent,), {})


def test_stored_events_carry_the_explicit_topic_not_the_module_path(
    ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    batch = AppendBatch.model_validate({"events": [f.registered(), f.survey()]})
    AppendPipeline(ledger).append("hh-t", batch.events, recorder_caller)
    stored = ledger.recorder.select_events(originator_id("hh-t"))
    assert [s.topic for s in stored] == [
        "household/HouseholdRegistered",
        "household/FieldSurveyConducted",
    ]


class RenamedField(HouseholdEvent):
    """A test-only event whose version 2 renamed ``data.old`` to ``data.new``."""

    TOPIC = "test/RenamedField"
    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["data"]["new"] = state["data"].pop("old")


def test_a_stored_version_1_event_is_upcast_when_read(
    ledger: HouseholdLedger, recorder_caller: Caller
) -> None:
    batch = AppendBatch.model_validate({"events": [f.registered()]})
    AppendPipeline(ledger).append("hh-u", batch.events, recorder_caller)
    [registered] = HouseholdReads(ledger).history("hh-u", recorder_caller)
    stored = ledger.mapper.to_stored_event(registered)
    state = ledger.mapper.transcoder.decode(stored.state)
    state["data"] = {"old": "value written by version 1"}
    old = type(stored)(
        originator_id=stored.originator_id,
        originator_version=2,
        topic="test/RenamedField",
        state=ledger.mapper.transcoder.encode(state),
    )
    ledger.recorder.insert_events([old])
    [_, upcast] = HouseholdReads(ledger).history("hh-u", recorder_caller)
    assert isinstance(upcast, RenamedField)
    assert upcast.data == {"new": "value written by version 1"}
