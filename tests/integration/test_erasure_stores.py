"""The erasure's writes on each database: emptied in the transaction of its event or not at
all, file names blanked and nothing else of an upload changed, and the states kept in
memory holding commitments only."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bootstrap import Services, open_services
from bootstrap.settings import Settings
from ledger.domain.callers import Caller
from ledger.domain.catalog import EVENT_TYPES
from ledger.domain.commands import AppendBatch
from ledger.domain.personal import MEMBER_FIELDS, fields_of, is_commitment, rehash
from ledger.domain.serialization import event_document
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.database import Database
from ledger.persistence.personal_data import Erasure
from ledger.persistence.tables import MaterialRecord
from ledger.personal.erasure import ERASED, Erasures
from tests import factories as f
from tests import strategies as s
from tests.conftest import _url
from tests.integration.test_append_only import postgres, service_database  # noqa: F401 (fixtures)

NAME = "司马秀英"
FILE_NAME = f"{NAME}的授权书.pdf"
SHA256 = "b" * 64
ADMIN = Caller(token_id="t-admin", name="管理员", role=CallerRole.ADMIN, division="53")
NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _append(services: Services, *events: dict[str, Any]) -> None:
    batch = AppendBatch.model_validate({"events": list(events)})
    services.appends.append("hh-1", batch.events, ADMIN)


@pytest.fixture
def household(services: Services) -> Services:
    return _seeded(services)


def _seeded(services: Services) -> Services:
    """hh-1, whose spouse m2 is NAME, citing a stored material named after her, uploaded
    by two tokens (one under another name)."""
    tables = services.ledger.tables
    tables.add_material(MaterialRecord(SHA256, 9, "application/pdf", FILE_NAME, NOW, "t-1", "53"))
    tables.add_material(MaterialRecord(SHA256, 9, "application/pdf", "scan.pdf", NOW, "t-2", "53"))
    material = {
        "sha256": SHA256,
        "kind": "authorization_letter",
        "name": FILE_NAME,
        "media_type": "application/pdf",
        "size": 9,
    }
    _append(
        services,
        f.registered(members=[f.member("m1"), f.member("m2", "spouse", sex="F", name=NAME)]),
        f.event("AuthorizationSigned", {"member_id": "m2"}, materials=[material]),
    )
    return services


def test_an_erasure_whose_event_is_not_stored_erases_nothing(household: Services) -> None:
    ledger = household.ledger
    rows = ledger.stores.personal.of_household("hh-1")
    hers = tuple(r.commitment for r in rows if r.member_id == "m2")
    stored = ledger.stream("hh-1")[0]
    with pytest.raises(IntegrityError):  # its version is taken: the transaction fails
        ledger.save(stored, erase=[Erasure(hers, NOW, (SHA256,), ((SHA256, "t-1"),))])
    after = ledger.stores.personal.find(hers)
    assert all(after[c].sealed is not None for c in hers)
    found = ledger.tables.find_material(SHA256)
    assert found is not None
    assert found.file_name == FILE_NAME


def test_an_erasure_blanks_the_file_names_carrying_a_value_and_nothing_else(
    household: Services,
) -> None:
    erased = Erasures(household.appends, household.ledger).erase("hh-1", "m2", "本人申请", ADMIN)
    # m2's name, ID number and birth date, and the material's name that contains hers.
    assert erased["erased"] == 4
    tables = household.ledger.tables
    found = tables.find_material(SHA256)
    assert found == MaterialRecord(SHA256, 9, "application/pdf", "", NOW, "t-1", "53")
    uploads = {u.token_id: u.file_name for u in tables.material_uploads([SHA256])[SHA256]}
    assert uploads == {"t-1": "", "t-2": "scan.pdf"}  # another name for the bytes is kept


def test_the_service_role_may_erase_on_postgresql(service_database: Database) -> None:
    """What migration 0011 grants ``ledger_service``: emptying sealed values, blanking
    file names (nothing else of an upload)."""
    settings = Settings(database_url=_url(service_database), pool_size=2, auto_migrate=False)
    with open_services(settings, projections=False) as opened:
        erased = Erasures(opened.appends, _seeded(opened).ledger).erase("hh-1", "m2", "x", ADMIN)
        assert erased["erased"] == 4
        found = opened.ledger.tables.find_material(SHA256)
        assert found is not None
        assert found.file_name == ""


def test_the_states_kept_in_memory_hold_commitments_only(household: Services) -> None:
    reads = household.reads
    reads.household("hh-1", ADMIN)  # kept by the reads, as the appends keep theirs
    Erasures(household.appends, household.ledger).erase("hh-1", "m2", "本人申请", ADMIN)
    kept_by_appends = household.appends._recent.get("hh-1")  # the kept state itself
    for state in (reads.household("hh-1", ADMIN), kept_by_appends):
        assert state is not None
        assert NAME not in repr(state)
        spouse = state.members["m2"]
        assert spouse["erased"] is True
        assert all(is_commitment(spouse[k]) for k in ("name", "id_number", "birth_date"))


# The property (issue 15's "(b)"): whatever the history, an erasure leaves every event as
# served to a reader of personal data and to an evaluator re-hashing to its hash, and no
# erased value served. Few examples: each appends through the pipeline on SQLite.
_KINDS = [t for t in EVENT_TYPES if t not in ("HouseholdRegistered", ERASED)]


def _values_of(events: list[dict[str, Any]], member_id: str) -> set[str]:
    """The member's text values (name, ID number, birth date) in the generated events."""
    found: set[str] = set()
    for event in events:
        data = event["data"]
        for member in [*data.get("members", []), *([data["member"]] if "member" in data else [])]:
            if member["member_id"] == member_id:
                found |= {v for k in MEMBER_FIELDS if isinstance(v := member.get(k), str)}
    return found


@pytest.mark.parametrize("empty_database", ["sqlite"], indirect=True)
@settings(
    max_examples=12,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one database; each example its own household
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_after_an_erasure_every_served_event_rehashes_and_serves_no_erased_value(
    services: Services, data: st.DataObject
) -> None:
    # Everything is drawn before the database is touched (its pool's threads use
    # ``random``, which Hypothesis would take for a strategy's).
    registration = data.draw(s.registrations(ADMIN.division), label="registration")
    context = s.Context.registered(registration)
    history = [registration]
    for kind in data.draw(st.lists(st.sampled_from(_KINDS), max_size=6), label="kinds"):
        if context.available(kind):
            history.append(data.draw(context.event(kind), label=kind))
            context.apply(history[-1])
    member_id = data.draw(st.sampled_from(sorted(context.members)), label="member")
    erased = _values_of(history, member_id)
    others = {v for m in context.members if m != member_id for v in _values_of(history, m)}
    household_id = f"hh-{uuid4().hex[:12]}"

    batch = AppendBatch.model_validate({"events": history})
    services.appends.append(household_id, batch.events, ADMIN)
    vault = services.ledger.personal
    stored = [event_document(e) for e in services.ledger.stream(household_id)]
    committed = json.dumps(stored, ensure_ascii=False)
    # A value also held by another member, or in the record itself, is not the member's own.
    assume(not any(v in committed or any(v in o for o in others) for v in erased))

    Erasures(services.appends, services.ledger).erase(household_id, member_id, "申请", ADMIN)

    stored = [event_document(e) for e in services.ledger.stream(household_id)]
    openings = vault.of_events(stored)
    for served in [*map(openings.opened, stored), *map(openings.committed, stored)]:
        assert rehash(served) == served["hash"]
        text = json.dumps(served, ensure_ascii=False)
        assert not any(value in text for value in erased)
    for event in stored:  # every field of the member, in every event, listed as erased
        hers = {f.pointer for f in fields_of(event) if f.member_id == member_id}
        assert hers <= set(openings.opened(event)["erased"])
        assert hers <= set(openings.committed(event)["erased"])
