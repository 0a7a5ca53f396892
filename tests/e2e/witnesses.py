"""``ledger witness`` as an audit office runs it: the commands, and ``serve`` as a child
process on a free loopback port that a test may kill."""

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Any

import httpx

from tests.e2e.servers import LEDGER, free_port

WITNESS_NAME = "audit.lincang.example/witness"


def _without_ledger_settings() -> dict[str, str]:
    """The environment with no ``LEDGER_*`` setting: no database, no key, no token."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}


def witness_command(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ledger witness ARGS`` run in ``cwd`` with nothing of the ledger configured."""
    return subprocess.run(
        [LEDGER, "witness", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_without_ledger_settings(),
        cwd=cwd,
        check=False,
    )


class WitnessProcess:
    def __init__(self, state: Path, key: Path, log_file: Path, name: str = WITNESS_NAME) -> None:
        self.state, self.key, self.name, self.log_file = state, key, name, log_file
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[Any] | None = None

    def start(self, ready_within: float = 30) -> "WitnessProcess":
        self.spawn()
        return self.wait_listening(ready_within)

    def spawn(self) -> None:
        """Starts the process without waiting (several start at once: each takes seconds
        to import)."""
        self._log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [
                LEDGER,
                "witness",
                "serve",
                "--name",
                self.name,
                "--state",
                str(self.state),
                "--key",
                str(self.key),
                "--port",
                str(self.port),
            ],
            env=_without_ledger_settings(),
            cwd=self.state.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_listening(self, ready_within: float = 30) -> "WitnessProcess":
        assert self.process is not None
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ledger witness serve exited: {self.output()}")
            try:
                httpx.get(f"{self.base}/", timeout=5)  # any answer: it listens
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.base} did not answer within {ready_within} s")

    def add_checkpoint(self, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.base}/add-checkpoint", content=body, timeout=30)

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush."""
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
