"""The erasure's writes on each database: emptied in the transaction of its event or not at
all, file names blanked and nothing else of an upload changed, and the states kept in
memory holding commitments only."""

from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from bootstrap import Services
from ledger.domain.callers import Caller
from ledger.domain.commands import AppendBatch
from ledger.domain.personal import is_commitment
from ledger.domain.vocabulary import CallerRole
from ledger.persistence.personal_data import Erasure
from ledger.persistence.tables import MaterialRecord
from ledger.personal.erasure import Erasures
from tests import factories as f

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
