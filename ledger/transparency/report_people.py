"""How a report shows personal fields (CONTRACT §7.3): as served — values to a reader of
personal data; to an evaluator, commitments, shortened like the hashes (whole in
``events.jsonl``); an erased one as 已删除 to everyone."""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from ledger.domain.personal import MEMBER_FIELDS, fields_of, get_at, is_commitment, personal_values

COMMITMENT_SHOWN = 10
"""The characters of a commitment a report shows: ``c:`` and 8 hex digits."""
ERASED = "已删除"
"""What a report shows for an erased personal value (PIPL Art. 47 erasure)."""


def shown_commitment(value: object, erased: Collection[str] = frozenset()) -> str | None:
    """A commitment as shown (``c:1a2b3c4d…``, or 已删除 when it is among ``erased``);
    None for a value, shown as it is."""
    if not is_commitment(value):
        return None
    return ERASED if value in erased else f"{str(value)[:COMMITMENT_SHOWN]}…"


def erased_commitments(events: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The commitments the events list as erased (``"erased"``: pointers); the state's
    members hold the same commitments as the events that brought them."""
    found: set[str] = set()
    for event in events:
        pointers = event.get("erased")
        if not isinstance(pointers, list) or not pointers:
            continue
        paths = {field.pointer: field.path for field in fields_of(event)}
        for pointer in pointers:
            if pointer in paths and is_commitment(held := get_at(event, paths[pointer])):
                found.add(str(held))
    return frozenset(found)


def shows_commitments(state: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether people show as commitments that are not erased: an evaluator's report."""
    events = list(events)
    erased = erased_commitments(events)
    members = [
        m
        for group in ("members", "former_members")
        for m in (state.get(group) or ())
        if isinstance(m, Mapping)
    ]
    held = [v for event in events for v in personal_values(event)]
    held += [m.get(name) for m in members for name in MEMBER_FIELDS]
    return any(is_commitment(value) and value not in erased for value in held)
