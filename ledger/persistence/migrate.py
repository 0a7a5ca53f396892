"""``ledger migrate``: bring the database up to the versioned SQL in ``migrations/``."""

from importlib.resources import files

from ledger.persistence.database import Database


def migration_scripts(kind: str) -> list[tuple[str, str]]:
    """``(version, sql)`` for ``migrations/<kind>/NNNN_name.sql``, in version order."""
    folder = files("migrations").joinpath(kind)
    scripts = [
        (entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(scripts)


def migrate(database: Database) -> list[str]:
    """Applies what is missing; returns the versions applied now (none when up to date)."""
    if database.kind == "sqlite":
        from ledger.persistence import sqlite

        return sqlite.apply_migrations(database.path, migration_scripts("sqlite"))
    from ledger.persistence import postgres

    return postgres.apply_migrations(database, migration_scripts("postgres"))
