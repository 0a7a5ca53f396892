"""The fast canonical JSON is byte for byte RFC 8785 (the ``rfc8785`` package is the
reference), including where it must fall back to it."""

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.integrity import canonical_json

scalars = (
    st.none()
    | st.booleans()
    | st.text()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)

# What events hold: the fast path's domain, generated on its own so it is well covered.
event_like = st.recursive(
    st.none()
    | st.booleans()
    | st.text()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(min_value=1e-4, max_value=1e15, exclude_max=True)
    | st.floats(min_value=-1e15, max_value=-1e-4, exclude_min=True)
    | st.decimals(min_value=-100_000, max_value=100_000, places=6).map(float),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(max_codepoint=127)), inner, max_size=5)
    ),
    max_leaves=30,
)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except Exception as error:  # the reference refusing is the expectation too
        return type(error)


def _ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(value)
    except Exception as error:  # the reference refusing is the expectation too
        return type(error)


@given(json_values)
def test_equals_rfc8785_for_any_json_value(value: Any) -> None:
    assert _ours(value) == _reference(value)


@given(event_like)
def test_equals_rfc8785_for_event_like_values(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order differs from code point order
        [1.0, 2.5, 1e21, -0.0, 1e-4, 9.99e-5, 1e15 - 0.5, 23.5, 99.8],  # ES number form
        {"big": 2**53},
        {"small": -(2**53)},  # outside the exact integers: refused
        {"surrogate": "\ud800"},
        {"controls": '\x00\x1f\x7f\u2028\u2029"\\/'},
        {"b": {"d": [None, True, False], "c": ""}, "a": "张三"},
    ],
)
def test_edges_equal_rfc8785(value: Any) -> None:
    assert _ours(value) == _reference(value)
