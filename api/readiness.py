"""Readiness answered within a bound whatever the database does: while it is away, a
pool connection is awaited for up to POSTGRES_CONNECT_TIMEOUT (5 s), and an orchestrator's
probe (often with a 1 s timeout) would count that as a hung process, not an unready one.

One check runs at a time, in its own thread; a probe waits for it at most ``BOUND_S`` and
then says the database did not answer. Probes arriving while a check is still running
wait for that same check, so a database away never piles up threads.
"""

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Protocol

from ledger.application import HouseholdLedger
from projections.runner import ProjectionRunner

BOUND_S = 0.8
"""How long ``/readyz`` waits for the database before answering 503."""


@dataclass(frozen=True)
class Positions:
    """What the database said: the log's head, and how many households are parked."""

    head: int
    parked: int


class DatabaseTimedOut(Exception):
    """The database did not answer within the bound."""


class ReadinessCheck:
    def __init__(self, ledger: HouseholdLedger, runner: ProjectionRunner) -> None:
        self.ledger, self.runner = ledger, runner
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="readiness")
        self._lock = threading.Lock()
        self._running: Future[Positions] | None = None

    def check(self, within: float = BOUND_S) -> Positions:
        """The database's answer; raises what it raised, or ``DatabaseTimedOut``."""
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(self._ask)
            running = self._running
        try:
            return running.result(timeout=within)
        except FutureTimeout:
            raise DatabaseTimedOut(f"no answer within {within} s") from None

    def _ask(self) -> Positions:
        self.ledger.ping()
        return Positions(
            self.ledger.recorder.max_notification_id() or 0, self.runner.views.parked_count()
        )

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


_created = threading.Lock()


class HoldsReadiness(Protocol):
    readiness: "ReadinessCheck | None"


def readiness_of(
    state: HoldsReadiness, ledger: HouseholdLedger, runner: ProjectionRunner
) -> ReadinessCheck:
    """The app's check, made on first use (one per app)."""
    with _created:
        check = state.readiness
        if check is None or check.ledger is not ledger:
            check = ReadinessCheck(ledger, runner)
            state.readiness = check
        return check
