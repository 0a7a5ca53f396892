"""``ledger witness`` as an audit office runs it: the commands, and ``serve`` as a child
process on a free loopback port that a test may kill."""

import os
import subprocess
from pathlib import Path

import httpx

from tests.e2e.servers import LEDGER, ChildServer

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


class WitnessProcess(ChildServer):
    def __init__(self, state: Path, key: Path, log_file: Path, name: str = WITNESS_NAME) -> None:
        super().__init__(log_file)
        self.state, self.key, self.name = state, key, name

    def start(self, ready_within: float = 30) -> "WitnessProcess":
        self.spawn()
        return self.wait_listening(ready_within)

    def spawn(self) -> None:
        self.run(
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
            _without_ledger_settings(),
            cwd=self.state.parent,
        )

    def wait_listening(self, ready_within: float = 30) -> "WitnessProcess":
        self.wait_answering("/", ready_within, any_answer=True)  # any answer: it listens
        return self

    def add_checkpoint(self, body: bytes) -> httpx.Response:
        return httpx.post(f"{self.base}/add-checkpoint", content=body, timeout=30)
