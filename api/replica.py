"""Reads served from a PostgreSQL hot standby (``LEDGER_READ_DATABASE_URL``).

A GET reads on the standby once the standby has replayed the primary's log up to where it
was flushed when the request came — so it sees every write acknowledged before it, the
caller's own included — else, when the standby is down, not a standby, or further behind
than ``CATCH_UP_BOUND_S``, on the primary. Every write goes to the primary. Why: see
docs/decisions.md, "Read replica".
"""

import time
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from eventsourcing.persistence import InterfaceError, InternalError, OperationalError
from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import ProblemBody, problem
from bootstrap.settings import Settings
from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.persistence.replication import WalPositions, standby_env
from ledger.transparency.log import TransparencyLog
from ledger.transparency.standby import StandbyTransparencyLog
from projections import open_views
from projections.runner import ProjectionRunner

CATCH_UP_BOUND_S = 0.5
"""How long a read waits for the standby to replay the primary's position; then the
primary answers it."""
RECHECK_AFTER_S = 2.0
"""After the standby was found down or behind, reads go to the primary this long before
the standby is tried again (so they do not each wait for it)."""
READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction: what a standby answers a write

log = structlog.get_logger("ledger.replica")


@dataclass(frozen=True)
class ReadSource:
    """One database's ledger, read models and transparency log: where a request reads."""

    name: Literal["primary", "standby"]
    ledger: HouseholdLedger
    projections: ProjectionRunner
    transparency: TransparencyLog


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
    def __init__(self, database: Database, primary: ReadSource, settings: Settings) -> None:
        ledger = HouseholdLedger(standby_env(database, pool_size=settings.pool_size))
        datastore: Any = ledger.recorder.datastore  # type: ignore[attr-defined]
        # Its pool gives up reconnecting to a stopped standby after a second (not the
        # recorder's five), so the first read after the standby is back connects at once
        # rather than after a back-off.
        datastore.pool.reconnect_timeout = 1.0
        self.primary_positions = WalPositions(primary.ledger.recorder.datastore.transaction, "%s")  # type: ignore[attr-defined]
        self.positions = WalPositions(datastore.transaction, "%s")
        self.source = ReadSource(
            "standby",
            ledger,
            ProjectionRunner(ledger, open_views(ledger), primary.projections.configuration),
            StandbyTransparencyLog(ledger, primary.transparency, self.replay),
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


def read_source(request: Request) -> ReadSource:
    """Where this request reads: a GET on a caught-up standby, anything else on the
    primary. The choice is named in the ``Ledger-Read-From`` response header."""
    primary: ReadSource = request.app.state.primary
    standby: Standby | None = request.app.state.standby
    if standby is None:
        return primary
    reading = request.method in ("GET", "HEAD")
    source = standby.source if reading and standby.caught_up() else primary
    request.state.read_from = source.name
    return source


class ReadFromHeader:
    """Adds ``Ledger-Read-From: standby|primary`` to responses whose reads were routed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_source(message: Message) -> None:
            source = scope.get("state", {}).get("read_from")
            if message["type"] == "http.response.start" and source:
                message["headers"] = [
                    *message.get("headers", []),
                    (b"ledger-read-from", source.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_source)


def install(app: FastAPI) -> None:
    """A write refused as read-only (the primary URL names a standby, or a write strayed
    to the standby) is a 503 that says so, not a 500."""
    app.add_middleware(ReadFromHeader)

    @app.exception_handler(InternalError)
    def read_only(request: Request, error: InternalError) -> Any:
        if getattr(error.__cause__, "sqlstate", None) != READ_ONLY_SQLSTATE:
            return app.exception_handlers[Exception](request, error)
        log.error("write_refused_read_only", path=request.url.path, error=str(error))
        body: ProblemBody = problem(
            503,
            "SERVICE_UNAVAILABLE",
            "the database refused a write as read-only: "
            "LEDGER_DATABASE_URL must name the primary, not a hot standby",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )
        return body
