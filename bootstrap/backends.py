"""The one place a database kind picks its code: the ledger's persistence (recorder, side
stores, migrations: ``ledger/persistence/<kind>.py``) and its read models
(``projections/<kind>.py``), in the spirit of the library's ``InfrastructureFactory``."""

from dataclasses import dataclass

from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.persistence.ports import Kind, PersistenceBackend
from ledger.persistence.postgres import POSTGRES
from ledger.persistence.sqlite import SQLITE
from projections import ProjectionsBackend
from projections.postgres import POSTGRES_PROJECTIONS
from projections.sqlite import SQLITE_PROJECTIONS
from projections.views import ViewTables


@dataclass(frozen=True)
class Backend:
    persistence: PersistenceBackend
    projections: ProjectionsBackend


BACKENDS: dict[Kind, Backend] = {
    "sqlite": Backend(SQLITE, SQLITE_PROJECTIONS),
    "postgres": Backend(POSTGRES, POSTGRES_PROJECTIONS),
}


def migrate(database: Database) -> list[str]:
    """Brings the database up to ``migrations/``; returns the versions applied now."""
    return BACKENDS[database.kind].persistence.migrate(database)


def ledger_env(
    database: Database, *, pool_size: int = 10, lock_timeout_s: int = 5
) -> dict[str, str]:
    """The library's environment for a ledger on ``database``."""
    return BACKENDS[database.kind].persistence.env(
        database, pool_size=pool_size, lock_timeout_s=lock_timeout_s
    )


def open_ledger(
    database: Database,
    *,
    pool_size: int = 10,
    lock_timeout_s: int = 5,
) -> HouseholdLedger:
    """A ledger on ``database`` (migrated already); the caller closes it."""
    env = ledger_env(database, pool_size=pool_size, lock_timeout_s=lock_timeout_s)
    return HouseholdLedger(env)


def open_views(ledger: HouseholdLedger) -> ViewTables:
    """The read models in the ledger's own database, sharing its connection pool."""
    return BACKENDS[ledger.stores.kind].projections.views(ledger)
