"""Hashes that make a household's stream tamper-evident (CONTRACT §4).

Each event's ``hash`` is the SHA-256 of the RFC 8785 (JCS) canonical JSON of its hashed
fields, one of which is the previous event's hash, so the stream is a chain.
"""

import hashlib
from typing import Any

import orjson
import rfc8785

ZERO_HASH = "0" * 64
"""The ``prev_hash`` of version 1."""

HASHED_FIELDS = (
    "household_id",
    "version",
    "type",
    "occurred_at",
    "recorded_at",
    "actor",
    "recorded_by",
    "data",
    "materials",
    "remedies",
    "source",
    "correlation_id",
    "prev_hash",
)
"""The fields of contract v2's hashed form (§4 and §7.2); personal fields within them hold
commitments (§7.3)."""


_SAFE_INTEGER = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical form of a JSON value (keys sorted, ES number form, UTF-8).

    orjson writes the same bytes as RFC 8785 for documents of strings, safe integers,
    booleans, nulls, lists, objects with ASCII keys and fractional numbers written without
    an exponent by both (10⁻⁴ ≤ |x| < 10¹⁵: coordinates, amounts) — which is what events
    are — ten times faster than the pure-Python ``rfc8785``; anything else (integral or
    tiny or huge floats, non-ASCII keys that UTF-16 would order differently, integers
    beyond 2⁵³) takes ``rfc8785`` itself.
    """
    if _orjson_is_canonical(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # e.g. a lone surrogate: let rfc8785 decide
            pass
    return rfc8785.dumps(value)


def _orjson_is_canonical(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    if kind is float:
        return bool(1e-4 <= abs(value) < 1e15 and not value.is_integer())
    if kind is dict:
        return all(
            type(key) is str and key.isascii() and _orjson_is_canonical(item)
            for key, item in value.items()
        )
    if kind is list:
        return all(_orjson_is_canonical(item) for item in value)
    return False


def event_hash(served: dict[str, Any]) -> str:
    """The hash of an event from its served (JSON) form; other keys are ignored."""
    content = {name: served.get(name) for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(content)).hexdigest()
