"""The schema comes from migrations/, applied once however often or concurrently asked."""

from concurrent.futures import ThreadPoolExecutor

from bootstrap import migrate, open_ledger
from ledger.persistence.database import Database
from ledger.persistence.migrate import migration_scripts


def test_migrate_applies_everything_once_and_then_nothing(empty_database: Database) -> None:
    versions = [
        version
        for version, _ in migration_scripts(
            "sqlite" if empty_database.kind == "sqlite" else "postgres"
        )
    ]
    assert migrate(empty_database) == versions
    assert migrate(empty_database) == []


def test_concurrent_migrations_apply_each_version_once(empty_database: Database) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: migrate(empty_database), range(4)))
    applied = [version for result in results for version in result]
    assert sorted(applied) == sorted(set(applied))
    assert applied


def test_the_ledger_runs_on_the_migrated_schema_alone(database: Database) -> None:
    # CREATE_TABLE=n: the library creates nothing; a save needs what migrations made.
    ledger = open_ledger(database, pool_size=2)
    try:
        assert ledger.recorder.max_notification_id() in (None, 0)
        ledger.ping()
    finally:
        ledger.close()


def test_both_backends_have_the_same_migration_versions() -> None:
    assert [v for v, _ in migration_scripts("sqlite")] == [
        v for v, _ in migration_scripts("postgres")
    ]
