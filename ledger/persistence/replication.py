"""PostgreSQL streaming replication: the library's infrastructure for reading a hot standby,
and the positions in the write-ahead log that a read there waits for so that it is not
older than the primary (see docs/decisions.md, "Read replica")."""

from dataclasses import dataclass
from typing import Any

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType

from ledger.persistence.database import Database
from ledger.persistence.tables import SQLTables


def standby_env(database: Database, *, pool_size: int) -> dict[str, str]:
    """The library's environment for a ledger that reads ``database``, a hot standby."""
    return {
        **database.eventsourcing_env(pool_size=pool_size),
        "PERSISTENCE_MODULE": f"{__name__}:StandbyFactory",
        # A connection waits at most a second for the pool: a stopped standby costs a
        # read one second, not five, before it turns to the primary.
        "POSTGRES_CONNECT_TIMEOUT": "1",
    }


class StandbyFactory(PostgresFactory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        pool = self.datastore.pool  # not opened yet: every connection it makes gets this
        # Whatever the server is (a standby refuses writes; a promoted one would not), no
        # session may write: a stray write fails instead of forking the history.
        kwargs: dict[str, Any] = dict(pool.kwargs or {})  # type: ignore[arg-type]  # a dict here
        pool.kwargs = {**kwargs, "options": "-c default_transaction_read_only=on"}
        # The stored-event type is registered for inserts, which never happen here; not
        # registering it, building the recorders does not connect, so a standby that is
        # down at start-up does not stop the service from starting.
        self.datastore.register_type_adapters = lambda: None  # type: ignore[method-assign]  # see above


@dataclass(frozen=True)
class Replay:
    """How far a standby has replayed the primary's log."""

    in_recovery: bool  # False: not (or no longer) a standby, e.g. promoted
    replayed: str | None  # its last replayed position, e.g. "0/3016060"
    behind_bytes: int | None  # of log between that and the position asked about


class WalPositions(SQLTables):
    def flushed(self) -> str:
        """The primary's position of durable log: every commit acknowledged so far ends at
        or before it (a commit is flushed before it is acknowledged)."""
        row = next(self._rows("SELECT pg_current_wal_flush_lsn()::text AS lsn"))
        return str(row["lsn"])

    def replay(self, target: str) -> Replay:
        """On the standby: how far it has replayed, and how far that is behind ``target``."""
        row = next(
            self._rows(
                "SELECT pg_is_in_recovery() AS in_recovery, "
                "pg_last_wal_replay_lsn()::text AS replayed, "
                "pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn()) AS behind",
                (target,),
            )
        )
        behind = row["behind"]
        return Replay(
            bool(row["in_recovery"]), row["replayed"], None if behind is None else int(behind)
        )
