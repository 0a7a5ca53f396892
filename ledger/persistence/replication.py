"""PostgreSQL streaming replication: the library's infrastructure for reading a hot standby,
and the positions in the write-ahead log that a read there waits for so that it is not
older than the primary (see docs/decisions.md, "Read replica")."""

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import Environment, EnvType

from ledger.persistence.database import Database
from ledger.persistence.postgres import POSTGRES, LedgerPostgresFactory
from ledger.persistence.tables import SQLTables

STANDBY_RECONNECT_TIMEOUT_S = 1.0


def standby_env(database: Database, *, pool_size: int) -> dict[str, str]:
    """The library's environment for a ledger that reads ``database``, a hot standby."""
    return {
        **POSTGRES.env(database, pool_size=pool_size, lock_timeout_s=5),
        "PERSISTENCE_MODULE": f"{__name__}:{StandbyFactory.__qualname__}",
        # A connection waits at most a second for the pool: a stopped standby costs a
        # read one second, not five, before it turns to the primary.
        "POSTGRES_CONNECT_TIMEOUT": "1",
    }


def wal_positions(recorder: ApplicationRecorder) -> "WalPositions":
    """The log positions of the PostgreSQL database ``recorder`` writes to."""
    if not isinstance(recorder, PostgresApplicationRecorder):
        raise TypeError("only a PostgreSQL ledger has a write-ahead log to follow")
    return WalPositions(recorder.datastore.transaction, "%s")


class StandbyFactory(LedgerPostgresFactory):
    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        pool = self.datastore.pool  # not opened yet: every connection it makes gets this
        # Whatever the server is (a standby refuses writes; a promoted one would not), no
        # session may write: a stray write fails instead of forking the history.
        kwargs: dict[str, Any] = pool.kwargs if isinstance(pool.kwargs, dict) else {}
        pool.kwargs = {**kwargs, "options": "-c default_transaction_read_only=on"}
        # The stored-event type is registered for inserts, which never happen here; not
        # registering it, building the recorders does not connect, so a standby that is
        # down at start-up does not stop the service from starting.
        self.datastore.register_type_adapters = lambda: None  # type: ignore[method-assign]  # see above

    def application_recorder(self) -> ApplicationRecorder:
        recorder = super().application_recorder()
        # Its pool gives up reconnecting to a stopped standby after a second (not the
        # primary's five), so the first read after the standby is back connects at once
        # rather than after a back-off.
        self.datastore.pool.reconnect_timeout = STANDBY_RECONNECT_TIMEOUT_S
        return recorder


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
