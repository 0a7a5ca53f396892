"""The read models as tables: writing a batch with its tracking position in one
transaction (exactly once), and the evaluators' queries over them (plain SQL).

There are two sets of the tables (``bluegreen.py``): writes name the set they write,
reads read the live one, found in the same transaction as the rows. Queries name a view
in braces (``{household_view}``) and get the live set's table.

Written once for both databases; ``sqlite.py`` and ``postgres.py`` bind it to the
library's tracking recorders, which give the tracking table and its exactly-once upsert
(a position at or below the recorded one raises ``IntegrityError``).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from eventsourcing.persistence import Tracking

from projections.bluegreen import APPLICATION, SETS, ReadModels
from projections.parked import Parked, ParkedHouseholds
from projections.rows import HouseholdRows

__all__ = ["APPLICATION", "TABLES", "Filters", "ReadModels", "ViewTables", "division_range"]

TABLES = {
    "household_view": (
        "household_id",
        "village_code",
        "status",
        "monitoring_type",
        "category",
        "filed_card",
        "latest_income",
        "latest_survey_year",
        "version",
        "config_version",
        "violations",
    ),
    "episode_view": ("household_id", "village_code", "marking_event_id", "kind"),
    "gap_view": (
        "household_id",
        "village_code",
        "status",
        "episode",
        "kind",
        "code",
        "step",
        "severity",
    ),
    "lookback_view": (
        "household_id",
        "village_code",
        "status",
        "code",
        "action",
        "detail",
        "active_from",
        "active_until",
    ),
    "material_view": ("sha256", "household_id", "village_code", "event_id"),
}
_COLUMNS_OF = {table: itemgetter(*columns) for table, columns in TABLES.items()}


@dataclass(frozen=True)
class Filters:
    """An evaluator's selection: a division code prefix, and optionally a code/status."""

    division: str = ""
    code: str | None = None
    status: str | None = None
    after: str | None = None  # household_id cursor
    limit: int = 100


def division_range(prefix: str) -> tuple[str, str]:
    """Village codes starting with ``prefix`` as a range an ordinary index can use."""
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


class ReadModelsSwitched(RuntimeError):
    """Another rebuild switched the read models while this one was building."""


class ViewTables(ParkedHouseholds):
    """Mixed into a library tracking recorder; needs ``_transaction`` and ``_sql``."""

    # Provided by the library's tracking recorder this is mixed into.
    _transaction: Callable[..., AbstractContextManager[Any]]
    _insert_tracking: Callable[..., None]
    max_tracking_id: Callable[[str], int | None]
    wait: Callable[..., None]

    def _sql(self, statement: str) -> str:
        return statement

    def _value(self, value: Any) -> Any:
        return value

    def _begin_writing(self, cursor: Any) -> None:
        """First in every write of the views: concurrent writes must take turns (SQLite's
        write lock makes them)."""

    # Which set is live

    def live(self) -> ReadModels:
        """The set lists read now."""
        with self._transaction(commit=False) as cursor:
            return self._live(cursor)

    def _live(self, cursor: Any) -> ReadModels:
        cursor.execute(self._sql("SELECT live FROM read_models WHERE id = 1"))
        return SETS[cursor.fetchall()[0]["live"]]

    def position(self, models: ReadModels | None = None) -> int | None:
        """The log position the set (the live one by default) covers."""
        return self.max_tracking_id((models or self.live()).application)

    def switch(self, to: ReadModels, replacing: ReadModels) -> None:
        """Makes ``to`` the live set, in one transaction, if ``replacing`` still is."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            cursor.execute(
                self._sql(
                    "UPDATE read_models SET live = ?, switched_at = ? "
                    "WHERE id = 1 AND live = ? RETURNING live"
                ),
                (to.name, self._value(datetime.now(UTC)), replacing.name),
            )
            if not cursor.fetchall():
                raise ReadModelsSwitched(
                    f"the {replacing.name} read models are no longer "
                    "live: another rebuild switched them; run it again"
                )

    # Writing

    def commit(
        self,
        batch: Sequence[tuple[str, HouseholdRows | None]],
        position: int,
        *,
        models: ReadModels | None = None,
        parked: Sequence[Parked] = (),
    ) -> None:
        """Replaces the rows of each household of the batch, un-parks them, parks the
        ``parked`` (their rows untouched: the last good ones stay) and records
        ``position``, in one transaction; raises ``IntegrityError`` if the position was
        already recorded."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            household_ids = [household_id for household_id, _ in batch]
            self._delete(cursor, models, household_ids)
            self._insert_all(cursor, models, [rows for _, rows in batch if rows is not None])
            self._unpark(cursor, models, household_ids)
            self._park(cursor, models, parked)
            self._insert_tracking(cursor, Tracking(models.application, position))

    def replace(
        self, households: Sequence[HouseholdRows], *, models: ReadModels | None = None
    ) -> None:
        """Writes the households' rows, recording no position (a rebuild's batch, or a
        retry), except where rows from the same or a later version of a stream are there
        already: a runner may have written them meanwhile, and a later version is never
        older news. Un-parks those it writes, unless parked again on a later version."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            present = self._versions(cursor, models, [rows.household_id for rows in households])
            newer = [
                rows
                for rows in households
                if present.get(rows.household_id, 0) < rows.household["version"]
            ]
            self._delete(
                cursor,
                models,
                [rows.household_id for rows in newer if rows.household_id in present],
            )
            self._insert_all(cursor, models, newer)
            self._unpark(
                cursor,
                models,
                [rows.household_id for rows in newer],
                [rows.household["version"] for rows in newer],
            )

    def park(
        self,
        parked: Sequence[Parked],
        *,
        models: ReadModels | None = None,
        last_good_from: ReadModels | None = None,
    ) -> None:
        """Parks households outside a batch (a rebuild's, a retry's). With
        ``last_good_from``, a rebuild's other set: the households' rows there are copied
        (where the set being built has none yet), and when they were first parked."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            if last_good_from is not None:
                ids = [p.household_id for p in parked]
                present = self._versions(cursor, models, ids)
                self._copy(cursor, last_good_from, models, [i for i in ids if i not in present])
                earlier = {p.household_id: p.since for p in self._parked_in(cursor, last_good_from)}
                parked = [replace(p, since=earlier.get(p.household_id)) for p in parked]
            self._park(cursor, models, parked)

    def parked(self, division: str = "", after: str = "", limit: int | None = None) -> list[Parked]:
        """The live set's parked households in ``division``, by household id."""
        with self._transaction(commit=False) as cursor:
            return self._parked_in(cursor, self._live(cursor), division, after, limit)

    def parked_count(self) -> int:
        with self._transaction(commit=False) as cursor:
            models = self._live(cursor)
            cursor.execute(
                self._sql("SELECT COUNT(*) AS parked FROM parked_households WHERE read_models = ?"),
                (models.name,),
            )
            return int(cursor.fetchall()[0]["parked"])

    def record(self, position: int, *, models: ReadModels | None = None) -> bool:
        """Records ``position`` unless one is recorded already (by a runner, which then goes
        on from its own); True if recorded."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            cursor.execute(
                self._sql(self.INSERT_TRACKING_IF_ABSENT), (models.application, position)
            )
            return bool(cursor.fetchall())

    def _versions(
        self, cursor: Any, models: ReadModels, household_ids: Sequence[str]
    ) -> dict[str, int]:
        """The stream version each household's rows were computed from, for those that have
        rows: a household has rows in any view only with its household_view row (every
        write replaces all of a household's rows at once)."""
        if not household_ids:
            return {}
        marks = ", ".join("?" for _ in household_ids)
        cursor.execute(
            self._sql(
                f"SELECT household_id, version FROM "
                f"{models.table('household_view')} "
                f"WHERE household_id IN ({marks})"
            ),
            tuple(household_ids),
        )
        return {row["household_id"]: row["version"] for row in cursor.fetchall()}

    def _copy(
        self, cursor: Any, source: ReadModels, target: ReadModels, household_ids: Sequence[str]
    ) -> None:
        """The households' rows in ``source``, copied into ``target``."""
        for table, columns in TABLES.items():
            listed = ", ".join(columns)
            cursor.executemany(
                self._sql(
                    f"INSERT INTO {target.table(table)} ({listed}) SELECT {listed} "
                    f"FROM {source.table(table)} WHERE household_id = ?"
                ),
                [(household_id,) for household_id in household_ids],
            )

    def _insert_all(
        self, cursor: Any, models: ReadModels, households: Sequence[HouseholdRows]
    ) -> None:
        """Inserts the households' rows, one statement (or COPY) per table."""
        by_table: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
        for rows in households:
            by_table["household_view"].append(rows.household)
            by_table["episode_view"] += rows.episodes
            by_table["gap_view"] += rows.gaps
            by_table["lookback_view"] += rows.lookback
            by_table["material_view"] += rows.materials
        for table, table_rows in by_table.items():
            if table_rows:
                self._insert(cursor, models, table, table_rows)

    def _delete(self, cursor: Any, models: ReadModels, household_ids: Sequence[str]) -> None:
        ids = [(household_id,) for household_id in household_ids]
        for table in TABLES:
            cursor.executemany(
                self._sql(f"DELETE FROM {models.table(table)} WHERE household_id = ?"), ids
            )

    def _insert(
        self, cursor: Any, models: ReadModels, table: str, rows: list[dict[str, Any]]
    ) -> None:
        columns = TABLES[table]
        statement = (
            f"INSERT INTO {models.table(table)} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        cursor.executemany(self._sql(statement), [self._values(table, row) for row in rows])

    def _values(self, table: str, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's values in the order of ``TABLES[table]``."""
        values: tuple[Any, ...] = _COLUMNS_OF[table](row)
        return values

    def reset(self, models: ReadModels | None = None) -> None:
        """Forgets every row of a set (the live one by default), its parked households
        and its position (the start of a rebuild)."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            for table in TABLES:
                cursor.execute(self._sql(f"DELETE FROM {models.table(table)}"))
            cursor.execute(
                self._sql("DELETE FROM parked_households WHERE read_models = ?"), (models.name,)
            )
            cursor.execute(self._sql(self.DELETE_TRACKING), (models.application,))

    DELETE_TRACKING = "DELETE FROM tracking WHERE application_name = ?"
    INSERT_TRACKING_IF_ABSENT = (
        "INSERT INTO tracking (application_name, notification_id) VALUES (?, ?) "
        "ON CONFLICT (application_name) DO NOTHING RETURNING notification_id"
    )

    # Reading

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query of the live set (views named in braces)."""
        with self._transaction(commit=False) as cursor:
            models = self._live(cursor)
            cursor.execute(
                self._sql(statement.format_map({table: models.table(table) for table in TABLES})),
                tuple(params),
            )
            return list(cursor.fetchall())

    def _selection(self, filters: Filters, table: str) -> tuple[str, list[Any]]:
        low, high = division_range(filters.division)
        where, params = [f"{table}.village_code BETWEEN ? AND ?"], [low, high]
        if filters.status:
            where.append(f"{table}.status = ?")
            params.append(filters.status)
        if filters.after:
            where.append(f"{table}.household_id > ?")
            params.append(filters.after)
        return " AND ".join(where), params

    def households_with(
        self, table: str, filters: Filters, reference_date: date | None = None
    ) -> list[str]:
        """One page of household ids having rows in ``gap_view`` or ``lookback_view``."""
        where, params = self._selection(filters, table)
        if filters.code:
            where += f" AND {table}.code = ?"
            params.append(filters.code)
        if reference_date is not None:
            where += (
                f" AND ({table}.active_from IS NULL OR {table}.active_from <= ?)"
                f" AND ({table}.active_until IS NULL OR ? < {table}.active_until)"
            )
            params += [self._value(reference_date)] * 2
        rows = self._rows(
            f"SELECT DISTINCT household_id FROM {{{table}}} AS {table} WHERE {where} "
            f"ORDER BY household_id LIMIT ?",
            [*params, filters.limit],
        )
        return [row["household_id"] for row in rows]

    def rows_of(self, table: str, household_ids: Sequence[str]) -> Iterator[Any]:
        if household_ids:
            marks = ", ".join("?" for _ in household_ids)
            yield from self._rows(
                f"SELECT * FROM {{{table}}} WHERE household_id IN ({marks})", household_ids
            )

    def status_by_type(self, division: str) -> list[Any]:
        return self._rows(
            "SELECT status, monitoring_type, COUNT(*) AS households FROM {household_view} "
            "WHERE village_code BETWEEN ? AND ? GROUP BY status, monitoring_type "
            "ORDER BY status, monitoring_type",
            division_range(division),
        )

    def households_by_part(self, division: str, length: int) -> list[Any]:
        """Households and households with violations per division code of ``length`` digits
        within ``division`` (its townships, say)."""
        low, high = division_range(division)
        return self._rows(
            "SELECT part, SUM(households) AS households, SUM(monitored) AS monitored, "
            "SUM(flagged) AS flagged FROM ("
            " SELECT SUBSTR(village_code, 1, ?) AS part, COUNT(*) AS households, "
            " SUM(CASE WHEN status = 'monitored' THEN 1 ELSE 0 END) AS monitored, "
            " 0 AS flagged FROM {household_view} WHERE village_code BETWEEN ? AND ? GROUP BY part"
            " UNION ALL"
            " SELECT SUBSTR(village_code, 1, ?) AS part, 0, 0, COUNT(DISTINCT household_id) "
            " FROM {gap_view} WHERE severity = 'violation' AND village_code BETWEEN ? AND ? "
            " GROUP BY part) AS counted GROUP BY part ORDER BY part",
            (length, low, high, length, low, high),
        )

    def episodes_by_kind(self, division: str) -> list[Any]:
        return self._rows(
            "SELECT kind, COUNT(*) AS episodes FROM {episode_view} "
            "WHERE village_code BETWEEN ? AND ? GROUP BY kind ORDER BY kind",
            division_range(division),
        )

    def gap_counts(self, division: str) -> list[Any]:
        return self._rows(
            "SELECT kind, code, step, severity, COUNT(*) AS gaps, "
            "COUNT(DISTINCT household_id) AS households FROM {gap_view} "
            "WHERE village_code BETWEEN ? AND ? GROUP BY kind, code, step, severity "
            "ORDER BY kind, code, step",
            division_range(division),
        )

    def material_citations(self, sha256: str, division: str) -> list[tuple[str, str]]:
        """The households of ``division`` whose events cite the file ``sha256``, with
        their village codes."""
        low, high = division_range(division)
        return [
            (row["household_id"], row["village_code"])
            for row in self._rows(
                "SELECT DISTINCT household_id, village_code FROM {material_view} WHERE sha256 = ? "
                "AND village_code BETWEEN ? AND ? ORDER BY household_id",
                (sha256, low, high),
            )
        ]
