"""The evaluators' queries over the read models (plain SQL), reading the live set: a query
names a view in braces (``{household_view}``) and gets the live set's table, found in
the same transaction as the rows."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.bluegreen import SETS, ReadModels
from projections.schema import VIEWS


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


class ViewQueries:
    """Mixed into ``ViewTables``; needs ``_transaction`` (the library's recorder's)."""

    _transaction: Callable[..., AbstractContextManager[Any]]

    def _sql(self, statement: str) -> str:
        return statement

    def _value(self, value: Any) -> Any:
        return value

    def _live(self, cursor: Any) -> ReadModels:
        cursor.execute(self._sql("SELECT live FROM read_models WHERE id = 1"))
        return SETS[cursor.fetchall()[0]["live"]]

    def _rows(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query of the live set (views named in braces)."""
        with self._transaction(commit=False) as cursor:
            models = self._live(cursor)
            cursor.execute(
                self._sql(statement.format_map({table: models.table(table) for table in VIEWS})),
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
