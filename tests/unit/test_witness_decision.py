"""The witness's add-checkpoint decision (c2sp.org/tlog-witness), from its state and a
request alone: each answer of the spec, and, over random submissions from an honest log and
a forked view of it, that it never rolls a log back nor cosigns two roots at one size."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ledger.domain.merkle import EMPTY_ROOT
from ledger.transparency.c2sp import note
from ledger.transparency.c2sp.checkpoint import parse_checkpoint
from ledger.transparency.c2sp.witness_protocol import SIZE_CONTENT_TYPE
from ledger.transparency.witness import LogKeyRefused, WitnessState, decide, trust_log
from ledger.transparency.witness.decision import Decision, monitored_checkpoint
from tests.witness_log import SignedLog

NOW = 1_765_000_000
COSIGNER = note.CosignatureSigner("audit.lincang.example/witness", Ed25519PrivateKey.generate())
LOG = SignedLog(leaves=40)
FORK = LOG.fork(shared=10)


def trusting(log: SignedLog = LOG) -> WitnessState:
    return trust_log(WitnessState(), log.origin, log.vkey)


def submit(state: WitnessState, body: bytes, now: int = NOW) -> tuple[WitnessState, Decision]:
    decision = decide(state, body, COSIGNER, now)
    if decision.record is not None:
        state = state.with_log(decision.origin, decision.record)
    return state, decision


def cosigned_at(size: int, now: int = NOW) -> WitnessState:
    state, decision = submit(trusting(), LOG.body(0, size), now)
    assert decision.answer.status == 200
    return state


def test_a_first_checkpoint_is_cosigned_with_a_cosignature_that_verifies() -> None:
    state, decision = submit(trusting(), LOG.body(0, 7))

    assert decision.answer.status == 200
    cosignature = note.parse_signatures(decision.answer.body)
    assert [s.name for s in cosignature] == [COSIGNER.verifier.name]
    assert note.cosignature_timestamp(cosignature[0]) == NOW
    opened = note.open_note(LOG.checkpoint(7) + decision.answer.body, [COSIGNER.verifier])
    assert opened.signed_by(COSIGNER.verifier)
    latest = state.logs[LOG.origin].latest
    assert latest is not None
    assert (latest.size, latest.root, latest.note) == (7, LOG.root(7), LOG.checkpoint(7))


def test_the_next_checkpoint_with_a_consistency_proof_is_cosigned() -> None:
    state, decision = submit(cosigned_at(7), LOG.body(7, 23))

    assert decision.answer.status == 200
    latest = state.logs[LOG.origin].latest
    assert latest is not None
    assert latest.size == 23


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n",
        b"old 01\n\n" + LOG.checkpoint(1).encode(),
        b"old -1\n\n" + LOG.checkpoint(1).encode(),
        b"new 0\n\n" + LOG.checkpoint(1).encode(),
        b"old 0\nnot base64!\n\n" + LOG.checkpoint(1).encode(),
        b"old 0\n\nno signature lines\n",
        b"old 0\n\n" + LOG.checkpoint(1).encode()[:-3],
        b"old 0\n\n\xff\xfe",
    ],
    ids=[
        "empty",
        "no-note",
        "leading-zero",
        "negative",
        "not-old",
        "bad-proof-line",
        "no-signature",
        "cut-signature",
        "not-utf8",
    ],  # named: the keys, so the bodies, differ in each test process
)
def test_a_malformed_body_is_refused_with_400(body: bytes) -> None:
    _, decision = submit(trusting(), body)

    assert decision.answer.status == 400
    assert decision.record is None
    assert decision.answer.body.startswith("malformed add-checkpoint request")


def test_an_unknown_origin_is_404() -> None:
    stranger = SignedLog("other.example/log", leaves=3)

    _, decision = submit(trusting(), stranger.body(0, 3))

    assert decision.answer.status == 404
    assert "other.example/log" in decision.answer.body


def test_a_checkpoint_without_the_trusted_keys_signature_is_403() -> None:
    impostor = note.Ed25519Signer(LOG.origin, Ed25519PrivateKey.generate())

    _, decision = submit(trusting(), LOG.body(0, 3, checkpoint=LOG.checkpoint(3, signer=impostor)))

    assert decision.answer.status == 403
    assert "no known key" in decision.answer.body


def test_a_trusted_keys_signature_that_fails_is_403_even_beside_a_good_one() -> None:
    good = note.parse(LOG.checkpoint(3))
    signature = good.signatures[0]
    broken = note.Signature(
        signature.name,
        signature.key_id,
        bytes([signature.signature[0] ^ 1]) + signature.signature[1:],
    )
    forged = note.Note(good.text, (signature, broken)).format()

    _, decision = submit(trusting(), LOG.body(0, 3, checkpoint=forged))

    assert decision.answer.status == 403
    assert "does not verify" in decision.answer.body


def test_signatures_of_unknown_keys_beside_the_logs_are_ignored() -> None:
    other = note.Ed25519Signer("someone.else/key", Ed25519PrivateKey.generate())
    cosigned = note.parse(LOG.checkpoint(3))
    with_other = cosigned.with_signatures([other.sign(cosigned.text)]).format()

    _, decision = submit(trusting(), LOG.body(0, 3, checkpoint=with_other))

    assert decision.answer.status == 200


def test_an_old_size_above_the_checkpoints_is_400_before_any_409() -> None:
    _, decision = submit(cosigned_at(5), LOG.body(9, 8, proof=()))

    assert decision.answer.status == 400
    assert "larger" in decision.answer.body


@pytest.mark.parametrize(("stored", "old"), [(0, 3), (5, 0), (5, 4), (5, 6)])
def test_an_old_size_other_than_the_cosigned_one_is_409_with_that_size(
    stored: int, old: int
) -> None:
    state = cosigned_at(stored) if stored else trusting()

    _, decision = submit(state, LOG.body(old, 20))

    assert (decision.answer.status, decision.answer.body) == (409, f"{stored}\n")
    assert decision.answer.content_type == SIZE_CONTENT_TYPE


def test_a_checkpoint_of_size_zero_needs_the_empty_trees_root() -> None:
    _, refused = submit(trusting(), LOG.body(0, 0, checkpoint=LOG.checkpoint(0, root=b"\1" * 32)))
    state, cosigned = submit(trusting(), LOG.body(0, 0))

    assert refused.answer.status == 422
    assert "empty tree" in refused.answer.body
    assert cosigned.answer.status == 200
    latest = state.logs[LOG.origin].latest
    assert latest is not None
    assert (latest.size, latest.root) == (0, EMPTY_ROOT)


def test_a_proof_with_old_size_zero_is_422() -> None:
    _, decision = submit(trusting(), LOG.body(0, 8, proof=LOG.proof(4, 8)))

    assert decision.answer.status == 422
    assert "no consistency proof" in decision.answer.body


@pytest.mark.parametrize(
    "proof",
    [
        (),
        LOG.proof(6, 30),  # a true proof, between other sizes
        tuple(reversed(LOG.proof(7, 30))),
        (b"\0" * 32, *LOG.proof(7, 30)[1:]),
    ],
    ids=["none", "between-other-sizes", "reversed", "one-hash-wrong"],
)
def test_a_consistency_proof_that_does_not_verify_is_422(proof: tuple[bytes, ...]) -> None:
    state = cosigned_at(7)

    after, decision = submit(state, LOG.body(7, 30, proof=proof))

    assert decision.answer.status == 422
    assert "does not verify" in decision.answer.body
    assert after == state


def test_a_forked_view_is_refused_once_the_honest_one_is_cosigned() -> None:
    state = cosigned_at(12)

    _, decision = submit(state, FORK.body(12, 20))

    assert decision.answer.status == 422


def test_the_cosigned_size_with_another_root_is_422() -> None:
    _, decision = submit(cosigned_at(12), FORK.body(12, 12))

    assert decision.answer.status == 422
    assert "different root" in decision.answer.body


def test_the_cosigned_checkpoint_again_is_cosigned_again() -> None:
    state, decision = submit(cosigned_at(12), LOG.body(12, 12))

    assert decision.answer.status == 200
    latest = state.logs[LOG.origin].latest
    assert latest is not None
    assert latest.size == 12


def test_a_cosignatures_time_never_goes_back_nor_is_zero() -> None:
    state = cosigned_at(5, now=NOW)

    state, earlier_clock = submit(state, LOG.body(5, 9), now=NOW - 3600)
    _, zero_clock = submit(trusting(), LOG.body(0, 9), now=0)

    assert note.cosignature_timestamp(note.parse_signatures(earlier_clock.answer.body)[0]) == NOW
    assert note.cosignature_timestamp(note.parse_signatures(zero_clock.answer.body)[0]) == 1


def test_the_monitored_checkpoint_carries_the_logs_signature_and_the_cosignature() -> None:
    state, decision = submit(cosigned_at(5), LOG.body(5, 9))

    served = monitored_checkpoint(state.logs[LOG.origin])

    assert served is not None
    assert served == LOG.checkpoint(9) + decision.answer.body
    assert parse_checkpoint(note.parse(served).text).size == 9
    assert monitored_checkpoint(trusting().logs[LOG.origin]) is None


def test_a_log_is_trusted_under_its_note_key_once() -> None:
    state = trusting()

    assert trust_log(state, LOG.origin, LOG.vkey) is state
    assert trust_log(state, LOG.origin, LOG.vkey + "\n") is state


@pytest.mark.parametrize(
    ("origin", "vkey", "why"),
    [
        (LOG.origin, note.vkey(COSIGNER.verifier), "type 0x04"),
        ("another.example/log", LOG.vkey, "not the origin"),
        (LOG.origin, "not a vkey", "not <name>+<hex id>+<base64 key>"),
        (LOG.origin, LOG.vkey[:-4] + "AAAA", "does not match"),
    ],
    ids=["witness-key", "other-name", "not-a-vkey", "id-mismatch"],
)
def test_a_log_key_of_another_type_name_or_form_is_refused(
    origin: str, vkey: str, why: str
) -> None:
    with pytest.raises(LogKeyRefused, match=why.replace("+", r"\+")):
        trust_log(WitnessState(), origin, vkey)


def test_a_second_key_for_a_trusted_origin_is_refused() -> None:
    other = SignedLog(LOG.origin)

    with pytest.raises(LogKeyRefused, match="already trusted under another key"):
        trust_log(trusting(), LOG.origin, other.vkey)


_SIZES = st.integers(min_value=0, max_value=LOG.size)


@st.composite
def submissions(draw: st.DrawFn) -> tuple[bool, bool, int, int, str, int]:
    """(from the fork?, old size = the witness's?, old size, size, proof kind, clock)."""
    return (
        draw(st.booleans()),
        draw(st.booleans()),
        draw(_SIZES),
        draw(_SIZES),
        draw(st.sampled_from(["true", "none", "garbage"])),
        draw(st.integers(min_value=0, max_value=2 * NOW)),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(submissions(), min_size=1, max_size=25))
def test_random_submissions_never_roll_back_nor_cosign_two_roots_at_one_size(
    steps: list[tuple[bool, bool, int, int, str, int]],
) -> None:
    state = trusting()
    stored, timestamp = 0, 1
    roots: dict[int, bytes] = {}
    for forked, at_stored, old, size, proof_kind, now in steps:
        log = FORK if forked else LOG
        old = stored if at_stored else old
        proof = {
            "true": log.proof(old, size) if 0 < old <= size else (),
            "none": (),
            "garbage": (hashlib.sha256(bytes([old, size])).digest(),),
        }[proof_kind]
        state, decision = submit(state, log.body(old, size, proof=proof), now)
        event(f"answered {decision.answer.status}")
        if decision.answer.status != 200:
            assert decision.record is None
            continue
        assert size >= stored
        latest = state.logs[LOG.origin].latest
        assert latest is not None
        assert latest.size == size
        assert roots.setdefault(size, latest.root) == latest.root
        assert base64.b64encode(latest.root).decode() in latest.note
        assert latest.timestamp >= max(timestamp, now)
        stored, timestamp = size, latest.timestamp


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda head, tail: head + b"\n\n" + tail,
            st.binary(max_size=80),
            st.sampled_from([LOG.checkpoint(3).encode(), b""]) | st.binary(max_size=200),
        ),
        st.builds(
            lambda old, cut: LOG.body(old, 3)[:cut],
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=400),
        ),
    )
)
def test_any_body_gets_one_of_the_specs_answers_and_no_exception(body: bytes) -> None:
    decision = decide(trusting(), body, COSIGNER, NOW)

    assert decision.answer.status in {200, 400, 403, 404, 409, 422}
    assert decision.answer.body.endswith("\n")
    assert (decision.record is not None) == (decision.answer.status == 200)
