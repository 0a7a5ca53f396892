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

``import_items`` does the same for appends read from elsewhere (the xlsx roster,
``api.roster``): each item is a keyed ``Line`` or the failures refusing it whole.
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
    """A line that was not imported, and why (the contract's error code); ``where`` names
    the place when it is not a line (``家庭成员!row 7 (id_number 身份证号码)``)."""

    line: int
    code: str
    detail: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where or f'line {self.line}'}: {self.code}: {self.detail}"


@dataclass(frozen=True)
class Line:
    """A valid line, ready to append."""

    number: int
    household_id: str
    batch: AppendBatch
    idempotency: Idempotency
    where: str = ""  # as in Failure


def keyed(number: int, household_id: str, batch: AppendBatch, where: str = "") -> Line:
    """An append under the key its content fixes: ``import:`` and its request digest."""
    digest = request_digest(household_id, batch)
    return Line(number, household_id, batch, Idempotency(f"import:{digest}", digest), where)


@dataclass
class Summary:
    lines: int = 0  # or households: see ``unit``
    imported: int = 0
    already_imported: int = 0
    failed: int = 0
    events: int = 0  # appended by this run
    failures: list[Failure] = field(default_factory=list)  # may be several for one failed
    started: float = field(default_factory=time.perf_counter)
    unit: str = "lines"

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def text(self) -> str:
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        problems = f" ({len(self.failures):,} problems)" if len(self.failures) > self.failed else ""
        return (
            f"{self.unit} {self.lines:,}: imported {self.imported:,}, already imported "
            f"{self.already_imported:,}, failed {self.failed:,}{problems}; {self.events:,} "
            f"events in {self.seconds:,.1f} s ({rate:,.0f} events/s)"
        )


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
        return Failure(
            number, "VALIDATION_FAILED", 'a line is an object {"household_id": …, "events": [...]}'
        )
    household_id = document.pop("household_id", None)
    if not isinstance(household_id, str) or not _HOUSEHOLD_ID.fullmatch(household_id):
        return Failure(
            number, "VALIDATION_FAILED", "household_id: 1–64 letters, digits or . _ : - (not first)"
        )
    try:
        batch = AppendBatch.model_validate(document)
    except ValidationError as error:
        problems = [
            f"{field_path(e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in error.errors()
        ]
        return Failure(number, "VALIDATION_FAILED", "; ".join(problems))
    return keyed(number, household_id, batch)


def append_chunk(
    ledger: HouseholdLedger, caller: Caller, lines: Sequence[Line]
) -> list[Appended | LedgerError]:
    """Each line's answer, in order: appended (or replayed), or the error refusing it."""
    return ledger.append_many(
        [
            AppendRequest(
                line.household_id,
                line.batch.events,
                caller,
                line.batch.expected_version,
                line.idempotency,
            )
            for line in lines
        ]
    )


def import_lines(
    ledger: HouseholdLedger,
    caller: Caller,
    lines: Iterable[tuple[int, bytes]],
    summary: Summary,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> None:
    """Appends every valid line, ``chunk_lines`` at a time, counting into ``summary``;
    ``progress(lines, bytes)`` follows each chunk."""
    import_items(
        ledger,
        caller,
        ((parse(number, raw), len(raw)) for number, raw in lines),
        summary,
        progress=progress,
        chunk_lines=chunk_lines,
    )


Item = Line | Failure | Sequence[Failure]
"""One append: ready, or refused whole by one failure or several."""


def import_items(
    ledger: HouseholdLedger,
    caller: Caller,
    items: Iterable[tuple[Item, int]],
    summary: Summary,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> None:
    """Appends every ready item with its size, ``chunk_lines`` at a time, counting into
    ``summary``; ``progress(items, size)`` follows each chunk."""
    chunk: list[Line] = []
    read = [0, 0]  # items and size since the last progress report

    def flush() -> None:
        for line, answer in zip(chunk, append_chunk(ledger, caller, chunk), strict=True):
            if isinstance(answer, LedgerError):
                summary.failed += 1
                summary.failures.append(
                    Failure(line.number, answer.code, answer.detail, line.where)
                )
            elif answer.replayed:
                summary.already_imported += 1
            else:
                summary.imported += 1
                summary.events += len(line.batch.events)
        chunk.clear()
        if progress:
            progress(*read)
        read[:] = [0, 0]

    for item, size in items:
        summary.lines += 1
        read[0], read[1] = read[0] + 1, read[1] + size
        if isinstance(item, Line):
            chunk.append(item)
        else:
            summary.failed += 1
            summary.failures.extend([item] if isinstance(item, Failure) else item)
        if len(chunk) >= chunk_lines:
            flush()
    flush()
