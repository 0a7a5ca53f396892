"""The C2SP note code against signatures made by code nobody here wrote: the signed-note
specification's example, and a real checkpoint of Google's staging CT log
(arche2025h1.staging.ct.transparency.dev, Tessera) as the public witness network cosigned
it (remora.n621.de's cosignature/v1), copied from the test data of the tlog_scales project."""

import base64
import dataclasses

import pytest

from ledger.transparency.c2sp.checkpoint import parse_checkpoint
from ledger.transparency.c2sp.note import (
    COSIGNATURE_V1,
    ED25519,
    NoteNotVerified,
    cosignature_timestamp,
    open_note,
    parse,
    parse_vkey,
    vkey,
)
from ledger.transparency.c2sp.policy import check_checkpoint, parse_policy

SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

CT_LOG_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
CT_CHECKPOINT = """arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

— arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
— arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
— transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
— witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
— remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
— witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
"""  # noqa: E501


def test_the_signed_note_example_verifies_and_its_vkey_round_trips() -> None:
    verifier = parse_vkey(SPEC_VKEY)
    opened = open_note(SPEC_NOTE, [verifier])
    assert opened.note.text == "This is an example message.\n"
    assert verifier.signature_type == ED25519
    assert verifier.key_id.hex() == "530d903a"
    assert vkey(verifier) == SPEC_VKEY


@pytest.mark.parametrize("position", [0, 10, len("This is an example message.") - 1])
def test_one_changed_byte_of_the_example_text_fails(position: int) -> None:
    changed = SPEC_NOTE[:position] + chr(ord(SPEC_NOTE[position]) ^ 1) + SPEC_NOTE[position + 1 :]
    with pytest.raises(NoteNotVerified):
        open_note(changed, [parse_vkey(SPEC_VKEY)])


def test_a_real_ct_log_checkpoint_and_a_public_witness_cosignature_verify() -> None:
    log, witness = parse_vkey(CT_LOG_VKEY), parse_vkey(REMORA_VKEY)
    assert witness.signature_type == COSIGNATURE_V1

    opened = open_note(CT_CHECKPOINT, [log, witness])

    assert {s.name for s in opened.verified} == {log.name, witness.name}
    checkpoint = parse_checkpoint(opened.note.text)
    assert (checkpoint.origin, checkpoint.size) == (log.name, 1432088532)
    (cosignature,) = [s for s in opened.verified if s.name == witness.name]
    assert cosignature_timestamp(cosignature) == 0x6A122120  # 2026-05-18, as the witness signed


def test_the_real_checkpoint_meets_a_policy_of_that_log_and_witness_and_not_another() -> None:
    policy = parse_policy(f"log {CT_LOG_VKEY}\nwitness remora {REMORA_VKEY}\nquorum remora\n")
    verdict = check_checkpoint(policy, CT_CHECKPOINT)
    assert verdict.quorum_met
    assert verdict.cosigned_by == {"remora"}

    # The same key under another name has another key id: its line is not this witness's.
    stranger = dataclasses.replace(parse_vkey(REMORA_VKEY), name="witness.example/other")
    unmet = parse_policy(f"log {CT_LOG_VKEY}\nwitness w {vkey(stranger)}\nquorum w\n")
    assert not check_checkpoint(unmet, CT_CHECKPOINT).quorum_met


def test_the_real_checkpoint_with_another_size_fails_under_both_keys() -> None:
    changed = CT_CHECKPOINT.replace("1432088532", "1432088533", 1)
    for key in (CT_LOG_VKEY, REMORA_VKEY):
        with pytest.raises(NoteNotVerified):
            open_note(changed, [parse_vkey(key)])


def test_a_cosignature_is_not_taken_for_a_log_signature_of_the_same_key() -> None:
    """The same public key as a 0x01 verifier has another key id: the witness's line is an
    unknown signature to it, so the note is not verified by it."""
    witness = parse_vkey(REMORA_VKEY)
    as_log_key = (
        "remora.n621.de+00000000+" + base64.b64encode(b"\x01" + witness.public_key).decode()
    )
    with pytest.raises(ValueError, match="id does not match"):
        parse_vkey(as_log_key)
    assert len(parse(CT_CHECKPOINT).signatures) == 6
