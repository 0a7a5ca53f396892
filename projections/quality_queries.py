"""The evaluators' quality questions over the read models (CONTRACT §7.5): findings by
household, signals by division, their counts. Mixed into ``ViewTables`` beside
``ViewQueries``; plain SQL naming views in braces (the live set's tables).

Rows come back as dicts with ``events`` (and a signal's ``households``) decoded from JSON.
A finding or signal counts at ``reference_date`` when its window holds it (``active_from``
None or on/before the date, ``active_until`` None or after it).
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import orjson

from projections.view_queries import Filters, division_range

_FINDING_TABLES = ("finding_view", "derived_finding_view")
_BROAD = 6  # digits of a division code up to which it is a county or wider
_FINDING_COLUMNS = "household_id, village_code, code, rule, detail, detail_zh, events"


def _active(table: str) -> str:
    """The row's window holds the reference date (bound twice)."""
    return (
        f"({table}.active_from IS NULL OR {table}.active_from <= ?)"
        f" AND ({table}.active_until IS NULL OR ? < {table}.active_until)"
    )


class QualityViewQueries:
    """Mixed into ``ViewTables`` beside ``ViewQueries`` (its ``_rows``, ``_value``)."""

    _rows: Callable[..., list[Any]]
    _value: Callable[[Any], Any]

    def _not_by_index(self, column: str) -> str:
        """``column`` as a planner that knows how many rows a range holds (PostgreSQL's
        histograms) is given it; SQLite's, without one, is kept off its index so."""
        return column

    def households_with_findings(self, filters: Filters, reference_date: date) -> list[str]:
        """One page of the ids of households in ``filters.division`` with findings (of
        ``filters.code`` if given; ``filters.status`` their status) active at
        ``reference_date``, own or derived, by id after ``filters.after``."""
        low, high = division_range(filters.division)
        day = self._value(reference_date)
        # A county or wider holds most of a ledger's households: its first page is found
        # soonest in id order (the household index, covering the filters), stopping at the
        # page; a township or village, by its village codes' range.
        broad = len(filters.division) <= _BROAD
        branches, params = [], []
        for table in _FINDING_TABLES:
            # Each table's first page on its own, then the two merged.
            village = f"{table}.village_code"
            village = self._not_by_index(village) if broad else village
            where = [f"{village} BETWEEN ? AND ?", _active(table)]
            branch: list[Any] = [low, high, day, day]
            if filters.code:
                where.append(f"{table}.code = ?")
                branch.append(filters.code)
            if filters.after:
                where.append(f"{table}.household_id > ?")
                branch.append(filters.after)
            if filters.status:
                where.append(
                    "EXISTS (SELECT 1 FROM {household_view} AS household_view WHERE "
                    f"household_view.household_id = {table}.household_id "
                    "AND household_view.status = ?)"
                )
                branch.append(filters.status)
            branches.append(
                f"SELECT * FROM (SELECT {table}.household_id FROM {{{table}}} AS {table} "
                f"WHERE {' AND '.join(where)} GROUP BY {table}.household_id "
                f"ORDER BY {table}.household_id LIMIT ?) AS first_page"
            )
            params += [*branch, filters.limit]
        rows = self._rows(
            f"SELECT household_id FROM ({' UNION '.join(branches)}) AS found "
            "ORDER BY household_id LIMIT ?",
            [*params, filters.limit],
        )
        return [row["household_id"] for row in rows]

    def findings_of(
        self, household_ids: Sequence[str], reference_date: date
    ) -> list[dict[str, Any]]:
        """The findings active at ``reference_date`` of the households, own and derived:
        ``household_id, village_code, code, rule, detail, detail_zh, events`` (a list)."""
        if not household_ids:
            return []
        marks = ", ".join("?" for _ in household_ids)
        day = self._value(reference_date)
        selects = [
            f"SELECT {_FINDING_COLUMNS} FROM {{{table}}} AS {table} "
            f"WHERE {table}.household_id IN ({marks}) AND {_active(table)}"
            for table in _FINDING_TABLES
        ]
        rows = self._rows(
            f"{' UNION ALL '.join(selects)} ORDER BY household_id, code, detail",
            [*household_ids, day, day] * len(selects),
        )
        return [{**dict(row), "events": orjson.loads(row["events"])} for row in rows]

    def places_of(self, household_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Each household's (village code, status), from ``household_view``."""
        if not household_ids:
            return {}
        marks = ", ".join("?" for _ in household_ids)
        return {
            row["household_id"]: (row["village_code"], row["status"])
            for row in self._rows(
                "SELECT household_id, village_code, status FROM {household_view} "
                f"WHERE household_id IN ({marks})",
                household_ids,
            )
        }

    def signals_in(self, filters: Filters, reference_date: date) -> list[dict[str, Any]]:
        """One page of the signals (of ``filters.code``) active at ``reference_date`` that
        involve a household in ``filters.division``, ordered by ``code`` then ``key``,
        after the cursor ``filters.after`` ("<code>/<key>"): ``code, key, division,
        detail, detail_zh, households`` (a list of ``[household id, village code]``, every
        one of the signal's), ``events`` (a list)."""
        day = self._value(reference_date)
        where, params = [_active("signal")], [day, day]
        if filters.division:
            where.append(
                "EXISTS (SELECT 1 FROM {signal_household_view} AS involved WHERE "
                "involved.code = signal.code AND involved.key = signal.key "
                "AND involved.group_kind = signal.group_kind "
                "AND involved.group_key = signal.group_key "
                "AND involved.village_code BETWEEN ? AND ?)"
            )
            params += division_range(filters.division)
        if filters.code:
            where.append("signal.code = ?")
            params.append(filters.code)
        if filters.after:
            code, _, key = filters.after.partition("/")  # codes hold no "/", keys may
            where.append("(signal.code > ? OR (signal.code = ? AND signal.key > ?))")
            params += [code, code, key]
        rows = self._rows(
            "SELECT signal.code, signal.key, signal.division, signal.detail, "
            "signal.detail_zh, signal.households, signal.events FROM {signal_view} AS signal "
            f"WHERE {' AND '.join(where)} ORDER BY signal.code, signal.key LIMIT ?",
            [*params, filters.limit],
        )
        return [
            {
                **dict(row),
                "households": orjson.loads(row["households"]),
                "events": orjson.loads(row["events"]),
            }
            for row in rows
        ]

    def finding_counts(self, division: str, reference_date: date) -> list[dict[str, Any]]:
        """Per finding code in ``division`` at ``reference_date``: ``code, findings,
        households``."""
        low, high = division_range(division)
        day = self._value(reference_date)
        selects = [
            f"SELECT {table}.code, {table}.household_id FROM {{{table}}} AS {table} "
            f"WHERE {table}.village_code BETWEEN ? AND ? AND {_active(table)}"
            for table in _FINDING_TABLES
        ]
        return [
            dict(row)
            for row in self._rows(
                "SELECT code, COUNT(*) AS findings, COUNT(DISTINCT household_id) AS households "
                f"FROM ({' UNION ALL '.join(selects)}) AS found GROUP BY code ORDER BY code",
                [low, high, day, day] * len(selects),
            )
        ]

    def signal_counts(self, division: str, reference_date: date) -> list[dict[str, Any]]:
        """Per signal code involving a household in ``division`` at ``reference_date``:
        ``code, signals, households`` (households of the division involved)."""
        low, high = division_range(division)
        day = self._value(reference_date)
        return [
            dict(row)
            for row in self._rows(
                "SELECT involved.code, COUNT(DISTINCT involved.group_kind || '/' || "
                "involved.group_key || '/' || involved.key) AS signals, "
                "COUNT(DISTINCT involved.household_id) AS households "
                "FROM {signal_household_view} AS involved JOIN {signal_view} AS signal "
                "ON signal.group_kind = involved.group_kind "
                "AND signal.group_key = involved.group_key "
                "AND signal.code = involved.code AND signal.key = involved.key "
                f"WHERE involved.village_code BETWEEN ? AND ? AND {_active('signal')} "
                "GROUP BY involved.code ORDER BY involved.code",
                (low, high, day, day),
            )
        ]
