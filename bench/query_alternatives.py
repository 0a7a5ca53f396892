"""What-if for the evaluators' slow SQL: the statements ``projections/views.py`` runs,
timed as they are and with candidate indexes or a pre-aggregated table, on a county of
N households (``demo``), on SQLite and on PostgreSQL.

The baseline ("as is") is the schema of the migrations present when it runs (the county
passed with ``--sqlite`` is migrated first); a candidate index the schema already has is
not created twice but labelled with the schema's index. Nothing here changes the
product: the candidate indexes and the per-village counts table are created in the
benchmark's own throw-away databases (a copy of the county in a SQLite temp file, and a
``bench_<random>`` PostgreSQL database that receives a copy of its view tables and is
dropped at the end).

    .venv/bin/python -m bench.query_alternatives [--households N] [--sqlite PATH]

``--sqlite PATH`` reuses (or, when missing, creates and keeps) a projected county there.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from bench.common import DATABASES, RESULTS, ROOT
from bench.common import log as _log
from bench.completeness_queries import BackendRun, generate
from bootstrap import migrate, open_ledger, open_views
from ledger import config
from ledger.persistence.database import Database
from projections.runner import ProjectionRunner
from projections.views import division_range

REPEATS = 30
COUNTY, TOWNSHIP = division_range("530925"), division_range("530925101")
TODAY = date.today().isoformat()

STATUS_BY_TYPE = (
    "SELECT status, monitoring_type, COUNT(*) AS households FROM household_view "
    "WHERE village_code BETWEEN ? AND ? GROUP BY status, monitoring_type "
    "ORDER BY status, monitoring_type"
)
GAP_COUNTS = (
    "SELECT kind, code, step, severity, COUNT(*) AS gaps, "
    "COUNT(DISTINCT household_id) AS households FROM gap_view "
    "WHERE village_code BETWEEN ? AND ? GROUP BY kind, code, step, severity "
    "ORDER BY kind, code, step"
)
LOOKBACK_PAGE = (
    "SELECT DISTINCT household_id FROM lookback_view WHERE "
    "lookback_view.village_code BETWEEN ? AND ? AND (lookback_view.active_from IS "
    "NULL OR lookback_view.active_from <= ?) AND (lookback_view.active_until IS "
    "NULL OR ? < lookback_view.active_until) ORDER BY household_id LIMIT ?"
)
GAP_PAGE = (
    "SELECT DISTINCT household_id FROM gap_view WHERE gap_view.village_code BETWEEN ? "
    "AND ? ORDER BY household_id LIMIT ?"
)
COUNTS_TABLE = (
    "CREATE TABLE bench_village_counts AS SELECT village_code, status, "
    "monitoring_type, COUNT(*) AS households FROM household_view "
    "GROUP BY village_code, status, monitoring_type"
)
FROM_COUNTS = (
    "SELECT status, monitoring_type, SUM(households) AS households "
    "FROM bench_village_counts WHERE village_code BETWEEN ? AND ? "
    "GROUP BY status, monitoring_type ORDER BY status, monitoring_type"
)

# (label, statement, parameters, DDL to apply first — kept for the following rows)
CASES: list[tuple[str, str, list[Any], str | None]] = [
    ("summary: status_by_type, county — as is", STATUS_BY_TYPE, [*COUNTY], None),
    ("summary: status_by_type, township — as is", STATUS_BY_TYPE, [*TOWNSHIP], None),
    ("summary: gap_counts, county — as is", GAP_COUNTS, [*COUNTY], None),
    ("lookback first page, county — as is", LOOKBACK_PAGE, [*COUNTY, TODAY, TODAY, 100], None),
    ("completeness first page, county — as is", GAP_PAGE, [*COUNTY, 100], None),
    (
        "summary: status_by_type, county — + index household_view (village_code, status, "
        "monitoring_type)",
        STATUS_BY_TYPE,
        [*COUNTY],
        "CREATE INDEX bench_hv_cover ON household_view (village_code, status, monitoring_type)",
    ),
    ("summary: status_by_type, township — same index", STATUS_BY_TYPE, [*TOWNSHIP], None),
    (
        "summary: gap_counts, county — + index gap_view (village_code, kind, code, step, "
        "severity, household_id)",
        GAP_COUNTS,
        [*COUNTY],
        "CREATE INDEX bench_gap_cover ON gap_view (village_code, kind, code, step, severity, "
        "household_id)",
    ),
    (
        "summary: status_by_type, county — from per-village counts (a table the projection "
        "would keep)",
        FROM_COUNTS,
        [*COUNTY],
        COUNTS_TABLE,
    ),
    (
        "lookback first page, county — + index lookback_view (village_code, household_id, "
        "active_from, active_until)",
        LOOKBACK_PAGE,
        [*COUNTY, TODAY, TODAY, 100],
        "CREATE INDEX bench_lb_cover ON lookback_view (village_code, household_id, active_from, "
        "active_until)",
    ),
]


_INDEX_DDL = re.compile(r"CREATE INDEX \w+ ON (\w+) \(([^)]*)\)")


def _existing_index(ddl: str, indexes: dict[str, tuple[str, list[str]]]) -> str | None:
    """The schema's index on the same table and columns as the candidate ``ddl``, if any."""
    match = _INDEX_DDL.match(ddl)
    if not match:
        return None
    table, columns = match.group(1), [c.strip() for c in match.group(2).split(",")]
    return next((name for name, (t, cs) in indexes.items() if (t, cs) == (table, columns)), None)


def _sqlite_indexes(connection: sqlite3.Connection) -> dict[str, tuple[str, list[str]]]:
    rows = connection.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'")
    return {
        name: (table, [r[2] for r in connection.execute(f"PRAGMA index_info({name})")])
        for name, table in rows.fetchall()
    }


def _postgres_indexes(connection: psycopg.Connection[Any]) -> dict[str, tuple[str, list[str]]]:
    rows = connection.execute(
        "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
    ).fetchall()
    return {
        name: (table, [c.strip() for c in definition.split("(", 1)[1].rstrip(")").split(",")])
        for name, table, definition in rows
    }


def _apply(ddl: str | None, label: str, existing: str | None, execute: Callable[[str], Any]) -> str:
    if ddl is None:
        return label
    if existing:
        return f"{label} (already in the schema: {existing})"
    execute(ddl)
    return label


def _median_ms(run: Callable[[], Any]) -> float:
    run()
    samples = []
    for _ in range(REPEATS):
        before = time.perf_counter()
        run()
        samples.append(time.perf_counter() - before)
    return statistics.median(samples) * 1000


def _sqlite_plan(connection: sqlite3.Connection, statement: str, params: list[Any]) -> str:
    return "; ".join(
        row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", params)
    )


def _postgres_plan(connection: psycopg.Connection[Any], statement: str, params: list[Any]) -> str:
    with connection.transaction(force_rollback=True):
        rows = connection.execute(
            f"EXPLAIN (COSTS OFF) {statement.replace('?', '%s')}", params
        ).fetchall()
    nodes = [str(r[0]).strip().lstrip("-> ") for r in rows]
    # Keep the plan's nodes (an index's name is in its node), drop the detail lines.
    return "; ".join(
        n
        for n in nodes
        if not n.startswith(("Sort Key", "Group Key", "Filter", "Index Cond", "Recheck Cond"))
    )


def _fetch_all(connection: sqlite3.Connection, statement: str, params: Any) -> list[Any]:
    return connection.execute(statement, params).fetchall()


def on_sqlite(path: Path) -> list[tuple[str, float, str]]:
    results = []
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for label, statement, params, ddl in CASES:
            existing = _existing_index(ddl, _sqlite_indexes(connection)) if ddl else None
            label = _apply(ddl, label, existing, connection.execute)
            connection.commit()
            ms = _median_ms(partial(_fetch_all, connection, statement, params))
            results.append((label, ms, _sqlite_plan(connection, statement, params)))
    return results


def on_postgres(url: str, source: Path) -> list[tuple[str, float, str]]:
    """Each read in a transaction that is rolled back, as ``ViewTables._rows`` does (the
    rollback also clears psycopg's prepared statements, so every read gets a plan made
    for its values, as in the product)."""
    migrate(Database.from_url(url))
    _copy_views(source, url)
    results = []
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
        for label, statement, params, ddl in CASES:
            existing = _existing_index(ddl, _postgres_indexes(connection)) if ddl else None
            label = _apply(ddl, label, existing, connection.execute)
            if ddl and not existing:
                connection.execute("VACUUM (ANALYZE)")
            pg = statement.replace("?", "%s")

            def read(s: str = pg, p: list[Any] = params) -> None:
                with connection.transaction(force_rollback=True):
                    connection.execute(s, p).fetchall()

            results.append((label, _median_ms(read), _postgres_plan(connection, statement, params)))
    return results


def _copy_views(source: Path, url: str) -> None:
    with contextlib.closing(sqlite3.connect(source)) as lite, psycopg.connect(url) as pg:
        for table in ("household_view", "episode_view", "gap_view", "lookback_view"):
            columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
            flag = columns.index("filed_card") if "filed_card" in columns else None
            names = ", ".join(columns)
            with pg.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in lite.execute(f"SELECT {names} FROM {table}"):  # noqa: S608
                    values = list(row)
                    if flag is not None:
                        values[flag] = bool(values[flag])
                    copy.write_row(values)
        pg.commit()


@contextlib.contextmanager
def _county(path: Path | None, households: int) -> Iterator[Path]:
    with contextlib.ExitStack() as stack:
        if path is None:
            path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "ledger.db"
        if not path.exists():
            database = Database.from_url(f"sqlite:///{path.resolve()}")
            migrate(database)
            ledger = open_ledger(database)
            try:
                _log(f"generating {households:,} households into {path} …")
                generate(ledger, BackendRun("sqlite", ""), households)
                _log("projecting …")
                ProjectionRunner(ledger, open_views(ledger), config.load_default()).catch_up()
            finally:
                ledger.close()
        yield path


def table(rows: dict[str, list[tuple[str, float, str]]]) -> str:
    lines = ["| backend | statement — variant | median ms | plan |", "| --- | --- | ---: | --- |"]
    for backend, results in rows.items():
        for label, ms, plan in results:
            lines.append(f"| {backend} | {label} | {ms:,.2f} | {plan} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.query_alternatives",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--sqlite", type=Path, help="a projected county to reuse or keep")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with _county(args.sqlite, args.households) as source, tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "ledger.db"
        with (
            contextlib.closing(sqlite3.connect(source)) as original,
            contextlib.closing(sqlite3.connect(work)) as copy,
        ):
            original.backup(copy)
        migrate(Database.from_url(f"sqlite:///{work}"))  # the schema as it is now
        _log("timing on SQLite …")
        rows = {"sqlite": on_sqlite(work)}
        with DATABASES["postgres"]() as (url, _):
            _log("timing on PostgreSQL …")
            rows["postgres"] = on_postgres(url, source)
    text = table(rows)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"query_alternatives-{args.households}.md"
    out.write_text(
        f"`.venv/bin/python -m bench.query_alternatives "
        f"{' '.join(sys.argv[1:] if argv is None else argv)}`\n\n{text}\n"
    )
    _log(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
