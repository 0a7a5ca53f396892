"""The read models as tables: writing a batch with its tracking position in one
transaction (exactly once); the evaluators' queries over them are ``view_queries.py``.

There are two sets of the tables (``bluegreen.py``): writes name the set they write,
reads read the live one, found in the same transaction as the rows. Queries name a view
in braces (``{household_view}``) and get the live set's table.

Written once for both databases; ``sqlite.py`` and ``postgres.py`` bind it to the
library's tracking recorders, which give the tracking table and its exactly-once upsert
(a position at or below the recorded one raises ``IntegrityError``).
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import orjson
import structlog
from eventsourcing.persistence import Tracking

from ledger.domain.configuration import RulesConfiguration
from ledger.domain.quality import Fact, FactKind, derive
from ledger.domain.quality.signals import group_kinds, owner
from projections.bluegreen import APPLICATION, ReadModels
from projections.parked import Parked, ParkedHouseholds
from projections.parking import error_text
from projections.quality_queries import QualityViewQueries
from projections.rows import HouseholdRows, finding_row
from projections.schema import COLUMNS, DERIVED_TABLES, TABLES, VIEWS
from projections.streams import StoredStreams
from projections.view_queries import Filters, ViewQueries, division_range

__all__ = [
    "APPLICATION",
    "COLUMNS",
    "DERIVED_TABLES",
    "TABLES",
    "Filters",
    "ReadModels",
    "ViewTables",
    "division_range",
]

log = structlog.get_logger("ledger.projections")

_COLUMNS_OF = {table: itemgetter(*columns) for table, columns in COLUMNS.items()}
_IN_LIST = 10_000  # values bound in one IN list: far below SQLite's 32,766 parameters

Group = tuple[str, str]
"""A group of facts judged together: the first of its kinds (``group_kinds``), its key."""


def group_of(kind: str, key: str) -> Group:
    return owner(FactKind(kind)).value, key


class ReadModelsSwitched(RuntimeError):
    """Another rebuild switched the read models while this one was building."""


class ViewTables(ViewQueries, QualityViewQueries, ParkedHouseholds):
    """Mixed into a library tracking recorder; needs ``_transaction`` and ``_sql``."""

    # Provided by the library's tracking recorder this is mixed into.
    _insert_tracking: Callable[..., None]
    max_tracking_id: Callable[[str], int | None]
    wait: Callable[..., None]

    configuration: RulesConfiguration | None = None
    """What groups of facts are judged with (the runner's, set when it is made)."""

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
            written = [rows for _, rows in batch if rows is not None]
            groups = self._groups_of(cursor, models, household_ids)
            self._delete(cursor, models, household_ids)
            self._insert_all(cursor, models, written)
            self._derive(cursor, models, groups | _groups_in(written))
            self._unpark(cursor, models, household_ids)
            self._park(cursor, models, parked)
            self._insert_tracking(cursor, Tracking(models.application, position))

    def replace(
        self,
        households: Sequence[HouseholdRows],
        *,
        models: ReadModels | None = None,
        judge_groups: bool = True,
    ) -> None:
        """Writes the households' rows, recording no position (a rebuild's batch, or a
        retry), except where rows from the same or a later version of a stream are there
        already: a runner may have written them meanwhile, and a later version is never
        older news. Un-parks those it writes, unless parked again on a later version.
        Without ``judge_groups`` (a rebuild's pages) the groups of facts are left to
        ``judge_all_groups``."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            present = self._versions(cursor, models, [rows.household_id for rows in households])
            newer = [
                rows
                for rows in households
                if present.get(rows.household_id, 0) < rows.household["version"]
            ]
            replaced = [rows.household_id for rows in newer if rows.household_id in present]
            groups = self._groups_of(cursor, models, replaced) if judge_groups else set()
            self._delete(cursor, models, replaced)
            self._insert_all(cursor, models, newer)
            if judge_groups:
                self._derive(cursor, models, groups | _groups_in(newer))
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
        judge_groups: bool = True,
    ) -> None:
        """Parks households outside a batch (a rebuild's, a retry's). With
        ``last_good_from``, a rebuild's other set: the households' rows there are copied
        (where the set being built has none yet), and when they were first parked (their
        groups judged again, unless not ``judge_groups``, as ``replace``)."""
        with self._transaction(commit=True) as cursor:
            self._begin_writing(cursor)
            models = models or self._live(cursor)
            if last_good_from is not None:
                ids = [p.household_id for p in parked]
                present = self._versions(cursor, models, ids)
                copied = [i for i in ids if i not in present]
                self._copy(cursor, last_good_from, models, copied)
                if judge_groups:
                    self._derive(cursor, models, self._groups_of(cursor, models, copied))
                earlier = {p.household_id: p.since for p in self._parked_in(cursor, last_good_from)}
                parked = [replace(p, since=earlier.get(p.household_id)) for p in parked]
            self._park(cursor, models, parked)

    GROUPS_AT_ONCE = 5_000

    def judge_all_groups(self, models: ReadModels) -> None:
        """Judges every group of facts of ``models`` (a rebuild's set, once its pages are
        written: judging each group once, not again with every page touching it), a few
        thousand groups per transaction."""
        after: tuple[str, str] | None = None
        while True:
            with self._transaction(commit=True) as cursor:
                self._begin_writing(cursor)
                cursor.execute(
                    self._sql(
                        f"SELECT DISTINCT kind, key FROM {models.table('fact_view')} "
                        + ("WHERE (kind, key) > (?, ?) " if after else "")
                        + "ORDER BY kind, key LIMIT ?"
                    ),
                    (*(after or ()), self.GROUPS_AT_ONCE),
                )
                found = [(row["kind"], row["key"]) for row in cursor.fetchall()]
                if not found:
                    return
                # A group of kinds judged together may be met twice: judged again, the same.
                self._derive(cursor, models, {group_of(kind, key) for kind, key in found})
            after = found[-1]

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

    # The groups of facts: judged again whenever a household's facts in them change

    def _groups_of(
        self, cursor: Any, models: ReadModels, household_ids: Sequence[str]
    ) -> set[Group]:
        """The groups the households' facts are in now (before their rows are replaced)."""
        groups: set[Group] = set()
        for chunk in _chunks(household_ids):
            where, params = self._any("household_id", chunk)
            cursor.execute(
                self._sql(
                    f"SELECT DISTINCT kind, key FROM {models.table('fact_view')} WHERE {where}"
                ),
                params,
            )
            groups |= {group_of(row["kind"], row["key"]) for row in cursor.fetchall()}
        return groups

    def _derive(self, cursor: Any, models: ReadModels, groups: Collection[Group]) -> None:
        """Replaces what each group shows (its derived findings and signals) by what
        ``derive`` finds in all its facts as the transaction sees them. Writes take turns
        (``_begin_writing``), so every committed fact of a group is seen."""
        if not groups:
            return
        if self.configuration is None:
            raise RuntimeError("the views judge groups of facts only with a configuration")
        facts = self._facts_of(cursor, models, groups)
        self._delete_derived(cursor, models, groups)
        findings: list[dict[str, Any]] = []
        signals: list[dict[str, Any]] = []
        signal_households: list[dict[str, Any]] = []
        for kind, key in sorted(groups):
            group_facts = facts.get((kind, key))
            if not group_facts:
                continue
            try:
                rows = _group_rows(kind, key, group_facts, self.configuration)
            except Exception as error:  # one group's, never everyone's: it shows nothing
                log.error("quality_group_failed", kind=kind, key=key, error=error_text(error))
                continue
            findings += rows[0]
            signals += rows[1]
            signal_households += rows[2]
        for table, table_rows in (
            ("derived_finding_view", findings),
            ("signal_view", signals),
            ("signal_household_view", signal_households),
        ):
            if table_rows:
                self._insert(cursor, models, table, table_rows)

    def _facts_of(
        self, cursor: Any, models: ReadModels, groups: Collection[Group]
    ) -> dict[Group, list[Fact]]:
        """Every fact of the groups, by group: one query per kind of group (and per
        ``_IN_LIST`` keys)."""
        facts: dict[Group, list[Fact]] = defaultdict(list)
        for kind, keys in _keys_by_kind(groups).items():
            kinds = [k.value for k in group_kinds(FactKind(kind))]
            for chunk in _chunks(keys):
                in_kinds, kind_params = self._any("kind", kinds)
                in_keys, key_params = self._any("key", chunk)
                cursor.execute(
                    self._sql(
                        "SELECT household_id, village_code, kind, key, value, day, event_id "
                        f"FROM {models.table('fact_view')} WHERE {in_kinds} AND {in_keys} "
                        "ORDER BY household_id, kind, event_id, value"
                    ),
                    (*kind_params, *key_params),
                )
                for row in cursor.fetchall():
                    facts[(kind, row["key"])].append(
                        Fact(
                            kind=FactKind(row["kind"]),
                            key=row["key"],
                            household_id=row["household_id"],
                            village_code=row["village_code"],
                            event_id=row["event_id"],
                            value=row["value"],
                            day=_day(row["day"]),
                        )
                    )
        return facts

    def _delete_derived(self, cursor: Any, models: ReadModels, groups: Collection[Group]) -> None:
        for kind, keys in _keys_by_kind(groups).items():
            for chunk in _chunks(keys):
                in_keys, key_params = self._any("key", chunk)
                cursor.execute(
                    self._sql(
                        f"DELETE FROM {models.table('derived_finding_view')} "
                        f"WHERE kind = ? AND {in_keys}"
                    ),
                    (kind, *key_params),
                )
                in_keys, key_params = self._any("group_key", chunk)
                for table in ("signal_view", "signal_household_view"):
                    cursor.execute(
                        self._sql(
                            f"DELETE FROM {models.table(table)} WHERE group_kind = ? AND {in_keys}"
                        ),
                        (kind, *key_params),
                    )

    def _any(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        """``column`` is one of ``values``: SQL and its parameters."""
        return f"{column} IN ({', '.join('?' for _ in values)})", tuple(values)

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
        columns = COLUMNS[table]
        statement = (
            f"INSERT INTO {models.table(table)} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        cursor.executemany(self._sql(statement), [self._values(table, row) for row in rows])

    def _values(self, table: str, row: dict[str, Any]) -> tuple[Any, ...]:
        """The row's values in the order of ``COLUMNS[table]``."""
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


def _groups_in(households: Iterable[HouseholdRows]) -> set[Group]:
    return {group_of(fact["kind"], fact["key"]) for rows in households for fact in rows.facts}


def _keys_by_kind(groups: Iterable[Group]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = defaultdict(list)
    for kind, key in sorted(groups):
        keys[kind].append(key)
    return keys


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_LIST):
        yield values[start : start + _IN_LIST]


def _day(value: Any) -> date | None:
    """A fact's day as stored: a date (PostgreSQL) or its ISO text (SQLite)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


GroupRows = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]
"""A group's rows of ``derived_finding_view``, ``signal_view``, ``signal_household_view``."""


def _group_rows(
    kind: str, key: str, facts: Sequence[Fact], configuration: RulesConfiguration
) -> GroupRows:
    """What ``derive`` finds in a group's facts, as rows; raises if they cannot be stored
    (a NUL, which PostgreSQL refuses) so the group fails alike on both databases."""
    derived = derive(FactKind(kind), key, facts, configuration)
    villages = {fact.household_id: fact.village_code for fact in facts}
    group = {"kind": kind, "key": key}
    findings = [
        {
            **group,
            **finding_row(
                {"household_id": household_id, "village_code": villages.get(household_id, "")},
                finding,
            ),
        }
        for household_id, finding in derived.findings
    ]
    signals: list[dict[str, Any]] = []
    signal_households: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for signal in derived.signals:
        if (signal.code.value, signal.key) in seen:
            continue  # one row per signal of a group
        seen.add((signal.code.value, signal.key))
        named = {"group_kind": kind, "group_key": key, "code": signal.code.value, "key": signal.key}
        signals.append(
            {
                **named,
                "division": signal.division,
                "detail": signal.detail,
                "detail_zh": signal.detail_zh,
                "households": orjson.dumps([list(h) for h in signal.households]).decode(),
                "events": orjson.dumps(list(signal.events)).decode(),
                "active_from": signal.active_from,
                "active_until": signal.active_until,
            }
        )
        signal_households += [
            {**named, "household_id": household_id, "village_code": village_code}
            for household_id, village_code in dict(signal.households).items()
        ]
    for row in (*findings, *signals, *signal_households):
        for column, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"the group's {column} holds a NUL character")
    return findings, signals, signal_households
