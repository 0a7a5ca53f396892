"""Where in a request a validation error is, as the contract names fields: one function,
shared by the HTTP API's error bodies and ``ledger import``'s failures."""

from typing import Any

from ledger.domain.catalog import EVENT_TYPES


def field_path(loc: tuple[Any, ...]) -> str:
    """``('body', 'events', 0, 'FieldSurveyConducted', 'data', 'income')`` →
    ``events[0].data.income`` (the union's tag is not a field)."""
    path = ""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    for i, part in enumerate(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in EVENT_TYPES and i > 0 and isinstance(parts[i - 1], int):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path
