"""The C2SP formats (ledger/transparency/c2sp): the signed-note spec's own example vector,
tlog-policy's example structure and random policies against a quorum evaluated here
independently, tlog-proof and add-checkpoint round trips, cosignatures, and the
strictness of checkpoints. Malformed input raises the format's own error, never another."""

import base64
import contextlib
import hashlib
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.transparency.c2sp.checkpoint import Checkpoint, parse_checkpoint
from ledger.transparency.c2sp.note import (
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    NoteError,
    NoteNotVerified,
    cosignature_timestamp,
    open_note,
    parse,
    parse_signature_line,
    parse_vkey,
    vkey,
)
from ledger.transparency.c2sp.policy import PolicyError, check_checkpoint, parse_policy
from ledger.transparency.c2sp.proof import TlogProof, parse_proof
from ledger.transparency.c2sp.witness_protocol import AddCheckpoint, parse_add_checkpoint

QUICK = settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def _key(seed: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


LOG = Ed25519Signer("ledger.example.gov.cn/fpjc/530925", _key("log"))
WITNESS_KEYS = [CosignatureSigner(f"witness{n}.example", _key(f"w{n}")) for n in range(12)]

# signed-note.md, "Example" (c2sp.org/signed-note@v1.0.0).
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi"
    "2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


# Signed notes


def test_the_signed_note_specs_example_verifies() -> None:
    verifier = parse_vkey(SPEC_VKEY)
    assert (verifier.name, verifier.key_id.hex()) == ("example.com/foo", "530d903a")
    assert vkey(verifier) == SPEC_VKEY
    opened = open_note(SPEC_NOTE, [verifier])
    assert opened.note.text == "This is an example message.\n"
    assert opened.signed_by(verifier)


@pytest.mark.parametrize(
    "position",
    [0, 10, len("This is an example message") - 1]
    + [len("This is an example message.\n\n— example.com/foo ") + n for n in (8, 40)],
)
def test_a_one_byte_change_of_the_example_does_not_verify(position: int) -> None:
    verifier = parse_vkey(SPEC_VKEY)
    changed = bytearray(SPEC_NOTE.encode())
    # In the text: a letter's case; in the signature: another base64 letter.
    changed[position] = ord("A") if changed[position] != ord("A") else ord("B")
    with pytest.raises(NoteError):
        open_note(bytes(changed), [verifier])


def test_a_note_by_an_unknown_key_is_not_verified() -> None:
    with pytest.raises(NoteNotVerified, match="no known key"):
        open_note(SPEC_NOTE, [LOG.verifier])


def test_a_cosignature_round_trips_and_binds_its_timestamp() -> None:
    text = Checkpoint(LOG.verifier.name, 7, bytes(range(32))).text()
    witness = WITNESS_KEYS[0]
    cosignature = witness.sign(text, 1_700_000_000)
    parsed = parse_signature_line(cosignature.line()[:-1])
    assert parsed == cosignature
    assert cosignature_timestamp(parsed) == 1_700_000_000
    assert witness.verifier.verify(text.encode(), parsed.signature)
    assert parse_vkey(vkey(witness.verifier)) == witness.verifier
    later = (1_700_000_001).to_bytes(8, "big") + parsed.signature[8:]
    assert not witness.verifier.verify(text.encode(), later)
    note = parse(text + "\n" + LOG.sign(text).line() + cosignature.line())
    opened = open_note(note, [witness.verifier])
    assert opened.signed_by(witness.verifier)
    assert isinstance(witness.verifier, CosignatureVerifier)


# Checkpoints


def test_a_checkpoint_round_trips() -> None:
    checkpoint = Checkpoint("example.com/log", 12345, hashlib.sha256(b"root").digest(), ("x y",))
    assert parse_checkpoint(checkpoint.text()) == checkpoint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("example.com/log\n012\n" + base64.b64encode(bytes(32)).decode() + "\n", "leading zeros"),
        ("example.com/log\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n", "leading zeros"),
        ("example.com/log\n12\n" + "!" * 44 + "\n", "base64"),
        ("example.com/log\n12\n" + base64.b64encode(bytes(32)).decode()[:-1] + "\n", "base64"),
        ("example.com/log\n12\n" + base64.b64encode(bytes(31)).decode() + "\n", "32 bytes"),
        ("example.com/log\n12\n" + base64.b64encode(bytes(32)).decode(), "newline"),
        ("example.com/log\n12\n", "origin, a tree size and a root"),
        ("\n12\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin is not empty"),
        ("a\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n", "extension lines"),
    ],
)
def test_a_checkpoint_is_parsed_strictly(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_checkpoint(text)


# tlog-proof


hashes32 = st.binary(min_size=32, max_size=32)
notes = st.builds(
    lambda size, root: (lambda text: text + "\n" + LOG.sign(text).line())(
        Checkpoint(LOG.verifier.name, size, root).text()
    ),
    st.integers(min_value=1, max_value=(1 << 63) - 1),
    hashes32,
)


@QUICK
@given(
    index=st.integers(min_value=0, max_value=(1 << 63) - 1),
    path=st.lists(hashes32, max_size=63),
    extra=st.none() | st.binary(max_size=64),
    note=notes,
)
def test_a_tlog_proof_round_trips(
    index: int, path: list[bytes], extra: bytes | None, note: str
) -> None:
    proof = TlogProof(index, tuple(path), note, extra)
    text = proof.format()
    assert text.startswith("c2sp.org/tlog-proof@v1\n")
    assert parse_proof(text) == proof
    assert parse_proof(text).format() == text


@pytest.mark.parametrize(
    "text",
    [
        "c2sp.org/tlog-proof@v1\nindex 01\n\nnote\n",
        "c2sp.org/tlog-proof@v2\nindex 1\n\nnote\n",
        "c2sp.org/tlog-proof@v1\nindex 1\n" + base64.b64encode(bytes(31)).decode() + "\n\nn\n",
        "c2sp.org/tlog-proof@v1\nindex 1\nnot base64!\n\nnote\n",
        "c2sp.org/tlog-proof@v1\nindex 1\n",
        "c2sp.org/tlog-proof@v1\n\nnote\n",
        "c2sp.org/tlog-proof@v1\nextra ???\nindex 1\n\nnote\n",
    ],
)
def test_a_malformed_tlog_proof_raises_note_error(text: str) -> None:
    with pytest.raises(NoteError):
        parse_proof(text)


@QUICK
@given(st.text(max_size=300))
def test_any_text_is_a_tlog_proof_or_a_note_error(text: str) -> None:
    with contextlib.suppress(NoteError):
        parse_proof("c2sp.org/tlog-proof@v1\n" + text)


# add-checkpoint (tlog-witness)


@QUICK
@given(
    old=st.integers(min_value=0, max_value=(1 << 63) - 1),
    proof=st.lists(hashes32, max_size=63),
    note=notes,
)
def test_an_add_checkpoint_body_round_trips(old: int, proof: list[bytes], note: str) -> None:
    body = AddCheckpoint(old, tuple(proof), note)
    assert parse_add_checkpoint(body.body()) == body


@pytest.mark.parametrize(
    "body",
    [
        b"old 01\n\nnote\n",
        b"old -1\n\nnote\n",
        b"new 1\n\nnote\n",
        b"old 1\nnote\n",
        b"old 1\n" + base64.b64encode(bytes(33)) + b"\n\nnote\n",
        b"old 1\n%%%%\n\nnote\n",
        b"old 1\n" + b"\n".join([base64.b64encode(bytes(32))] * 64) + b"\n\nnote\n",
        b"\xff\xfe old 1\n\nnote\n",
        b"old 1\n\n" + b"x" * (1 << 17),
    ],
)
def test_a_malformed_add_checkpoint_body_raises_note_error(body: bytes) -> None:
    with pytest.raises(NoteError):
        parse_add_checkpoint(body)


@QUICK
@given(st.binary(max_size=400))
def test_any_bytes_are_an_add_checkpoint_body_or_a_note_error(body: bytes) -> None:
    with contextlib.suppress(NoteError):
        parse_add_checkpoint(b"old 3\n" + body)


# tlog-policy


def _example_policy() -> str:
    """tlog-policy.md's example, with keys: 2 of X1..X3 and any of Y1..Y3."""
    x, y = WITNESS_KEYS[:3], WITNESS_KEYS[3:6]
    return "\n".join(
        [
            "# Policy for the example log",
            f"log {vkey(LOG.verifier)} https://ledger.example.gov.cn/log/",
            "",
            *(f"witness X{n} {vkey(w.verifier)}" for n, w in enumerate(x, 1)),
            "group X-witnesses 2 X1 X2 X3",
            "",
            *(
                f"witness Y{n}\t{vkey(w.verifier)} https://y{n}.example/"
                for n, w in enumerate(y, 1)
            ),
            "group Y-witnesses any Y1 Y2 Y3",
            "",
            "group X-and-Y all X-witnesses Y-witnesses",
            "quorum X-and-Y",
            "",
        ]
    )


@QUICK
@given(st.sets(st.sampled_from([f"{g}{n}" for g in "XY" for n in (1, 2, 3)])))
def test_the_policy_specs_example_needs_two_of_x_and_any_of_y(cosigned: set[str]) -> None:
    policy = parse_policy(_example_policy())
    x = sum(name.startswith("X") for name in cosigned)
    y = sum(name.startswith("Y") for name in cosigned)
    assert policy.met_by(cosigned) == (x >= 2 and y >= 1)
    assert policy.logs[0][1] == "https://ledger.example.gov.cn/log/"
    assert policy.witnesses["Y2"].url == "https://y2.example/"


def test_the_example_policy_checks_real_cosignatures() -> None:
    policy = parse_policy(_example_policy())
    text = Checkpoint(LOG.verifier.name, 9, bytes(32)).text()
    signers = {"X1": WITNESS_KEYS[0], "X3": WITNESS_KEYS[2], "Y2": WITNESS_KEYS[4]}
    lines = [LOG.sign(text).line()] + [s.sign(text, 1_700_000_000).line() for s in signers.values()]
    met = check_checkpoint(policy, text + "\n" + "".join(lines))
    assert (met.cosigned_by, met.quorum_met) == (frozenset({"X1", "X3", "Y2"}), True)
    short = check_checkpoint(policy, text + "\n" + "".join(lines[:3]))
    assert (short.cosigned_by, short.quorum_met) == (frozenset({"X1", "X3"}), False)
    forged = lines[3][:-6] + ("AAAA" if lines[3][-6:-2] != "AAAA" else "BBBB") + "=\n"
    with pytest.raises(NoteNotVerified, match="does not verify"):
        check_checkpoint(policy, text + "\n" + "".join([*lines[:3], forged]))


@dataclass(frozen=True)
class GroupSpec:
    name: str
    threshold: str  # "all", "any" or k
    members: tuple[str, ...]


@st.composite
def policies(draw: st.DrawFn) -> tuple[str, list[str], list[GroupSpec], str]:
    """A random valid policy: witnesses, groups over what is defined above, a quorum."""
    witnesses = [f"w{n}" for n in range(draw(st.integers(min_value=0, max_value=8)))]
    defined, groups = list(witnesses), []
    for n in range(draw(st.integers(min_value=0, max_value=4)) if witnesses else 0):
        members = draw(st.lists(st.sampled_from(defined), min_size=1, max_size=5, unique=True))
        threshold = draw(
            st.sampled_from(["all", "any"])
            | st.integers(min_value=1, max_value=len(members)).map(str)
        )
        groups.append(GroupSpec(f"g{n}", threshold, tuple(members)))
        defined.append(f"g{n}")
    quorum = draw(st.sampled_from(["none", *defined]))
    lines = [f"log {vkey(LOG.verifier)}"]
    lines += [f"witness {w} {vkey(WITNESS_KEYS[n].verifier)}" for n, w in enumerate(witnesses)]
    lines += [f"group {g.name} {g.threshold} {' '.join(g.members)}" for g in groups]
    lines.append(f"quorum {quorum}")
    return "\n".join(lines) + "\n", witnesses, groups, quorum


def _witnessed(name: str, groups: dict[str, GroupSpec], cosigned: set[str]) -> bool:
    """tlog-policy's rule, evaluated here: a group witnesses if k of its n members do."""
    group = groups.get(name)
    if group is None:
        return name in cosigned
    k = {"all": len(group.members), "any": 1}.get(group.threshold) or int(group.threshold)
    return sum(_witnessed(m, groups, cosigned) for m in group.members) >= k


@QUICK
@given(policies(), st.data())
def test_random_policies_round_trip_their_quorum_semantics(
    generated: tuple[str, list[str], list[GroupSpec], str], data: st.DataObject
) -> None:
    text, witnesses, groups, quorum = generated
    policy = parse_policy(text)
    assert (policy.quorum, sorted(policy.witnesses)) == (quorum, sorted(witnesses))
    by_name = {g.name: g for g in groups}
    for _ in range(5):
        cosigned = data.draw(st.sets(st.sampled_from(witnesses)) if witnesses else st.just(set()))
        expected = quorum == "none" or _witnessed(quorum, by_name, cosigned)
        assert policy.met_by(cosigned) == expected


@pytest.mark.parametrize(
    "line",
    [
        "log not-a-vkey",
        f"log {vkey(WITNESS_KEYS[0].verifier)}",  # a cosignature key as a log's
        f"witness w0 {vkey(LOG.verifier)}",  # a log's key as a witness's
        f"witness none {vkey(WITNESS_KEYS[1].verifier)}",
        f"witness w1 {vkey(WITNESS_KEYS[0].verifier)}",  # the key listed twice
        "group g 3 w0",
        "group g 0 w0",
        "group g 01 w0",
        "group g any nobody",
        "group g any w0 w0",
        "group g any",
        "quorum nobody",
        "quorum none",  # a second quorum line
        "witness w0",
        "log",
        "logs x",
        "quorum none\x00",
    ],
)
def test_a_malformed_policy_line_raises_policy_error(line: str) -> None:
    valid = f"log {vkey(LOG.verifier)}\nwitness w0 {vkey(WITNESS_KEYS[0].verifier)}\n"
    with pytest.raises(PolicyError, match="line"):
        parse_policy(valid + line + "\nquorum w0\n")


def test_a_policy_without_a_quorum_line_is_refused() -> None:
    with pytest.raises(PolicyError, match="quorum"):
        parse_policy(f"log {vkey(LOG.verifier)}\n")


_words = st.sampled_from(
    [
        "log",
        "witness",
        "group",
        "quorum",
        "none",
        "all",
        "any",
        "2",
        "w0",
        "g",
        "#",
        vkey(LOG.verifier),
        vkey(WITNESS_KEYS[0].verifier),
        "+",
        "\t",
        "\x01",
        "é",
        "01",
    ]
)


@QUICK
@given(st.lists(st.lists(_words, max_size=6).map(" ".join) | st.text(max_size=40), max_size=8))
def test_any_policy_text_parses_or_raises_policy_error(lines: list[str]) -> None:
    with contextlib.suppress(PolicyError):
        parse_policy("\n".join(lines))


def test_a_checkpoint_whose_origin_is_not_its_logs_key_name_is_refused() -> None:
    policy = parse_policy(f"log {vkey(LOG.verifier)}\nquorum none\n")
    text = Checkpoint("another.example/log", 3, bytes(32)).text()
    with pytest.raises(NoteNotVerified, match="not the name of the log's key"):
        check_checkpoint(policy, text + "\n" + LOG.sign(text).line())
    own = Checkpoint(LOG.verifier.name, 3, bytes(32)).text()
    assert check_checkpoint(policy, own + "\n" + LOG.sign(own).line()).quorum_met
