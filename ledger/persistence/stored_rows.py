"""The stored bytes of a household's events, read as they are (no decoding): what the web
page's verification badge digests to tell whether the rows changed since it last
re-hashed them (``ledger/transparency/badge.py``). Written once for both databases."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from ledger.persistence.database import EVENTS_TABLE
from ledger.persistence.tables import SQLTables, Transaction

_PAGE = (
    f"SELECT originator_version, topic, state FROM {EVENTS_TABLE} "  # noqa: S608  # a constant table name; values bound
    "WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version LIMIT ?"
)


class StoredRows(SQLTables):
    def __init__(
        self, transaction: Transaction, placeholder: str = "?", *, stream_id: Callable[[UUID], Any]
    ) -> None:
        super().__init__(transaction, placeholder)
        self._stream_id = stream_id  # how the library stores an originator id here

    def page(self, stream: UUID, after: int, limit: int) -> list[tuple[int, str, bytes]]:
        """``(version, topic, state)`` of the stream's rows after version ``after``."""
        return [
            (int(row["originator_version"]), str(row["topic"]), bytes(row["state"]))
            for row in self._rows(_PAGE, (self._stream_id(stream), after, limit))
        ]
