"""A parked household's error is what operators read and what both databases store."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from projections.parking import MAX_ERROR_CHARS, error_text


@given(st.text(max_size=800))
def test_an_error_is_kept_storable_readable_and_bounded(message: str) -> None:
    text = error_text(RuntimeError(message))
    assert len(text) <= MAX_ERROR_CHARS
    assert not any(unicodedata.category(c) == "Cc" for c in text)
    if len(text) < MAX_ERROR_CHARS and not any(unicodedata.category(c) == "Cc" for c in message):
        assert text == f"RuntimeError: {message}"


def test_a_nul_is_shown_escaped() -> None:
    assert error_text(ValueError("m\x002")) == "ValueError: m\\x002"
