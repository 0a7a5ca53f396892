"""A verifier of served events written from the contract's text alone (CONTRACT §4, §7.2,
§7.3): it imports nothing of the ledger, only ``hashlib``, ``base64``, ``json``, ``re`` and
``rfc8785``, so that its agreeing with the ledger shows that a third party can re-hash an
event, opened or committed, from the contract."""

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import rfc8785

Json = dict[str, Any]
COMMITMENT = re.compile(r"c:[0-9a-f]{64}")  # §7.3: "c:" + lowercase hex SHA-256

HASHED = (
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
    "prev_hash",
    "source",  # §7.2: null when absent
    "correlation_id",
)
PERSONAL_POINTER = re.compile(
    r"/(?:actor/name|recorded_by/name|materials/\d+/name"
    r"|data/members/\d+/(?:name|id_number|birth_date)"
    r"|data/member/(?:name|id_number|birth_date))"
)
MEMBER_HOLDERS = {"HouseholdRegistered": "members", "MemberAdded": "member"}


def tokens(pointer: str) -> list[str]:
    """RFC 6901: '/'-separated reference tokens, ~1 decoded before ~0."""
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def step(container: Any, token: str) -> Any:
    return container[int(token)] if isinstance(container, list) else container[token]


def pointed(document: Any, pointer: str) -> Any:
    target = document
    for token in tokens(pointer):
        target = step(target, token)
    return target


def personal_pointers(event: Json) -> Iterator[str]:
    """Where §7.3 puts personal fields in an event of this type."""
    for party in ("actor", "recorded_by"):
        if isinstance(event.get(party), dict) and "name" in event[party]:
            yield f"/{party}/name"
    for index, material in enumerate(event.get("materials") or []):
        if "name" in material:
            yield f"/materials/{index}/name"
    key = MEMBER_HOLDERS.get(event["type"])
    if key is None:
        return
    held = event["data"][key]
    for prefix, member in (
        [(f"/data/{key}/{i}", m) for i, m in enumerate(held)]
        if isinstance(held, list)
        else [(f"/data/{key}", held)]
    ):
        for name in ("name", "id_number", "birth_date"):
            if name in member:
                yield f"{prefix}/{name}"


def verified_hash(served: Json) -> str:
    """The hash a served event (opened, committed or partly erased) re-hashes to, by a
    reader who has the contract and nothing of the ledger's code: each opened value
    becomes "c:" + hex(SHA-256(salt ‖ UTF-8(JCS(value)))), every personal field must then
    hold a commitment, and the hash is SHA-256 of the JCS of the §4 fields."""
    event = json.loads(json.dumps(served))  # as it travels: JSON text
    for pointer, salt in event.get("openings", {}).items():
        if not PERSONAL_POINTER.fullmatch(pointer):
            raise ValueError(f"{pointer} is not a personal field")
        *path, last = tokens(pointer)
        parent = event
        for token in path:
            parent = step(parent, token)
        index: Any = int(last) if isinstance(parent, list) else last
        raw = base64.b64decode(salt, validate=True)
        parent[index] = "c:" + hashlib.sha256(raw + rfc8785.dumps(parent[index])).hexdigest()
    for pointer in personal_pointers(event):
        if not COMMITMENT.fullmatch(str(pointed(event, pointer))):
            raise ValueError(f"{pointer} holds a value that is neither opened nor committed")
    hashed = {name: event.get(name) for name in HASHED}
    return hashlib.sha256(rfc8785.dumps(hashed)).hexdigest()
