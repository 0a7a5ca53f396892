"""CONTRACT §4 over HTTP: signed checkpoints, inclusion and consistency proofs, checked
with code written here from the contract's text (not the service's own verifiers)."""

import base64
import hashlib
import time
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from ledger.domain import merkle
from tests import factories as f
from tests.e2e.conftest import Append, problem_code


def _register(append: Append, *household_ids: str) -> None:
    for household_id in household_ids:
        response = append(household_id, f.registered(), f.survey())
        assert response.status_code == 201, response.text


def _checkpoint(client: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/v1/checkpoints/latest", params=params, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _signature_holds(client: TestClient, checkpoint: dict[str, Any]) -> bool:
    key = base64.b64decode(client.get("/v1/checkpoints/public-key").json()["public_key"])
    signed = rfc8785.dumps({k: checkpoint[k] for k in ("tree_size", "root_hash", "timestamp")})
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            base64.b64decode(checkpoint["signature"]), signed
        )
    except Exception:
        return False
    return True


def _all_events(client: TestClient, auth: dict[str, str], *household_ids: str) -> list[Any]:
    events = []
    for household_id in household_ids:
        events += client.get(f"/v1/households/{household_id}/events", headers=auth).json()["items"]
    return events


def _inclusion_holds(event: dict[str, Any], proof: dict[str, Any], root_hex: str) -> bool:
    """RFC 9162 §2.1.3.2, written out again so the test does not trust the service."""
    index, size = proof["leaf_index"], proof["tree_size"]
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + bytes.fromhex(event["hash"])).digest()
    for p in (bytes.fromhex(h) for h in proof["path"]):
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r.hex() == root_hex


def test_a_fresh_checkpoint_covers_every_append_and_is_signed(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1", "hh-2", "hh-3")
    checkpoint = _checkpoint(client, auth, fresh="true")
    assert set(checkpoint) == {"tree_size", "root_hash", "timestamp", "signature", "cosignatures"}
    assert checkpoint["cosignatures"] == []  # no witness policy
    assert checkpoint["tree_size"] == 6
    assert _signature_holds(client, checkpoint)
    forged = {**checkpoint, "tree_size": 5}
    assert not _signature_holds(client, forged)


def test_the_root_is_the_rfc_6962_tree_of_event_hashes_in_feed_order(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1", "hh-2")
    feed = client.get("/v1/feed", headers=auth).json()["items"]
    checkpoint = _checkpoint(client, auth, fresh="true")

    def mth(leaves: list[bytes]) -> bytes:
        if len(leaves) == 1:
            return hashlib.sha256(b"\x00" + leaves[0]).digest()
        k = 1 << ((len(leaves) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()

    assert checkpoint["root_hash"] == mth([bytes.fromhex(e["hash"]) for e in feed]).hex()


def test_every_event_has_an_inclusion_proof_in_the_latest_checkpoint(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1", "hh-2", "hh-3")
    events = _all_events(client, auth, "hh-1", "hh-2", "hh-3")
    checkpoint = _checkpoint(client, auth, fresh="true")
    indexes = set()
    for event in events:
        response = client.get(
            "/v1/proofs/inclusion", params={"event_id": event["id"]}, headers=auth
        )
        assert response.status_code == 200, response.text
        proof = response.json()
        assert set(proof) == {"leaf_index", "tree_size", "path"}
        assert proof["tree_size"] == checkpoint["tree_size"]
        assert _inclusion_holds(event, proof, checkpoint["root_hash"])
        assert not _inclusion_holds({**event, "hash": "0" * 64}, proof, checkpoint["root_hash"])
        indexes.add(proof["leaf_index"])
    assert indexes == set(range(len(events)))


def test_an_event_appended_after_the_latest_checkpoint_gets_a_fresh_one(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1")
    _checkpoint(client, auth, fresh="true")
    _register(append, "hh-2")
    [event, _] = _all_events(client, auth, "hh-2")
    proof = client.get(
        "/v1/proofs/inclusion", params={"event_id": event["id"]}, headers=auth
    ).json()
    assert proof["tree_size"] == 4
    assert _inclusion_holds(event, proof, _checkpoint(client, auth)["root_hash"])


def test_a_proof_in_an_older_tree_verifies_against_that_tree(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1")
    old = _checkpoint(client, auth, fresh="true")
    _register(append, "hh-2", "hh-3")
    _checkpoint(client, auth, fresh="true")
    [event, _] = _all_events(client, auth, "hh-1")
    proof = client.get(
        "/v1/proofs/inclusion",
        params={"event_id": event["id"], "tree_size": old["tree_size"]},
        headers=auth,
    ).json()
    assert _inclusion_holds(event, proof, old["root_hash"])


def test_consistency_proofs_link_successive_checkpoints(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    checkpoints = []
    for i in range(5):
        _register(append, f"hh-{i}")
        checkpoints.append(_checkpoint(client, auth, fresh="true"))
    for first in checkpoints:
        for second in checkpoints:
            if first["tree_size"] > second["tree_size"]:
                continue
            response = client.get(
                "/v1/proofs/consistency",
                headers=auth,
                params={"first": first["tree_size"], "second": second["tree_size"]},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["first"], body["second"]) == (first["tree_size"], second["tree_size"])
            path = [bytes.fromhex(h) for h in body["path"]]
            assert merkle.verify_consistency(
                first["tree_size"],
                second["tree_size"],
                bytes.fromhex(first["root_hash"]),
                bytes.fromhex(second["root_hash"]),
                path,
            )


def test_checkpoints_follow_appends_without_being_asked(
    append: Append, client: TestClient, auth: dict[str, str]
) -> None:
    _register(append, "hh-1")
    deadline = time.monotonic() + 15  # generous: the service aims at ~1 s (bench measures)
    while _checkpoint(client, auth)["tree_size"] < 2:
        assert time.monotonic() < deadline, "no checkpoint covered the append"
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"first": 3, "second": 2}, "first"),
        ({"first": 1, "second": 99}, "second"),
        ({"first": 0, "second": 2}, "first"),
    ],
)
def test_impossible_consistency_requests_are_clear_422s(
    append: Append, client: TestClient, auth: dict[str, str], params: dict[str, int], field: str
) -> None:
    _register(append, "hh-1")
    _checkpoint(client, auth, fresh="true")
    response = client.get("/v1/proofs/consistency", params=params, headers=auth)
    assert response.status_code == 422
    assert problem_code(response) == "VALIDATION_FAILED"
    assert field in response.text


def test_inclusion_errors_name_what_is_wrong(
    append: Append, client: TestClient, auth: dict[str, str], make_token: Any
) -> None:
    _register(append, "hh-1", "hh-2")
    [event, _] = _all_events(client, auth, "hh-2")
    _checkpoint(client, auth, fresh="true")

    unknown = client.get(
        "/v1/proofs/inclusion",
        headers=auth,
        params={"event_id": "00000000-0000-4000-8000-000000000000"},
    )
    assert (unknown.status_code, problem_code(unknown)) == (404, "UNKNOWN_EVENT")
    too_small = client.get(
        "/v1/proofs/inclusion", headers=auth, params={"event_id": event["id"], "tree_size": 1}
    )
    assert (too_small.status_code, problem_code(too_small)) == (422, "VALIDATION_FAILED")
    too_big = client.get(
        "/v1/proofs/inclusion", headers=auth, params={"event_id": event["id"], "tree_size": 1000}
    )
    assert (too_big.status_code, problem_code(too_big)) == (422, "VALIDATION_FAILED")
    not_a_uuid = client.get("/v1/proofs/inclusion", headers=auth, params={"event_id": "x"})
    assert (not_a_uuid.status_code, problem_code(not_a_uuid)) == (422, "VALIDATION_FAILED")

    elsewhere = {"Authorization": f"Bearer {make_token(role='auditor', division='44')}"}
    hidden = client.get("/v1/proofs/inclusion", headers=elsewhere, params={"event_id": event["id"]})
    assert (hidden.status_code, problem_code(hidden)) == (404, "UNKNOWN_EVENT")


def test_the_public_key_is_public_and_the_rest_needs_a_token(client: TestClient) -> None:
    key = client.get("/v1/checkpoints/public-key")
    assert key.status_code == 200
    assert len(base64.b64decode(key.json()["public_key"])) == 32
    for path in (
        "/v1/checkpoints/latest",
        "/v1/proofs/consistency?first=1&second=1",
        "/v1/proofs/inclusion?event_id=00000000-0000-4000-8000-000000000000",
    ):
        response = client.get(path)
        assert (response.status_code, problem_code(response)) == (401, "UNAUTHENTICATED")


def test_an_empty_ledger_has_a_signed_empty_tree(client: TestClient, auth: dict[str, str]) -> None:
    checkpoint = _checkpoint(client, auth, fresh="true")
    assert checkpoint["tree_size"] == 0
    assert checkpoint["root_hash"] == hashlib.sha256(b"").hexdigest()
    assert _signature_holds(client, checkpoint)
