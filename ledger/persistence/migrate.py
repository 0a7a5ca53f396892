"""The versioned SQL in ``migrations/``, which each backend applies its own way."""

from importlib.resources import files


def migration_scripts(kind: str) -> list[tuple[str, str]]:
    """``(version, sql)`` for ``migrations/<kind>/NNNN_name.sql``, in version order."""
    folder = files("migrations").joinpath(kind)
    scripts = [
        (entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(scripts)


V2_MIGRATION = "0011_personal_data"
"""The migration from which events are hashed by contract v2 (§7.3): a database that
reaches it holding events was hashed by v1."""


class MigrationRefused(Exception):
    """The database cannot be migrated; the message says why and what to do."""


def refuse_v1_events(version: str, has_events: bool) -> None:
    if version == V2_MIGRATION and has_events:
        raise MigrationRefused(
            "this database holds events hashed by contract v1 (names, ID numbers and birth "
            "dates in clear in the hashed events); contract v2 hashes salted commitments "
            "instead and keeps the values apart, and the two cannot share a hash chain. "
            "No ledger runs in production on v1: start a v2 ledger on an empty database "
            "and import the households' records into it."
        )
