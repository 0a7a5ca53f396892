"""Bulk import (``ledger import``, CONTRACT §6): NDJSON lines ``{"household_id": …,
"events": [...], "expected_version": N?}``, one household's append a line.

A line is validated as ``POST /v1/households/{id}/events`` validates its body, and
appended all or nothing under an idempotency key derived from its content (``import:``
and the digest an ``Idempotency-Key`` binds): a second run, or one resumed after a crash
or Ctrl-C, appends nothing twice and counts those lines as already imported. A line that
is not JSON, fails validation or is refused by the rules is reported with its number and
the problem's code; the other lines go on. Lines are appended in chunks that share a
transaction (``HouseholdLedger.append_many``), so the write lock is taken per chunk
rather than per household.
"""

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import orjson
from pydantic import ValidationError

from api.errors import field_path
from ledger.application import Appended, AppendRequest, HouseholdLedger, Idempotency
from ledger.domain.callers import Caller
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN, AppendBatch, request_digest
from ledger.domain.errors import LedgerError

CHUNK_LINES = 200
"""Lines appended together (a few hundred: one lock cycle for many households)."""
_HOUSEHOLD_ID = re.compile(HOUSEHOLD_ID_PATTERN)


@dataclass(frozen=True)
class Failure:
    """A line that was not imported, and why (the contract's error code)."""

    line: int
    code: str
    detail: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}: {self.detail}"


@dataclass(frozen=True)
class Line:
    """A valid line, ready to append."""

    number: int
    household_id: str
    batch: AppendBatch
    idempotency: Idempotency


@dataclass
class Summary:
    lines: int = 0
    imported: int = 0
    already_imported: int = 0
    events: int = 0  # appended by this run
    failures: list[Failure] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def text(self) -> str:
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        return (f"lines {self.lines:,}: imported {self.imported:,}, already imported "
                f"{self.already_imported:,}, failed {len(self.failures):,}; {self.events:,} "
                f"events in {self.seconds:,.1f} s ({rate:,.0f} events/s)")


def numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The file's non-blank lines with their numbers (from 1), read as they come."""
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield number, raw


def parse(number: int, raw: bytes) -> Line | Failure:
    """A line as the append endpoint would take it, or why it cannot be."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Failure(number, "VALIDATION_FAILED", f"not JSON ({error})")
    if not isinstance(document, dict):
        return Failure(number, "VALIDATION_FAILED",
                       'a line is an object {"household_id": …, "events": [...]}')
    household_id = document.pop("household_id", None)
    if not isinstance(household_id, str) or not _HOUSEHOLD_ID.match(household_id):
        return Failure(number, "VALIDATION_FAILED",
                       "household_id: 1–64 letters, digits or . _ : - (not first)")
    try:
        batch = AppendBatch.model_validate(document)
    except ValidationError as error:
        problems = [f"{field_path(e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
                    for e in error.errors()]
        return Failure(number, "VALIDATION_FAILED", "; ".join(problems))
    digest = request_digest(household_id, batch)
    return Line(number, household_id, batch, Idempotency(f"import:{digest}", digest))


def append_chunk(ledger: HouseholdLedger, caller: Caller,
                 lines: Sequence[Line]) -> list[Appended | LedgerError]:
    """Each line's answer, in order: appended (or replayed), or the error refusing it."""
    return ledger.append_many([
        AppendRequest(line.household_id, line.batch.events, caller,
                      line.batch.expected_version, line.idempotency) for line in lines])


def import_lines(ledger: HouseholdLedger, caller: Caller, lines: Iterable[tuple[int, bytes]],
                 summary: Summary, *, progress: Callable[[int, int], None] | None = None,
                 chunk_lines: int = CHUNK_LINES) -> None:
    """Appends every valid line, ``chunk_lines`` at a time, counting into ``summary``;
    ``progress(lines, bytes)`` follows each chunk."""
    chunk: list[Line] = []
    read = [0, 0]  # lines and bytes since the last progress report

    def flush() -> None:
        for line, answer in zip(chunk, append_chunk(ledger, caller, chunk), strict=True):
            if isinstance(answer, LedgerError):
                summary.failures.append(Failure(line.number, answer.code, answer.detail))
            elif answer.replayed:
                summary.already_imported += 1
            else:
                summary.imported += 1
                summary.events += len(line.batch.events)
        chunk.clear()
        if progress:
            progress(*read)
        read[:] = [0, 0]

    for number, raw in lines:
        summary.lines += 1
        read[0], read[1] = read[0] + 1, read[1] + len(raw)
        parsed = parse(number, raw)
        if isinstance(parsed, Failure):
            summary.failures.append(parsed)
        else:
            chunk.append(parsed)
        if len(chunk) >= chunk_lines:
            flush()
    flush()
