"""The read models as tables: writing a batch with its tracking position in one
transaction (exactly once); the evaluators' queries over them are ``view_queries.py``.

There are two sets of the tables (``bluegreen.py``): writes name the set they write,
reads read the live one, found in the same transaction as the rows. Queries name a view
in braces (``{household_view}``) and get the live set's table.

Written once for both databases; ``sqlite.py`` and ``postgres.py`` bind it to the
library's tracking recorders, which give the tracking table and its exactly-once upsert
(a position at or below the recorded one raises ``IntegrityError``).
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from eventsourcing.persistence import Tracking

from projections.bluegreen import APPLICATION, ReadModels
from projections.parked import Parked, ParkedHouseholds
from projections.quality_queries import QualityViewQueries
from projections.rows import HouseholdRows
from projections.schema import TABLES, VIEWS
from projections.streams import StoredStreams
from projections.view_queries import Filters, ViewQueries, division_range

__all__ = ["APPLICATION", "TABLES", "Filters", "ReadModels", "ViewTables", "division_range"]

_COLUMNS_OF = {table: itemgetter(*columns) for table, columns in TABLES.items()}


class ReadModelsSwitched(RuntimeError):
    """Another rebuild switched the read models while this one was building."""


class ViewTables(ViewQueries, QualityViewQueries, ParkedHouseholds):
    """Mixed into a library tracking recorder; needs ``_transaction`` and ``_sql``."""

    # Provided by the library's tracking recorder this is mixed into.
    _insert_tracking: Callable[..., None]
    max_tracking_id: Callable[[str], int | None]
    wait: Callable[..., None]

    def _begin_writing(self, cursor: Any) -> None:
        """First in every write of the views: concurrent writes must take turns (SQLite's
        write lock makes them)."""

    def streams(self) -> StoredStreams:
        """The ledger's events as whole streams, read through the views' connection pool."""
        raise NotImplementedError

    # Which set is live

    def live(self) -> ReadModels:
        """The set lists read now."""
        with self._transaction(commit=False) as cursor:
            return self._live(cursor)

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
            by_table["finding_view"] += rows.findings
            by_table["fact_view"] += rows.facts
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
            for table in VIEWS:
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
