"""List shapes of CONTRACT §5: ``{"items": [...], "next": CURSOR or null}``."""

from typing import Annotated, Any

from fastapi import Query

from ledger.domain.commands import HOUSEHOLD_ID_PATTERN
from ledger.domain.errors import ValidationFailed

MAX_POSITION = 2**63 - 1
"""The largest version or log position either database can store or compare with."""
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page")]
# Every cursor issued is a position or a household id: nothing else reaches the SQL (a NUL
# there is an error of PostgreSQL's, not a page).
CursorParam = Annotated[
    str | None,
    Query(
        max_length=80,
        pattern=HOUSEHOLD_ID_PATTERN,
        description="The `next` of the previous page (opaque)",
    ),
]


def position(cursor: str | None, fallback: int = 0) -> int:
    """Cursors are opaque to callers; today they are the last position served."""
    if cursor is None:
        return fallback
    # ASCII digits only: str.isdigit() also takes "²" and "١", which int() refuses or reads.
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > MAX_POSITION:
        raise ValidationFailed(
            "cursor is not one this service issued",
            [{"field": "cursor", "message": "unknown cursor"}],
        )
    return int(cursor)


def page(items: list[Any], limit: int, last_position: int | None) -> dict[str, Any]:
    full = len(items) == limit and last_position is not None
    return {"items": items, "next": str(last_position) if full else None}
