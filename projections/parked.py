"""The parked households of each set of read models (migration 0008), in the views'
own transactions: a batch parks and un-parks households with the rows and the position
it records, so what operators see never disagrees with the rows."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.bluegreen import ReadModels

_COLUMNS = "household_id, village_code, position, version, error, since"
# The column list is a constant, values are bound; since: when first parked, kept.
_UPSERT = (
    f"INSERT INTO parked_households (read_models, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT (read_models, household_id) DO UPDATE SET village_code = "
    "excluded.village_code, position = excluded.position, version = excluded.version, "
    "error = excluded.error"
)


@dataclass(frozen=True)
class Parked:
    """A household whose rules raise: where and why, and since when."""

    household_id: str
    village_code: str  # "" when not even its registration could be read
    position: int  # log position of its newest event when it was (last) parked
    version: int  # the stream version the rules failed on
    error: str
    since: datetime | None = None  # when it was first parked (None: now)

    def document(self) -> dict[str, Any]:
        """As ``GET /v1/admin/parked`` serves it."""
        return {
            "household_id": self.household_id,
            "village_code": self.village_code,
            "position": self.position,
            "version": self.version,
            "error": self.error,
            "since": None if self.since is None else self.since.isoformat(),
        }


class ParkedHouseholds:
    """Mixed into ``ViewTables``: the parked_households table."""

    _sql: Callable[[str], str]
    _value: Callable[[Any], Any]

    def _park(self, cursor: Any, models: ReadModels, parked: Sequence[Parked]) -> None:
        now = datetime.now(UTC)
        cursor.executemany(
            self._sql(_UPSERT),
            [
                (
                    models.name,
                    p.household_id,
                    p.village_code,
                    p.position,
                    p.version,
                    p.error,
                    self._value(p.since or now),
                )
                for p in parked
            ],
        )

    def _unpark(
        self,
        cursor: Any,
        models: ReadModels,
        household_ids: Sequence[str],
        up_to_versions: Sequence[int] | None = None,
    ) -> None:
        """Un-parks those of the households that are parked (only where parked at or below
        the given versions, if given: a runner may have parked one again on a later event
        meanwhile). Parked households are few: one query finds them, usually none."""
        cursor.execute(
            self._sql("SELECT household_id FROM parked_households WHERE read_models = ?"),
            (models.name,),
        )
        parked = {row["household_id"] for row in cursor.fetchall()}
        versions = up_to_versions or [2**31 - 1] * len(household_ids)
        unparked = [
            (models.name, household_id, version)
            for household_id, version in zip(household_ids, versions, strict=True)
            if household_id in parked
        ]
        if unparked:
            cursor.executemany(
                self._sql(
                    "DELETE FROM parked_households WHERE read_models = ? "
                    "AND household_id = ? AND version <= ?"
                ),
                unparked,
            )

    def _parked_in(
        self,
        cursor: Any,
        models: ReadModels,
        division: str = "",
        after: str = "",
        limit: int | None = None,
    ) -> list[Parked]:
        """Parked households of ``models`` in ``division`` (a village code prefix; "" is
        every one, those without a known village included), by household id."""
        statement = (
            f"SELECT {_COLUMNS} FROM parked_households "  # noqa: S608  # constants
            "WHERE read_models = ? AND household_id > ?"
        )
        params: list[Any] = [models.name, after]
        if division:
            statement += " AND village_code BETWEEN ? AND ?"
            params += [division.ljust(12, "0"), division.ljust(12, "9")]
        statement += " ORDER BY household_id"
        if limit is not None:
            statement += " LIMIT ?"
            params.append(limit)
        cursor.execute(self._sql(statement), tuple(params))
        return [
            Parked(
                row["household_id"],
                row["village_code"],
                int(row["position"]),
                int(row["version"]),
                row["error"],
                _moment(row["since"]),
            )
            for row in cursor.fetchall()
        ]


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
