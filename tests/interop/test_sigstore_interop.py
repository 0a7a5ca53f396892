"""Our checkpoint notes and tlog-proofs checked by code nobody here wrote: sigstore-python
(PyPI ``sigstore`` 4.x, Apache-2.0), whose Rekor client verifies a signed-note checkpoint
with an Ed25519 key of its keyring and an RFC 6962 inclusion proof of a log entry.

sigstore knows our log only as a key: a ``PublicKey`` (DER SubjectPublicKeyInfo of the
note key, ``PKIX_ED25519``) in a ``Keyring``, the note's 4-byte key id as the entry's log
id (its keyring tries every key for an id it does not hold: it keys them by SHA-256 of the
DER). An entry is built from each tlog-proof of an archive downloaded over HTTP: the
canonicalized body is the leaf's data, the event's 32-byte hash (sigstore hashes it with
RFC 6962's 0x00 prefix, as our log does), and the checkpoint envelope the cosigned note."""

import base64
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from sigstore._internal.merkle import verify_merkle_inclusion
from sigstore._internal.rekor.checkpoint import SignedCheckpoint, verify_checkpoint
from sigstore._internal.trust import Keyring, RekorKeyring
from sigstore._utils import KeyID
from sigstore.errors import VerificationError
from sigstore.models import TransparencyLogEntry
from sigstore_models.common import v1 as common_v1
from sigstore_models.rekor import v1 as rekor_v1

from ledger.transparency.archive import TLOG_POLICY, tlog_proof_name
from ledger.transparency.c2sp.note import Ed25519Verifier, parse, parse_vkey
from ledger.transparency.c2sp.proof import TlogProof, parse_proof
from ledger.transparency.notes import LogIdentity
from tests import factories as f
from tests.e2e.test_archive_tlog import (  # noqa: F401 (the witnessed service's fixtures)
    ORIGIN,
    Witnessed,
    household,
    make_witnessed,
    witnessed,
)


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def keyring_of(verifier: Ed25519Verifier) -> RekorKeyring:
    der = Ed25519PublicKey.from_public_bytes(verifier.public_key).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The model's validator takes the bytes field base64-encoded, as in its JSON form.
    key = common_v1.PublicKey(
        raw_bytes=base64.b64encode(der), key_details=common_v1.PublicKeyDetails.PKIX_ED25519
    )
    return RekorKeyring(Keyring([key]))


def sigstore_entry(proof: TlogProof, event_hash: bytes, log_key_id: bytes) -> TransparencyLogEntry:
    """A Rekor log entry for sigstore: our leaf data, index, path and cosigned note."""
    note = parse(proof.checkpoint)
    lines = note.text.split("\n")
    return TransparencyLogEntry(
        rekor_v1.TransparencyLogEntry.model_validate(
            {
                "logIndex": str(proof.index),
                "logId": {"keyId": b64(log_key_id)},
                "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                "integratedTime": "0",
                "inclusionProof": {
                    "logIndex": str(proof.index),
                    "treeSize": lines[1],
                    "rootHash": lines[2],
                    "hashes": [b64(h) for h in proof.path],
                    "checkpoint": {"envelope": proof.checkpoint},
                },
                "canonicalizedBody": b64(event_hash),
            }
        )
    )


def archived_proofs(path: Path) -> list[tuple[TlogProof, bytes]]:
    """Each event's tlog-proof in the archive, with the event's hash."""
    with zipfile.ZipFile(path) as zipped:
        events = [json.loads(line) for line in zipped.read("events.jsonl").splitlines()]
        assert TLOG_POLICY in zipped.namelist()
        return [
            (
                parse_proof(zipped.read(tlog_proof_name(e["id"])).decode()),
                bytes.fromhex(e["hash"]),
            )
            for e in events
        ]


def sigstore_verifies(entry: TransparencyLogEntry, keyring: RekorKeyring) -> bool:
    try:
        verify_merkle_inclusion(entry)
        verify_checkpoint(keyring, entry)
    except VerificationError:
        return False
    return True


def test_the_served_checkpoint_note_verifies_with_sigstore(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post(
        "/v1/households/hh-1/events", headers=auth, json={"events": [f.registered(), f.survey()]}
    )
    assert response.status_code == 201, response.text
    latest = client.get("/v1/checkpoints/latest?fresh=true", headers=auth).json()
    verifier = parse_vkey(client.get("/log/vkey").text)
    assert isinstance(verifier, Ed25519Verifier)
    text = client.get("/log/checkpoint").text

    signed = SignedCheckpoint.from_text(text)
    signed.signed_note.verify(keyring_of(verifier), KeyID(verifier.key_id))
    assert signed.checkpoint.origin == verifier.name
    assert signed.checkpoint.log_size == latest["tree_size"]
    assert signed.checkpoint.log_hash == latest["root_hash"]

    changed = text.replace(f"\n{latest['tree_size']}\n", f"\n{latest['tree_size'] + 1}\n", 1)
    with pytest.raises(VerificationError, match="invalid signature"):
        SignedCheckpoint.from_text(changed).signed_note.verify(
            keyring_of(verifier), KeyID(verifier.key_id)
        )
    another = LogIdentity.generated(verifier.name).verifier
    with pytest.raises(VerificationError):
        signed.signed_note.verify(keyring_of(another), KeyID(verifier.key_id))


def test_an_archives_tlog_proofs_verify_with_sigstore_and_tampered_ones_do_not(
    witnessed: Witnessed,
) -> None:
    household(witnessed)
    witnessed.fresh_size()
    witnessed.cosign("w1", "w2")  # the note sigstore reads carries the witnesses' lines too
    proofs = archived_proofs(witnessed.archive("hh-1"))
    verifier = parse_vkey(witnessed.log_vkey)
    assert isinstance(verifier, Ed25519Verifier)
    keyring = keyring_of(verifier)
    assert len(proofs) == 3
    for proof, event_hash in proofs:
        assert len(parse(proof.checkpoint).signatures) == 3
        assert sigstore_verifies(sigstore_entry(proof, event_hash, verifier.key_id), keyring)

    proof, event_hash = proofs[0]
    entry = sigstore_entry(proof, event_hash, verifier.key_id)
    verify_merkle_inclusion(entry)
    verify_checkpoint(keyring, entry)

    # Another event's hash at this index: the path no longer leads to the root.
    other = sigstore_entry(proof, proofs[1][1], verifier.key_id)
    with pytest.raises(VerificationError, match="root hash"):
        verify_merkle_inclusion(other)
    # A path hash altered.
    path = list(proof.path)
    path[0] = bytes([path[0][0] ^ 1]) + path[0][1:]
    altered = TlogProof(proof.index, tuple(path), proof.checkpoint)
    with pytest.raises(VerificationError):
        verify_merkle_inclusion(sigstore_entry(altered, event_hash, verifier.key_id))
    # The note re-signed by another key under the same origin.
    forger = LogIdentity.generated(ORIGIN)
    note = parse(proof.checkpoint)
    re_signed = note.text + "\n" + forger.signer.sign(note.text).line()
    forged = TlogProof(proof.index, proof.path, re_signed)
    assert not sigstore_verifies(
        sigstore_entry(forged, event_hash, forger.verifier.key_id), keyring
    )
    # The note's root changed (the path made to match it is beside the point: the
    # signature over the note fails).
    lines = note.text.split("\n")
    lines[2] = b64(bytes(32))
    rooted = "\n".join(lines) + "\n" + "".join(s.line() for s in note.signatures)
    with pytest.raises(VerificationError, match="invalid signature"):
        verify_checkpoint(
            keyring,
            sigstore_entry(TlogProof(proof.index, proof.path, rooted), event_hash, verifier.key_id),
        )
