"""Personal data as salted commitments (CONTRACT §7.3), in the domain alone.

Display masks for pages; sealing an append (no name, ID number or birth date left in an
event, each value kept apart with its salt); the two served forms, opened and committed,
both re-hashing to the event's ``hash`` for every event type; erased fields; refused
openings; and a verifier written from the contract's text alone (``contract_verifier``:
§4, §7.2 and §7.3 with ``hashlib``, ``base64``, ``json`` and ``rfc8785`` only) that agrees
with the ledger on every event.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.callers import Caller
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.household import Household, apply_all
from ledger.domain.masking import mask_id_number, mask_name, sees_personal_data
from ledger.domain.personal import (
    Opening,
    OpeningError,
    Sealed,
    committed,
    hashed_form,
    opened,
    rehash,
)
from ledger.domain.rules import Decision, Recording, decide_sealed
from ledger.domain.serialization import event_document, state_document
from ledger.domain.vocabulary import CallerRole
from tests import factories as f
from tests import strategies as s
from tests.unit.contract_verifier import COMMITMENT, pointed, step, tokens, verified_hash

Json = dict[str, Any]

# Display masks


def test_a_name_keeps_its_first_character() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("岩温·扎") == "岩***"


def test_a_one_character_name_is_masked_whole_and_none_stays_none() -> None:
    assert mask_name("张") == "*"
    assert mask_name("") == ""
    assert mask_name(None) is None


def test_an_id_number_keeps_its_region_only() -> None:
    assert mask_id_number("530925198001010013") == "530925************"
    assert mask_id_number("53092519800101001X") == "530925************"
    assert mask_id_number(None) is None
    assert mask_id_number("530925") == "******"  # too short to keep a region
    assert mask_id_number("1234567") == "123456*"


@given(member=s.members())
def test_a_masked_id_number_shows_neither_the_birth_segment_nor_the_last_four(
    member: Json,
) -> None:
    number = member["id_number"]
    if number is None:
        assert mask_id_number(number) is None
        return
    masked = mask_id_number(number)
    # Compared by position, not by search: the region may contain the same digits.
    assert masked == number[:6] + "*" * 12


def test_only_evaluators_are_served_commitments_instead_of_personal_values() -> None:
    for role in CallerRole:
        caller = Caller(token_id="t", name="n", role=role, division="53")
        assert sees_personal_data(caller) == (role != CallerRole.EVALUATOR)


# Sealing an append

RECORDER = {"token_id": "t-1", "name": "周五", "role": "recorder", "division": "53"}


def _decided(household: Household, *events: Json, opened: dict[str, Any] | None = None) -> Decision:
    ids = iter(UUID(int=household.version * 100 + n) for n in range(1, 100))
    return decide_sealed(
        household,
        AppendBatch.model_validate({"events": list(events)}).events,
        Recording(datetime(2024, 5, 1, tzinfo=UTC), RECORDER),
        originator_id=UUID(int=0),
        new_id=lambda: next(ids),
        opened=opened,
    )


def _newborn() -> Json:
    return f.member(
        "m3",
        "child",
        name="张小宝",
        birth_date="2021-03-01",
        labor="not_applicable",
        id_number=None,
        id_missing_reason="新生儿未办证",
    )


def _registration() -> Json:
    """Two members both named 张三, a newborn without an ID number, a file named after
    a person."""
    registration = f.registered(members=[f.member("m1"), f.member("m2", "spouse"), _newborn()])
    registration["materials"] = [{**f.MATERIAL, "name": "张三身份证.jpg"}]
    return registration


def _member_pointers(index: int) -> list[str]:
    return [f"/data/members/{index}/{k}" for k in ("name", "id_number", "birth_date")]


def test_a_sealed_registration_holds_no_name_id_number_or_birth_date() -> None:
    decision = _decided(Household("hh"), _registration())
    [document] = [event_document(e) for e in decision.events]
    text = json.dumps(document, ensure_ascii=False)
    for value in ("张三", "张小宝", "李四", "周五", "身份证", "1980-01-01", "2021-03-01"):
        assert value not in text, value
    for serial in (1, 2):
        assert f.id_number(serial) not in text
        assert f.id_number(serial)[6:14] not in text  # not even the birth segment
    members = document["data"]["members"]
    held = [
        *(m[k] for m in members for k in ("name", "id_number", "birth_date")),
        document["actor"]["name"],
        document["recorded_by"]["name"],
        document["materials"][0]["name"],
    ]
    assert all(COMMITMENT.fullmatch(v) for v in held), held
    # A null ID number is committed too; what is not personal stays as sent.
    assert members[2]["id_missing_reason"] == "新生儿未办证"
    assert [(m["member_id"], m["relation"], m["sex"]) for m in members] == [
        ("m1", "head", "M"),
        ("m2", "spouse", "M"),
        ("m3", "child", "M"),
    ]
    assert {k: v for k, v in document["materials"][0].items() if k != "name"} == {
        k: v for k, v in f.MATERIAL.items() if k != "name"
    }
    assert document["actor"] == {**f.ACTOR, "name": document["actor"]["name"]}
    # Equal values are not linkable: each field has its own salt.
    assert members[0]["name"] != members[1]["name"]
    assert members[0]["birth_date"] != members[1]["birth_date"]


def test_the_decision_keeps_each_value_with_its_salt_pointer_and_member() -> None:
    decision = _decided(Household("hh"), _registration())
    [event] = decision.events
    document = event_document(event)
    expected = {
        **dict(zip(_member_pointers(0), ("张三", f.id_number(1), "1980-01-01"), strict=True)),
        **dict(zip(_member_pointers(1), ("张三", f.id_number(2), "1980-01-01"), strict=True)),
        **dict(zip(_member_pointers(2), ("张小宝", None, "2021-03-01"), strict=True)),
        "/actor/name": "李四",
        "/recorded_by/name": "周五",
        "/materials/0/name": "张三身份证.jpg",
    }
    assert {sealed.pointer: sealed.value for sealed in decision.sealed} == expected
    members = {p: f"m{i + 1}" for i in range(3) for p in _member_pointers(i)}
    for sealed in decision.sealed:
        assert sealed.member_id == members.get(sealed.pointer)
        assert sealed.event_id == str(event.id)
        assert len(sealed.salt) == 32
        assert pointed(document, sealed.pointer) == sealed.commitment
        digest = hashlib.sha256(sealed.salt + rfc8785.dumps(sealed.value)).hexdigest()
        assert sealed.commitment == "c:" + digest
    assert len({sealed.salt for sealed in decision.sealed}) == len(decision.sealed)


def test_the_state_holds_members_commitments_not_their_values() -> None:
    decision = _decided(Household("hh"), _registration())
    state = state_document(apply_all(Household("hh"), decision.events))
    for member in state["members"]:
        assert all(COMMITMENT.fullmatch(member[k]) for k in ("name", "id_number", "birth_date"))
    text = json.dumps(state, ensure_ascii=False)
    assert "张三" not in text
    assert f.id_number(1) not in text


# Refused openings


def _opened_registration() -> tuple[Json, Json]:
    decision = _decided(Household("hh"), _registration())
    table = {s.commitment: Opening(s.value, s.salt) for s in decision.sealed}
    document = event_document(decision.events[0])
    return document, opened(document, table.get)


@pytest.mark.parametrize(
    "pointer",
    [
        "/data/village_code",
        "/data/members/0/relation",
        "/data/members/0/member_id",
        "/data/members/9/name",
        "/actor/id",
        "/hash",
        "data/members/0/name",
    ],
)
def test_an_opening_of_a_field_that_is_not_personal_is_refused(pointer: str) -> None:
    _, served = _opened_registration()
    salt = base64.b64encode(bytes(32)).decode()
    with pytest.raises(OpeningError, match="names no personal field"):
        hashed_form({**served, "openings": {**served["openings"], pointer: salt}})


@pytest.mark.parametrize("salt", ["not base64!", "AAA", "ÄÖ==", "AA==\n"])
def test_an_opening_whose_salt_is_not_base64_is_refused(salt: str) -> None:
    _, served = _opened_registration()
    with pytest.raises(OpeningError, match="not base64"):
        hashed_form({**served, "openings": {**served["openings"], "/actor/name": salt}})


def test_openings_that_are_not_an_object_are_refused() -> None:
    _, served = _opened_registration()
    with pytest.raises(OpeningError):
        hashed_form({**served, "openings": [["/actor/name", "AA=="]]})


def test_an_opened_value_changed_or_given_another_salt_no_longer_re_hashes() -> None:
    document, served = _opened_registration()
    assert rehash(served) == document["hash"]
    changed = json.loads(json.dumps(served))
    changed["data"]["members"][1]["name"] = "张四"
    assert rehash(changed) != document["hash"]
    swapped = json.loads(json.dumps(served))
    first, second = "/data/members/0/name", "/data/members/1/name"  # both 张三
    openings = swapped["openings"]
    openings[first], openings[second] = openings[second], openings[first]
    assert rehash(swapped) != document["hash"]
    null = json.loads(json.dumps(served))
    null["data"]["members"][2]["id_number"] = ""  # the null ID number, now empty
    assert rehash(null) != document["hash"]


# The independent verifier (``contract_verifier``) agrees with the ledger


def test_the_verifier_agrees_with_the_ledger_on_a_registration_in_both_forms() -> None:
    document, served = _opened_registration()
    assert verified_hash(served) == document["hash"]
    assert verified_hash(committed(document, lambda c: False)) == document["hash"]
    tampered = {**served, "data": {**served["data"], "group": "邦况二组"}}
    assert verified_hash(tampered) != document["hash"]
    with pytest.raises(ValueError, match="neither opened nor committed"):
        verified_hash({**served, "openings": {}})  # values in clear, nothing to open them


# The property: every event of every type, opened or committed, re-hashes


@dataclass
class History:
    """A household's events as stored, and what the vault would keep of them."""

    originals: list[Json]  # each event as sent, with the recorder the server set
    documents: list[Json]  # as stored and hashed (event_document)
    sealed: list[Sealed]

    @property
    def table(self) -> dict[str, Opening]:
        return {s.commitment: Opening(s.value, s.salt) for s in self.sealed}

    def sealed_of(self, document: Json) -> list[Sealed]:
        return [s for s in self.sealed if s.event_id == document["id"]]


RECORDERS = st.fixed_dictionaries(
    {
        "token_id": st.just("t-test"),
        "name": s.person_names(),
        "role": st.sampled_from(["recorder", "admin"]),
        "division": st.just("53"),
    }
)


@st.composite
def histories(draw: st.DrawFn) -> History:
    """A registration, then 1–10 events of any type the rules accept now (erasures too,
    when an admin records), judged by ``decide_sealed`` on the values kept so far."""
    recorded_by = draw(RECORDERS, label="recorded_by")
    recording = Recording(datetime(2024, 5, 1, tzinfo=UTC), recorded_by)
    ids = iter(UUID(int=n) for n in range(1, 1000))
    household, history = Household("hh-generated"), History([], [], [])
    values: dict[str, Any] = {}
    for turn in range(draw(st.integers(1, 10), label="length") + 1):
        if turn == 0:
            event = draw(s.registrations(), label="registration")
        else:
            context = s.Context.of(household, values, recorded_by["role"])
            kinds = [t for t in EVENT_TYPES if context.available(t)]
            if "PersonalDataErased" in kinds:  # one type of 30, and the one this is about
                kinds += ["PersonalDataErased"] * 4
            event = draw(st.sampled_from(kinds).flatmap(context.event), label="event")
        decision = decide_sealed(
            household,
            AppendBatch.model_validate({"events": [event]}).events,
            recording,
            originator_id=UUID(int=0),
            new_id=lambda: next(ids),
            opened=values,
        )
        values.update((sealed.commitment, sealed.value) for sealed in decision.sealed)
        household = apply_all(household, decision.events)
        history.originals.append({"materials": [], **event, "recorded_by": recorded_by})
        history.documents += [event_document(e) for e in decision.events]
        history.sealed += decision.sealed
    return history


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _blanked(document: Json, pointers: list[str]) -> Json:
    copy: Json = json.loads(json.dumps(document))
    for pointer in pointers:
        *path, last = tokens(pointer)
        parent = copy
        for token in path:
            parent = step(parent, token)
        parent[int(last) if isinstance(parent, list) else last] = ""
    return copy


def _in_json(value: str) -> str:
    """How ``value`` reads inside JSON text (quotes and backslashes escaped)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


@PROPERTY
@given(history=histories())
def test_every_event_opened_or_committed_re_hashes_and_only_the_opened_form_holds_values(
    history: History,
) -> None:
    table = history.table
    for original, document in zip(history.originals, history.documents, strict=True):
        served, evaluated = opened(document, table.get), committed(document, lambda c: False)
        assert rehash(served) == rehash(evaluated) == document["hash"]
        assert (served["erased"], evaluated["erased"]) == ([], [])
        assert "openings" not in evaluated
        # The opened form gives back exactly what was sent, at every pointer sealed.
        kept = history.sealed_of(document)
        pointers = [s.pointer for s in kept]
        assert sorted(served["openings"]) == sorted(pointers)
        for pointer in pointers:
            assert pointed(served, pointer) == pointed(original, pointer), pointer
            assert COMMITMENT.fullmatch(pointed(evaluated, pointer))
        assert _blanked(served, pointers) == _blanked(
            {**evaluated, "openings": served["openings"]}, pointers
        )
        # The committed form holds none of them, anywhere — unless the same text is
        # there anyway: in what is not personal (free text may repeat a name, a material
        # may be called "0") or inside a commitment's hex.
        public = "\x00".join(
            [
                json.dumps(_blanked(served, [*pointers, "/openings"]), ensure_ascii=False),
                *(s.commitment for s in kept),
            ]
        )
        text = json.dumps(evaluated, ensure_ascii=False)
        for sealed in kept:
            if isinstance(sealed.value, str) and _in_json(sealed.value) not in public:
                assert _in_json(sealed.value) not in text, sealed.pointer


@PROPERTY
@given(history=histories(), data=st.data())
def test_an_erased_members_fields_stay_commitments_are_listed_and_still_re_hash(
    history: History, data: st.DataObject
) -> None:
    table = history.table
    members = sorted({s.member_id for s in history.sealed if s.member_id is not None})
    chosen = data.draw(st.sampled_from(members), label="erased member")
    gone = {s.commitment for s in history.sealed if s.member_id == chosen}

    def lookup(commitment: str) -> Opening | None:
        return None if commitment in gone else table.get(commitment)

    for document in history.documents:
        erased = [s.pointer for s in history.sealed_of(document) if s.commitment in gone]
        served = opened(document, lookup)
        assert sorted(served["erased"]) == sorted(erased)
        assert not set(erased) & set(served["openings"])
        for pointer in erased:
            assert pointed(served, pointer) == pointed(document, pointer)
        assert rehash(served) == document["hash"]
        evaluated = committed(document, gone.__contains__)
        assert sorted(evaluated["erased"]) == sorted(erased)
        assert verified_hash(served) == verified_hash(evaluated) == document["hash"]


@PROPERTY
@given(history=histories(), data=st.data())
def test_the_independent_verifier_re_hashes_every_served_event_and_catches_a_changed_value(
    history: History, data: st.DataObject
) -> None:
    table = history.table
    for document in history.documents:
        served = opened(document, table.get)
        assert verified_hash(served) == document["hash"]
        assert verified_hash(committed(document, lambda c: False)) == document["hash"]
    # One opened value changed: neither the ledger nor the verifier accepts it.
    document = data.draw(st.sampled_from(history.documents), label="event")
    served = opened(document, table.get)
    pointer = data.draw(st.sampled_from(sorted(served["openings"])), label="pointer")
    *path, last = tokens(pointer)
    parent: Any = served
    for token in path:
        parent = step(parent, token)
    key: Any = int(last) if isinstance(parent, list) else last
    parent[key] = data.draw(
        st.one_of(st.none(), s.person_names(), st.just("0")).filter(_Differs(parent[key]).__call__),
        label="changed to",
    )
    assert rehash(served) != document["hash"]
    assert verified_hash(served) != document["hash"]


@dataclass(frozen=True)
class _Differs:
    """A filter predicate: not ``value`` (a class, so Hypothesis does not parse it)."""

    value: Any

    def __call__(self, other: Any) -> bool:
        return bool(other != self.value)
