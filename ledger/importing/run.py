"""One import run: its appends in chunks, through the append pipeline, and its summary.

Each item is appended all or nothing under the idempotency key its content fixes
(``ledger.importing.items``): a second run, or one resumed after a crash or Ctrl-C,
appends nothing twice and counts those items as already imported. An item refused by the
rules is reported with its number and the problem's code; the others go on. Items are
appended in chunks whose appends share a transaction (``AppendPipeline.append_many``),
so the write lock is taken per chunk rather than per household.
"""

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ledger.appending import Appended, AppendPipeline, AppendRequest
from ledger.domain.callers import Caller
from ledger.domain.errors import LedgerError
from ledger.importing.items import Failure, Item, Line

CHUNK_LINES = 200
"""Lines appended together (a few hundred: one lock cycle for many households)."""


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


def append_chunk(
    appends: AppendPipeline, caller: Caller, lines: Sequence[Line]
) -> list[Appended | LedgerError]:
    """Each line's answer, in order: appended (or replayed), or the error refusing it."""
    return appends.append_many(
        [
            AppendRequest(
                line.household_id,
                line.batch.events,
                caller,
                line.batch.expected_version,
                line.idempotency(appends.request_key),
            )
            for line in lines
        ]
    )


def import_items(
    appends: AppendPipeline,
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
        for line, answer in zip(chunk, append_chunk(appends, caller, chunk), strict=True):
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
