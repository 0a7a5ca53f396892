"""``ledger import FILE.ndjson`` (CONTRACT §6): lines ``{"household_id": …, "events":
[...], "expected_version": N?}``, one household's append a line.

A line is validated as ``POST /v1/households/{id}/events`` validates its body; one that
is not JSON or fails validation is reported with its number and the problem, and the
other lines go on (``ledger.importing.run``).
"""

import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO

import orjson
from pydantic import ValidationError

from ledger.appending import AppendPipeline
from ledger.domain.callers import Caller
from ledger.domain.commands import HOUSEHOLD_ID_PATTERN, AppendBatch
from ledger.domain.field_paths import field_path
from ledger.importing.items import Failure, Line, keyed
from ledger.importing.run import CHUNK_LINES, Summary, import_items

_HOUSEHOLD_ID = re.compile(HOUSEHOLD_ID_PATTERN)


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


def import_lines(
    appends: AppendPipeline,
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
        appends,
        caller,
        ((parse(number, raw), len(raw)) for number, raw in lines),
        summary,
        progress=progress,
        chunk_lines=chunk_lines,
    )
