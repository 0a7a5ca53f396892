"""Personal data as salted commitments (CONTRACT §7.3).

An event is stored and hashed with each personal field's value replaced by its
commitment, ``"c:" + hex(SHA-256(salt ‖ UTF-8(JCS(value))))``, a fresh 32-byte salt per
field; values and salts are kept apart (``ledger.personal``), so the event log alone holds
no name, ID number or birth date, a value can be erased without touching a hash, and a
reader given a value and its salt (an *opening*) checks it against the hash.

Personal fields: a MEMBER object's ``name``, ``id_number`` and ``birth_date`` (wherever
the catalog says an event type holds members), every envelope's ``actor.name`` and
``recorded_by.name``, and each material's ``name``.
"""

import base64
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.domain.catalog import CATALOG
from ledger.domain.integrity import canonical_json, event_hash

PREFIX = "c:"
MEMBER_FIELDS = ("name", "id_number", "birth_date")
SALT_BYTES = 32

Path = tuple[str | int, ...]


def commitment(salt: bytes, value: Any) -> str:
    """The commitment to ``value`` (its JSON form) under ``salt``."""
    return PREFIX + hashlib.sha256(salt + canonical_json(value)).hexdigest()


def is_commitment(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == len(PREFIX) + 64
        and value.startswith(PREFIX)
        and all(c in "0123456789abcdef" for c in value[len(PREFIX) :])
    )


@dataclass(frozen=True)
class Field:
    """Where a personal field is in an event: its RFC 6901 pointer and the member it
    belongs to (None for an actor's, a recorder's or a material's name)."""

    pointer: str
    path: Path
    member_id: str | None


def fields_of(event: Mapping[str, Any]) -> Iterator[Field]:
    """The personal fields present in an event (served, stored or hashed form alike)."""
    for party in ("actor", "recorded_by"):
        holder = event.get(party)
        if isinstance(holder, Mapping) and "name" in holder:
            yield Field(f"/{party}/name", (party, "name"), None)
    for index, material in enumerate(_list(event.get("materials"))):
        if isinstance(material, Mapping) and "name" in material:
            yield Field(f"/materials/{index}/name", ("materials", index, "name"), None)
    entry = CATALOG.get(str(event.get("type")))
    data = event.get("data")
    if entry is None or entry.holds_members is None or not isinstance(data, Mapping):
        return
    key = entry.holds_members
    held = data.get(key)
    members: list[tuple[str, Path, Any]] = (
        [(f"/data/{key}", ("data", key), held)] if isinstance(held, Mapping) else []
    )
    members += [(f"/data/{key}/{i}", ("data", key, i), m) for i, m in enumerate(_list(held))]
    for pointer, path, member in members:
        if not isinstance(member, Mapping):
            continue
        member_id = member.get("member_id")
        for name in MEMBER_FIELDS:
            if name in member:
                yield Field(
                    f"{pointer}/{name}",
                    (*path, name),
                    member_id if isinstance(member_id, str) else None,
                )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def get_at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


def set_at(document: Any, path: Path, value: Any) -> None:
    get_at(document, path[:-1])[path[-1]] = value


def _copied(document: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``document`` with the containers under ``keys`` copied deep enough to be changed."""
    return {k: deep_copy(v) if k in keys else v for k, v in document.items()}


def deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


_HOLDERS = ("actor", "recorded_by", "materials", "data")


@dataclass(frozen=True)
class Sealed:
    """A personal field's value and salt, kept apart from the event that commits to it."""

    commitment: str
    pointer: str
    member_id: str | None
    value: Any
    salt: bytes
    event_id: str = ""


def seal(
    event: Mapping[str, Any],
    new_salt: Callable[[], bytes],
    as_json: Callable[[Any], Any] = lambda v: v,
) -> tuple[dict[str, Any], list[Sealed]]:
    """``event`` with each personal value replaced by a commitment under a new salt, and
    what was replaced. ``as_json`` gives a value's JSON form (what is committed to)."""
    sealed = _copied(event, _HOLDERS)
    kept: list[Sealed] = []
    for found in fields_of(event):
        value, salt = as_json(get_at(event, found.path)), new_salt()
        committed = commitment(salt, value)
        set_at(sealed, found.path, committed)
        kept.append(Sealed(committed, found.pointer, found.member_id, value, salt))
    return sealed, kept


@dataclass(frozen=True)
class Opening:
    value: Any
    salt: bytes


Lookup = Callable[[str], "Opening | None"]
"""What the ledger can open of a commitment: its value and salt, or None when erased."""


def opened(event: Mapping[str, Any], lookup: Lookup) -> dict[str, Any]:
    """The form served to a reader of personal data: each value in clear with its opening
    (``openings``: pointer → base64 salt); an erased field stays a commitment, listed in
    ``erased``."""
    served = _copied(event, _HOLDERS)
    openings: dict[str, str] = {}
    erased: list[str] = []
    for found in fields_of(event):
        held = get_at(event, found.path)
        opening = lookup(held) if is_commitment(held) else None
        if opening is None:
            erased.append(found.pointer)
            continue
        set_at(served, found.path, opening.value)
        openings[found.pointer] = base64.b64encode(opening.salt).decode()
    served["openings"] = openings
    served["erased"] = erased
    return served


def committed(event: Mapping[str, Any], is_erased: Callable[[str], bool]) -> dict[str, Any]:
    """The form served to an evaluator: commitments only, the erased ones listed."""
    served = dict(event)
    served["erased"] = [
        found.pointer for found in fields_of(event) if is_erased(str(get_at(event, found.path)))
    ]
    return served


class OpeningError(ValueError):
    """An opening that names no personal field, or a salt that is not base64."""


def hashed_form(served: Mapping[str, Any]) -> dict[str, Any]:
    """A served event with each opened value replaced by its commitment again: what its
    ``hash`` is the hash of."""
    openings = served.get("openings") or {}
    if not isinstance(openings, Mapping):
        raise OpeningError("openings is not an object")
    hashed = _copied(served, _HOLDERS)
    paths = {found.pointer: found.path for found in fields_of(served)}
    for pointer, salt in openings.items():
        if pointer not in paths:
            raise OpeningError(f"the opening {pointer} names no personal field")
        try:
            raw = base64.b64decode(str(salt), validate=True)
        except ValueError:
            raise OpeningError(f"the salt of {pointer} is not base64") from None
        set_at(hashed, paths[pointer], commitment(raw, get_at(served, paths[pointer])))
    return hashed


def rehash(served: Mapping[str, Any]) -> str:
    """The hash a served event (opened, committed or both) re-hashes to."""
    return event_hash(hashed_form(served))


def personal_values(event: Mapping[str, Any]) -> list[Any]:
    """What an event holds in its personal fields: values or commitments."""
    return [get_at(event, f.path) for f in fields_of(event)]


def is_clear_of_personal_values(served: Mapping[str, Any]) -> bool:
    """Whether every personal field of ``served`` is a commitment (an evaluator's form)."""
    return all(is_commitment(v) for v in personal_values(served))
