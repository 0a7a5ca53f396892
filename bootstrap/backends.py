"""The one place a database kind picks its code: the ledger's persistence (recorder, side
stores, migrations: ``ledger/persistence/<kind>.py``) and its read models
(``projections/<kind>.py``), in the spirit of the library's ``InfrastructureFactory``."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.persistence.ports import Kind, PersistenceBackend, PersonalDataStore
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
    personal_key: bytes | Callable[[PersonalDataStore], bytes] | None = None,
) -> HouseholdLedger:
    """A ledger on ``database`` (migrated already); the caller closes it. Without a
    ``personal_key`` (benchmarks, tests) personal values are sealed with a key that lives
    as long as this process: the service passes the key of ``LEDGER_PERSONAL_DATA_KEY``."""
    env = ledger_env(database, pool_size=pool_size, lock_timeout_s=lock_timeout_s)
    return HouseholdLedger(env, personal_key=personal_key or _process_key())


@cache
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def open_views(ledger: HouseholdLedger) -> ViewTables:
    """The read models in the ledger's own database, sharing its connection pool."""
    return BACKENDS[ledger.stores.kind].projections.views(ledger)
