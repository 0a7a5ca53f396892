"""The ``import:`` prefix of Idempotency-Key is ``ledger import``'s alone (CONTRACT §7.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import ValidationFailed
from ledger.idempotency import IMPORT_KEY_PREFIX, Idempotency

KEYS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=100)


@given(KEYS)
def test_a_key_with_the_import_prefix_is_refused_naming_the_header(rest: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        Idempotency.of_request(IMPORT_KEY_PREFIX + rest, "d" * 64)
    assert [e["field"] for e in refused.value.fields] == ["Idempotency-Key"]


@given(KEYS.filter(lambda key: not key.startswith(IMPORT_KEY_PREFIX)))
def test_every_other_key_is_taken_as_sent(key: str) -> None:
    assert Idempotency.of_request(key, "d" * 64) == Idempotency(key, "d" * 64)
