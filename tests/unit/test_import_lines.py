"""Reading an import line (``ledger.importing.parse``): a valid line gets the key its content
fixes, however it is written; anything else is a failure with a code, never a crash."""

import hashlib
import hmac
import json
import random
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import demo
from ledger.domain.commands import AppendBatch, request_digest
from ledger.importing import Failure, Line, parse

KEY, OTHER_KEY = b"k" * 32, b"o" * 32

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 100_000), layout=st.randoms(use_true_random=False))
def test_a_line_is_keyed_by_its_content_however_it_is_written(
    n: int, layout: random.Random
) -> None:
    household_id, _, events = demo.household(n)
    document = {"household_id": household_id, "events": events}
    compact = parse(1, json.dumps(document, ensure_ascii=False).encode())
    keys = list(document)
    layout.shuffle(keys)
    spaced = json.dumps(
        {k: document[k] for k in keys},
        ensure_ascii=layout.random() < 0.5,
        indent=layout.choice((None, 1)),
        sort_keys=layout.random() < 0.5,
    )
    reformatted = parse(7, spaced.replace("\n", " ").encode())
    assert isinstance(compact, Line)
    assert isinstance(reformatted, Line)
    assert compact.idempotency(KEY) == reformatted.idempotency(KEY)
    batch = AppendBatch.model_validate({"events": events})
    digest = request_digest(household_id, batch, KEY)
    assert compact.idempotency(KEY).key == f"import:{digest}"
    assert compact.idempotency(KEY).request_digest == digest
    # Keyed (HMAC-SHA256): without the key, the request's plain hash finds nothing, and
    # another ledger's key gives another digest.
    request: dict[str, Any] = {
        "household_id": household_id,
        "body": batch.model_dump(mode="json", by_alias=True, exclude_unset=True),
    }
    assert digest == hmac.new(KEY, rfc8785.dumps(request), hashlib.sha256).hexdigest()
    assert digest != hashlib.sha256(rfc8785.dumps(request)).hexdigest()
    assert compact.idempotency(OTHER_KEY) != compact.idempotency(KEY)


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_any_json_that_is_no_append_is_a_validation_failure(value: object) -> None:
    parsed = parse(3, json.dumps(value).encode())
    assert isinstance(parsed, Failure)
    assert parsed.line == 3
    assert parsed.code == "VALIDATION_FAILED"
    assert parsed.detail


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300))
def test_any_bytes_are_a_line_or_a_failure_never_a_crash(raw: bytes) -> None:
    assert isinstance(parse(9, raw), Line | Failure)
