"""Reads served from a PostgreSQL hot standby (``LEDGER_READ_DATABASE_URL``): where a read
may go, and whether the standby has replayed the primary's log far enough for it.

A read goes to the standby once the standby has replayed the primary's log up to where
it was flushed when the read came — so it sees every write acknowledged before it —
else, when the standby is down, not a standby, or further behind than
``CATCH_UP_BOUND_S``, to the primary. Why: see docs/decisions.md, "Read replica".
"""

import time
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from eventsourcing.persistence import InterfaceError, OperationalError

from bootstrap.backends import open_views
from bootstrap.settings import Settings
from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.persistence.replication import standby_env, wal_positions
from ledger.reading import HouseholdReads
from ledger.transparency.log import TransparencyLog
from ledger.transparency.standby import StandbyTransparencyLog
from projections.runner import ProjectionRunner

CATCH_UP_BOUND_S = 0.5
"""How long a read waits for the standby to replay the primary's position; then the
primary answers it."""
RECHECK_AFTER_S = 2.0
"""After the standby was found down or behind, reads go to the primary this long before
the standby is tried again (so they do not each wait for it)."""

log = structlog.get_logger("ledger.replica")


@dataclass(frozen=True)
class ReadSource:
    """One database's ledger, read models and transparency log: where a request reads."""

    name: Literal["primary", "standby"]
    ledger: HouseholdLedger
    projections: ProjectionRunner
    transparency: TransparencyLog
    reads: HouseholdReads  # its kept states are shared by every read of this database


class StandbyUnusable(OperationalError):
    """The standby cannot answer for the primary now (down, not a standby, or behind)."""


def read_database(settings: Settings) -> Database | None:
    """The standby's database from the settings, refused where it cannot work."""
    if not settings.read_database_url:
        return None
    if Database.from_url(settings.database_url).kind != "postgres":
        raise ValueError(
            "LEDGER_READ_DATABASE_URL needs a PostgreSQL LEDGER_DATABASE_URL: "
            "an SQLite ledger has no replicas (unset LEDGER_READ_DATABASE_URL)"
        )
    standby = Database.from_url(settings.read_database_url)
    if standby.kind != "postgres":
        raise ValueError(
            "LEDGER_READ_DATABASE_URL must be a postgresql:// URL of a hot standby of the primary"
        )
    return standby


class Standby:
    def __init__(self, database: Database, primary: ReadSource, *, pool_size: int) -> None:
        ledger = HouseholdLedger(
            standby_env(database, pool_size=pool_size),
            personal_key=primary.ledger.personal.key,
        )
        self.primary_positions = wal_positions(primary.ledger.recorder)
        self.positions = wal_positions(ledger.recorder)
        self.source = ReadSource(
            "standby",
            ledger,
            ProjectionRunner(ledger, open_views(ledger), primary.projections.configuration),
            StandbyTransparencyLog(ledger, primary.transparency, self.replay),
            HouseholdReads(ledger),
        )
        self._skip_until = 0.0
        self._skipped_because = ""

    def close(self) -> None:
        self.source.ledger.close()

    def replay(self, within: float = CATCH_UP_BOUND_S) -> None:
        """Returns once the standby has replayed what the primary has flushed now; raises
        ``StandbyUnusable`` if it cannot within ``within`` seconds."""
        target = self.primary_positions.flushed()
        deadline, pause = time.monotonic() + within, 0.001
        while True:
            try:
                replay = self.positions.replay(target)
            except (OperationalError, InterfaceError) as error:
                raise StandbyUnusable(f"the standby does not answer: {error}") from error
            if not replay.in_recovery:
                raise StandbyUnusable("the read database is not a hot standby (promoted?)")
            if replay.behind_bytes is not None and replay.behind_bytes <= 0:
                return
            if time.monotonic() + pause > deadline:
                raise StandbyUnusable(
                    f"the standby is {replay.behind_bytes} bytes of log "
                    f"behind the primary after {within} s"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def caught_up(self) -> bool:
        """Whether a read may go to the standby now (waiting for it to replay at most
        ``CATCH_UP_BOUND_S``); when it may not, reads skip it for ``RECHECK_AFTER_S``."""
        if time.monotonic() < self._skip_until:
            return False
        try:
            self.replay()
        except StandbyUnusable as why:
            self._skip_until = time.monotonic() + RECHECK_AFTER_S
            self._skipped_because = str(why)
            log.warning("standby_skipped", reason=str(why), for_s=RECHECK_AFTER_S)
            return False
        except (OperationalError, InterfaceError):
            return False  # the primary is away: reading there answers 503, as ever
        return True

    def status(self) -> dict[str, Any]:
        """For ``/readyz``: whether reads go to the standby, and how far behind it is."""
        if time.monotonic() < self._skip_until:
            return {"reads": "primary", "detail": self._skipped_because}
        try:
            replay = self.positions.replay(self.primary_positions.flushed())
        except (OperationalError, InterfaceError) as error:
            return {"reads": "primary", "detail": f"the standby does not answer: {error}"}
        if not replay.in_recovery:
            return {"reads": "primary", "detail": "the read database is not a hot standby"}
        return {
            "reads": "standby",
            "replayed": replay.replayed,
            "behind_bytes": replay.behind_bytes,
        }
