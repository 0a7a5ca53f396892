"""Real HTTP servers for the fault tests: the app served by uvicorn in a thread of the test
process, or ``ledger serve`` as a child process that a test may kill."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from bootstrap import migrate, open_ledger
from bootstrap.settings import Settings
from ledger.application import HouseholdLedger
from ledger.persistence.database import Database
from ledger.personal.key import load_or_create_personal_key
from ledger.tokens import create_token

LEDGER = str(Path(sys.executable).with_name("ledger"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base} was not ready within {timeout} s")


def seeding_ledger(database: Database, settings: Settings, pool_size: int = 1) -> HouseholdLedger:
    """The ledger a test writes through before a server of ``settings`` runs: its personal
    values sealed with the key that server will open them with (CONTRACT §7.3)."""
    return open_ledger(
        database,
        pool_size=pool_size,
        personal_key=load_or_create_personal_key(settings.personal_data_key),
    )


def recorder_token(database: Database, division: str = "53") -> str:
    """A recorder's bearer token, written to the (migrated) database before any server runs."""
    migrate(database)
    ledger = open_ledger(database, pool_size=1)
    try:
        return create_token(ledger.tables, role="recorder", division=division)
    finally:
        ledger.close()


@contextmanager
def served_in_thread(settings: Settings) -> Iterator[tuple[str, FastAPI]]:
    """The app on a free port, served by uvicorn in a thread; yields its base URL and the
    app (whose ``state`` holds the ledger)."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=5,
            log_config=None,
        )
    )  # as ledger serve: logs redacted
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "uvicorn did not stop within 30 s"


class ChildServer:
    """A server run as a child process (``ledger serve``, ``ledger witness serve``) on a
    free loopback port, kept across restarts, with its output in ``log_file``."""

    def __init__(self, log_file: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[Any] | None = None

    def run(self, args: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        """Starts the process without waiting (several start at once: each takes seconds
        to import)."""
        self._log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            args, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_answering(self, probe: str, within: float, *, any_answer: bool = False) -> None:
        """Until ``probe`` answers 200 (``any_answer``: anything); a process that exits
        meanwhile fails at once with its output."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.base} exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.base}{probe}", timeout=5).status_code == 200 or any_answer:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.base}{probe} did not answer within {within} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        return self.log_file.read_text(errors="replace")


class LedgerProcess(ChildServer):
    """``ledger serve`` as an operator runs it, with its output in ``log_file``."""

    def __init__(self, database_url: str, log_file: Path, **env: str) -> None:
        super().__init__(log_file)
        self.env = {**os.environ, "LEDGER_DATABASE_URL": database_url, **env}

    def start(self, ready_within: float = 60, *, ready: bool = True) -> None:
        """Starts ``ledger serve`` and waits until it is ready (``ready=False``: only up,
        for a service expected to say it is not ready)."""
        self.run([LEDGER, "serve", "--port", str(self.port)], self.env)
        self.wait_answering("/readyz" if ready else "/healthz", ready_within)
