"""Private PostgreSQL clusters for the tests that stop servers or replicate between them:
each in a temporary directory, on its own port and socket, never the shared server."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.e2e.servers import free_port


def postgres_bin() -> Path | None:
    candidates = [Path("/usr/lib/postgresql/15/bin")]
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        candidates.insert(0, Path(found))
    return next((c for c in candidates if (c / "initdb").exists()), None)


def require_postgres_bin(what: str) -> Path:
    """The server binaries; without them the test skips loudly, or fails under CI=true."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl) to run a private cluster"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(f"SKIPPING {what} — {reason}")
    return bin_dir


class PrivateCluster:
    """A PostgreSQL cluster in a temporary directory, on its own port and socket; run as
    the ``postgres`` OS user when the tests run as root (initdb refuses root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=60)

    def init(self, settings: str = "") -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        )
        self._configure(f"max_connections = 40\nshared_buffers = 16MB\nfsync = off\n{settings}")

    def init_standby_of(self, primary: "PrivateCluster") -> None:
        """A hot standby streaming from ``primary``: its base backup, with the connection
        to the primary and ``standby.signal`` written by ``pg_basebackup -R``."""
        self._run(
            str(self.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        self._configure("hot_standby = on\n")  # the default, said out loud

    def _configure(self, settings: str) -> None:
        # Appended last, these override what the file (or a primary's copy of it) says.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\n{settings}"
            )

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "start",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "30",
            "-l",
            str(self.dir / "server.log"),
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "30"
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def wait_streaming(self, within: float = 20) -> None:
        """Returns once a standby streams from this primary (``pg_stat_replication``)."""
        deadline = time.monotonic() + within
        with psycopg.connect(self.url(), autocommit=True) as connection:
            while time.monotonic() < deadline:
                if connection.execute(
                    "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'"
                ).fetchone():
                    return
                time.sleep(0.05)
        raise TimeoutError(f"no standby streams from port {self.port} within {within} s")

    def wait_replayed(self, primary: "PrivateCluster", within: float = 20) -> None:
        """Returns once this standby has replayed what ``primary`` has flushed now."""
        with psycopg.connect(primary.url(), autocommit=True) as connection:
            row = connection.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()
        deadline = time.monotonic() + within
        with psycopg.connect(self.url(), autocommit=True) as connection:
            while time.monotonic() < deadline:
                replayed = connection.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0] if row else None,)
                ).fetchone()
                if replayed and replayed[0]:
                    return
                time.sleep(0.02)
        raise TimeoutError(f"the standby on port {self.port} is behind after {within} s")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self.as_user,
                    str(self.bin / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                ],
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
