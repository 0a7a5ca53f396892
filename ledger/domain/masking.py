"""Names and ID numbers masked for evaluators (脱敏, CONTRACT §4–5).

Evaluators judge whether the procedure was followed; they need to tell members apart,
not to know who they are. A masked event keeps its ``hash`` and ``prev_hash`` — the chain
and the proofs still hold — but its content can no longer be re-hashed, so it says
``"masked": true``.
"""

from typing import Any

from ledger.domain.callers import Caller
from ledger.domain.vocabulary import CallerRole

MASK = "*"
PERSONAL_KEYS = frozenset({"name", "id_number"})
"""Keys whose values are masked wherever they occur in an event's ``data`` or a state."""


def sees_personal_data(caller: Caller) -> bool:
    """Admins, recorders and auditors read names and ID numbers (and each such read is
    logged); evaluators read them masked."""
    return caller.role != CallerRole.EVALUATOR


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***; a one-character name is masked whole."""
    if name is None:
        return None
    if len(name) <= 1:
        return MASK * len(name)
    return name[0] + MASK * (len(name) - 1)


def mask_id_number(number: str | None) -> str | None:
    """Keeps the region (first 6) and the last 4 characters: 530925********0013. A value
    too short to keep both and still hide something is masked whole."""
    if number is None:
        return None
    if len(number) <= 10:
        return MASK * len(number)
    return number[:6] + MASK * (len(number) - 10) + number[-4:]


def mask_event(document: dict[str, Any]) -> dict[str, Any]:
    """A served event with every person's name and ID number masked: in ``data``
    (members, wherever they are), the ``actor``, ``recorded_by`` and the names of its
    ``materials`` (file names often carry a person's name)."""
    masked = dict(document)
    masked["data"] = _masked(document.get("data"))
    for party in ("actor", "recorded_by"):
        if isinstance(document.get(party), dict):
            masked[party] = _with_masked_name(document[party])
    if isinstance(document.get("materials"), list):
        masked["materials"] = [
            _with_masked_name(m) if isinstance(m, dict) else m for m in document["materials"]
        ]
    masked["masked"] = True
    return masked


def mask_state(document: dict[str, Any]) -> dict[str, Any]:
    """A served state with the names and ID numbers of members, present and former,
    masked (any ``name`` or ``id_number`` anywhere in it)."""
    masked: dict[str, Any] = _masked(document)
    return masked


def _with_masked_name(item: dict[str, Any]) -> dict[str, Any]:
    if "name" not in item:
        return dict(item)
    return {**item, "name": _mask_value("name", item["name"])}


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _mask_value(key, item) if key in PERSONAL_KEYS else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _mask_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):  # not a contract shape; hide it rather than guess
        return MASK
    return mask_name(value) if key == "name" else mask_id_number(value)
