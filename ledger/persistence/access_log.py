"""The access log (查询留痕): which token read which household's personal data, when and by
which endpoint. Append-only in the database (migration 0007); written once for both
databases (``?`` placeholders)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.persistence.tables import SQLTables, _as_moment

_INSERT = (
    "INSERT INTO access_log (at, token_id, role, household_id, village_code, endpoint, "
    "material) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SELECT = (
    "SELECT id, at, token_id, role, household_id, village_code, endpoint, material "
    "FROM access_log "
    "WHERE id > ? AND village_code BETWEEN ? AND ? AND at >= ?"
)
_LAST_ID = 2**63 - 1  # both databases' largest integer: a cursor beyond it finds nothing
_BEGINNING, _END = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Access:
    """One read of one household's personal data."""

    at: datetime
    token_id: str
    role: str
    household_id: str
    village_code: str
    endpoint: str  # method and route template, e.g. "GET /v1/households/{household_id}"
    material: str | None = None  # the SHA-256 of a material file read (migration 0009)


@dataclass(frozen=True)
class LoggedAccess:
    id: int
    access: Access

    def document(self) -> dict[str, Any]:
        """As served by ``GET /v1/access-log``."""
        a = self.access
        return {
            "id": self.id,
            "at": a.at.isoformat(),
            "token_id": a.token_id,
            "role": a.role,
            "household_id": a.household_id,
            "village_code": a.village_code,
            "endpoint": a.endpoint,
            "material": a.material,
        }


class AccessLog(SQLTables):
    def record(self, accesses: Sequence[Access]) -> None:
        """Appends the rows of one response together."""
        if not accesses:
            return
        with self._transaction(commit=True) as cursor:
            cursor.executemany(
                self.sql(_INSERT),
                [
                    (
                        self._moment(a.at),
                        a.token_id,
                        a.role,
                        a.household_id,
                        a.village_code,
                        a.endpoint,
                        a.material,
                    )
                    for a in accesses
                ],
            )

    def entries(
        self,
        *,
        division: str,
        household_id: str | None = None,
        token_id: str | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[LoggedAccess]:
        """Rows of households in ``division`` (a village code prefix), oldest first."""
        # Clamped, so that an extreme time with an offset still converts to UTC.
        since = min(max(since or _BEGINNING, _BEGINNING), _END)
        statement, params = (
            _SELECT,
            [
                min(after_id, _LAST_ID),
                division.ljust(12, "0"),
                division.ljust(12, "9"),
                self._moment(since),
            ],
        )
        # Optional filters: constant fragments, values bound.
        for fragment, value in (
            (" AND household_id = ?", household_id),
            (" AND token_id = ?", token_id),
        ):
            if value is not None:
                statement += fragment
                params.append(value)
        statement += " ORDER BY id LIMIT ?"
        return [
            LoggedAccess(
                int(row["id"]),
                Access(
                    at=_as_moment(row["at"]),
                    token_id=row["token_id"],
                    role=row["role"],
                    household_id=row["household_id"],
                    village_code=row["village_code"],
                    endpoint=row["endpoint"],
                    material=row["material"],
                ),
            )
            for row in self._rows(statement, (*params, limit))
        ]

    def _moment(self, when: datetime) -> Any:
        # In UTC with microseconds always written, so SQLite's text compares in time order.
        return self.encode_datetime(when.astimezone(UTC))
