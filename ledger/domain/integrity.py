"""Hashes that make a household's stream tamper-evident (CONTRACT §4).

Each event's ``hash`` is the SHA-256 of the RFC 8785 (JCS) canonical JSON of its hashed
fields, one of which is the previous event's hash, so the stream is a chain.
"""

import hashlib
from typing import Any

import rfc8785

ZERO_HASH = "0" * 64
"""The ``prev_hash`` of version 1."""

HASHED_FIELDS = (
    "household_id", "version", "type", "occurred_at", "recorded_at", "actor",
    "recorded_by", "data", "materials", "remedies", "prev_hash",
)


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical form of a JSON value (keys sorted, ES number form, UTF-8)."""
    return rfc8785.dumps(value)


def event_hash(served: dict[str, Any]) -> str:
    """The hash of an event from its served (JSON) form; other keys are ignored."""
    content = {name: served[name] for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(content)).hexdigest()
