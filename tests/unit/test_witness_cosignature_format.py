"""The witness's cosignature against c2sp.org/tlog-cosignature's text, byte for byte: the
signed message, the timestamped signature, the key id and the vkey, each written out here
by hand from the spec rather than from the code under test."""

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.transparency.c2sp import note

SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
# The spec's example message: two header lines, then the note body with its final newline.
SPEC_MESSAGE = (
    b"cosignature/v1\n"
    b"time 1679315147\n"
    b"example.com/behind-the-sofa\n"
    b"20852163\n"
    b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
# The spec's example cosignature line (its key is not published, but its bytes are).
SPEC_COSIGNATURE = (
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9d"
    "lrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)


def test_the_cosigned_message_is_the_specs_example_byte_for_byte() -> None:
    assert note.cosigned_message(SPEC_CHECKPOINT.encode(), 1679315147) == SPEC_MESSAGE


def test_a_cosignature_is_a_big_endian_timestamp_then_ed25519_over_that_message() -> None:
    key = Ed25519PrivateKey.generate()
    signer = note.CosignatureSigner("witness.example.com/w1", key)

    signature = signer.sign(SPEC_CHECKPOINT, 1679315147)

    public = note.raw_public_key(key)
    assert signature.key_id == hashlib.sha256(b"witness.example.com/w1\n\x04" + public).digest()[:4]
    assert signature.signature[:8] == bytes.fromhex("00000000641850cb")  # 1679315147
    assert len(signature.signature) == 8 + 64
    key.public_key().verify(signature.signature[8:], SPEC_MESSAGE)  # raises if it does not
    line = signature.line()
    assert line.startswith("\u2014 witness.example.com/w1 ")
    assert line.endswith("\n")
    assert base64.b64decode(line.split(" ")[2]) == signature.key_id + signature.signature


def test_the_specs_example_cosignature_carries_its_key_id_and_timestamp() -> None:
    signature = note.parse_signature_line(SPEC_COSIGNATURE)

    assert signature.name == "witness.example.com/w1"
    assert signature.key_id == bytes.fromhex("8d66cf3f")
    assert note.cosignature_timestamp(signature) == 1679315147  # the message's "time" line


def test_a_witness_vkey_is_name_plus_hex_id_plus_base64_of_type_4_and_key() -> None:
    key = Ed25519PrivateKey.generate()
    public = note.raw_public_key(key)

    vkey = note.vkey(note.CosignatureSigner("audit.lincang.gov.cn/witness", key).verifier)

    key_id = hashlib.sha256(b"audit.lincang.gov.cn/witness\n\x04" + public).digest()[:4]
    expected = (
        f"audit.lincang.gov.cn/witness+{key_id.hex()}+"
        + base64.b64encode(b"\x04" + public).decode()
    )
    assert vkey == expected
