"""The witness's memory: per log, its trusted key and the latest checkpoint cosigned for
it, in one JSON file replaced atomically.

tlog-witness asks that checking a submission's old size and recording the new checkpoint
be one atomic step (else two requests can roll the size back). ``StateFile.locked`` holds
a lock in this process and an exclusive ``flock`` on ``<state>.lock`` beside it, so a
second ``ledger witness serve`` or an ``add-log`` on the same file waits its turn; the
state is read afresh under the lock and written (temp file, fsync, rename, fsync of the
directory) before the lock is let go.
"""

import base64
import binascii
import fcntl
import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT = "ledger-witness-state/1"


class StateFileError(Exception):
    """The state file cannot be used: unreadable, not this format, or open to others."""


@dataclass(frozen=True)
class Cosigned:
    """The latest checkpoint the witness cosigned for a log."""

    note: str  # the signed note as the log submitted it, verbatim
    size: int
    root: bytes
    cosignature: str  # the signature line the witness answered with
    timestamp: int  # its POSIX time: the next one is never earlier


@dataclass(frozen=True)
class LogRecord:
    vkey: str  # the log's verifier key, type 0x01, named by its origin
    latest: Cosigned | None = None


@dataclass(frozen=True)
class WitnessState:
    logs: dict[str, LogRecord] = field(default_factory=dict)  # by origin

    def with_log(self, origin: str, record: LogRecord) -> "WitnessState":
        return replace(self, logs={**self.logs, origin: record})

    def to_json(self) -> str:
        logs = {
            origin: {"vkey": record.vkey, "latest": _cosigned_json(record.latest)}
            for origin, record in sorted(self.logs.items())
        }
        return json.dumps({"format": FORMAT, "logs": logs}, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "WitnessState":
        try:
            document = json.loads(text)
            if document.get("format") != FORMAT:
                raise StateFileError(f"not a witness state ({FORMAT})")
            return cls(
                {
                    str(origin): LogRecord(str(entry["vkey"]), _cosigned(entry["latest"]))
                    for origin, entry in document["logs"].items()
                }
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise StateFileError(f"not a witness state: {error!r}") from None


def _cosigned_json(cosigned: Cosigned | None) -> dict[str, Any] | None:
    if cosigned is None:
        return None
    return {
        "size": cosigned.size,
        "root": base64.b64encode(cosigned.root).decode(),
        "timestamp": cosigned.timestamp,
        "note": cosigned.note,
        "cosignature": cosigned.cosignature,
    }


def _cosigned(entry: dict[str, Any] | None) -> Cosigned | None:
    if entry is None:
        return None
    return Cosigned(
        note=str(entry["note"]),
        size=int(entry["size"]),
        root=base64.b64decode(entry["root"], validate=True),
        cosignature=str(entry["cosignature"]),
        timestamp=int(entry["timestamp"]),
    )


_process_locks: dict[Path, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


class StateFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).absolute()
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @contextmanager
    def locked(self) -> Iterator[WitnessState]:
        """The current state, with every other reader and writer of this file held off
        until the block ends (``write`` inside it to change the state)."""
        with _process_lock(self.path):
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as error:
                raise StateFileError(f"cannot open {self.lock_path}: {error.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes, even on a crash
                yield self.read()
            finally:
                os.close(fd)

    def read(self) -> WitnessState:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return WitnessState()
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise StateFileError(
                f"witness state {self.path} may be written by other users "
                f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {self.path}"
            )
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise StateFileError(f"cannot read witness state {self.path}: {error}") from None
        return WitnessState.from_json(text)

    def write(self, state: WitnessState) -> None:
        """Replaces the file whole: a crash leaves the old state or the new one, never a
        mix, and the new one is on disk when this returns."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(state.to_json())
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
