"""Evaluators' view: every person's name and ID number masked, hashes untouched."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.callers import Caller
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.household import Household, apply_all
from ledger.domain.masking import (
    mask_event,
    mask_id_number,
    mask_name,
    mask_state,
    sees_personal_data,
)
from ledger.domain.rules import Recording, decide
from ledger.domain.serialization import event_document, state_document
from ledger.domain.vocabulary import CallerRole
from tests import factories as f
from tests import strategies as s

Json = dict[str, Any]
Path = tuple[str | int, ...]


def test_a_name_keeps_its_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("岩温·扎") == "岩***"


def test_a_one_character_name_is_masked_whole_and_none_stays_none() -> None:
    assert mask_name("张") == "*"
    assert mask_name("") == ""
    assert mask_name(None) is None


def test_an_id_number_keeps_its_region_and_last_four_characters() -> None:
    assert mask_id_number("530925198001010013") == "530925********0013"
    assert mask_id_number("53092519800101001X") == "530925********001X"
    assert mask_id_number(None) is None
    assert mask_id_number("1234567890") == "**********"


def test_only_evaluators_read_personal_data_masked() -> None:
    for role in CallerRole:
        caller = Caller(token_id="t", name="n", role=role, division="53")
        assert sees_personal_data(caller) == (role != CallerRole.EVALUATOR)


def _served(*events: Json) -> list[Json]:
    decided = decide(
        Household("hh-1"),
        AppendBatch.model_validate({"events": list(events)}).events,
        Recording(datetime(2024, 5, 1, tzinfo=UTC), {"token_id": "t", "name": "周五"}),
        originator_id=UUID(int=0),
    )
    return [event_document(e) for e in decided]


def test_a_masked_registration_hides_members_actor_recorder_and_file_names() -> None:
    registration = f.registered()
    registration["materials"] = [{**f.MATERIAL, "name": "张三身份证.jpg"}]
    [served] = _served(registration)
    masked = mask_event(served)
    assert [(m["name"], m["id_number"]) for m in masked["data"]["members"]] == [
        ("张*", "530925********" + f.id_number(1)[-4:]),
        ("张*", "530925********" + f.id_number(2)[-4:]),
    ]
    assert masked["actor"] == {**served["actor"], "name": "李*"}
    assert masked["recorded_by"] == {**served["recorded_by"], "name": "周*"}
    assert masked["materials"] == [{**served["materials"][0], "name": "张********"}]
    assert (masked["hash"], masked["prev_hash"]) == (served["hash"], served["prev_hash"])
    assert masked["masked"] is True
    assert "masked" not in served  # the served document itself is left as it was


def test_a_member_without_an_id_number_keeps_null() -> None:
    added = f.event(
        "MemberAdded",
        {
            "member": f.member("m3", "child", id_number=None, id_missing_reason="newborn"),
            "reason": "birth",
        },
    )
    masked = mask_event(_served(f.registered(), added)[1])
    assert masked["data"]["member"]["id_number"] is None
    assert masked["data"]["member"]["name"] == "张*"


def test_a_masked_state_hides_present_and_former_members() -> None:
    household = Household("hh-1")
    removed = f.event("MemberRemoved", {"member_id": "m2", "reason": "moved_out"})
    decided = decide(
        household,
        AppendBatch.model_validate({"events": [f.registered(), removed]}).events,
        Recording(datetime(2024, 5, 1, tzinfo=UTC), {"token_id": "t"}),
        originator_id=UUID(int=0),
    )
    household = apply_all(household, decided)
    state = mask_state(state_document(household))
    people = state["members"] + state["former_members"]
    assert [(m["member_id"], m["name"]) for m in people] == [("m1", "张*"), ("m2", "张*")]
    assert all(m["id_number"].startswith("530925********") for m in people)


# The property: for any valid event of any type, nothing personal survives masking.


def _personal(document: Json, *, state: bool = False) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every name and ID number the contract puts in an event (or, for a
    state, anywhere), found from the contract's shapes rather than from the masker."""

    def walk(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("name", "id_number") and isinstance(item, str):
                    yield (*path, key), item
                else:
                    yield from walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, (*path, index))

    if state:
        yield from walk(document, ())
        return
    yield from walk(document["data"], ("data",))
    for party in ("actor", "recorded_by"):
        if isinstance(document[party].get("name"), str):
            yield (party, "name"), document[party]["name"]
    for index, material in enumerate(document["materials"]):
        yield ("materials", index, "name"), material["name"]


def _blanked(document: Json, paths: list[Path]) -> Json:
    copy: Json = json.loads(json.dumps(document))
    for path in paths:
        target: Any = copy
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = ""
    copy.pop("masked", None)
    return copy


def _kept(path: Path, value: str) -> list[str]:
    """What the format deliberately keeps: a name's first character, an ID number's region
    and last four."""
    if path[-1] == "id_number":
        return [value[:6], value[-4:]]
    return [value[:1]] if len(value) > 1 else []


def _check_masked(original: Json, masked: Json, *, state: bool = False) -> None:
    personal = list(_personal(original, state=state))
    paths = [path for path, _ in personal]
    # Masking touches nothing else.
    assert _blanked(masked, paths) == _blanked(original, paths)
    # No original value survives anywhere in the masked JSON — unless the same text is
    # public anyway: elsewhere in the document (free text may repeat it) or in what the
    # format keeps (a one-character file name may be another name's first character).
    public = "\x00".join(
        [
            json.dumps(_blanked(original, paths), ensure_ascii=False),
            *(kept for path, value in personal for kept in _kept(path, value)),
        ]
    )
    text = json.dumps(masked, ensure_ascii=False)
    for path, value in personal:
        if value and value not in public:
            assert value not in text, f"{path}: {value!r} survives masking"


RECORDERS = st.fixed_dictionaries(
    {
        "token_id": st.just("t-test"),
        "name": s.person_names(),
        "role": st.just("recorder"),
        "division": st.just("53"),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(registration=s.registrations(), recorded_by=RECORDERS, data=st.data())
def test_no_name_or_id_number_survives_masking_and_hashes_are_unchanged(
    registration: Json, recorded_by: Json, data: st.DataObject
) -> None:
    household = Household("hh-generated")
    ids = iter(UUID(int=n) for n in range(1, 1000))
    recording = Recording(datetime(2024, 5, 1, tzinfo=UTC), recorded_by)
    registered = decide(
        household,
        AppendBatch.model_validate({"events": [registration]}).events,
        recording,
        originator_id=UUID(int=0),
        new_id=lambda: next(ids),
    )
    household = apply_all(household, registered)
    for _ in range(data.draw(st.integers(1, 12), label="length")):
        context = s.Context.of(household)
        kinds = [t for t in EVENT_TYPES if context.available(t)]
        event = data.draw(st.sampled_from(kinds).flatmap(context.event), label="event")
        decided = decide(
            household,
            AppendBatch.model_validate({"events": [event]}).events,
            recording,
            originator_id=UUID(int=0),
            new_id=lambda: next(ids),
        )
        household = apply_all(household, decided)
    for served in (event_document(e) for e in household.history):
        masked = mask_event(served)
        assert (masked["hash"], masked["prev_hash"], masked["masked"]) == (
            served["hash"],
            served["prev_hash"],
            True,
        )
        _check_masked(served, masked)
    state = state_document(household)
    _check_masked(state, mask_state(state), state=True)
