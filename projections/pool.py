"""Households' rows computed in worker processes, for a rebuild from the command line
(``ledger projections rebuild``), where decoding and the rules are most of the work.

Workers are spawned, never forked: the parent holds database connections and their pool's
threads, which a forked child would inherit mid-use. So this is not for a serving process
either way. A worker gets pages of stored events as read (plain rows, cheap to pickle)
and gives back rows; it decodes with a mapper made like the ledger's (the same transcoder
class and transcodings).
"""

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from eventsourcing.persistence import Mapper, Transcoder, Transcoding

from ledger.domain.configuration import RulesConfiguration
from projections.openings import HouseholdOpenings
from projections.parking import Defect, compute
from projections.rows import HouseholdRows
from projections.streams import Row, streams_of

Computed = tuple[int, list[HouseholdRows], list[Defect]]
"""A page's events, the rows of its registered households, and its parked ones."""


class RowsPool:
    """``workers`` processes computing the rows of batches of whole streams."""

    def __init__(
        self, mapper: Mapper[Any], configuration: RulesConfiguration, workers: int
    ) -> None:
        transcoder = mapper.transcoder
        transcodings = list(getattr(transcoder, "names", {}).values())
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(
                type(transcoder),
                transcodings,
                mapper.compressor,
                mapper.cipher,
                configuration,
            ),
        )

    def rows(self, pages: Iterable[tuple[list[Row], HouseholdOpenings]]) -> Iterator[Computed]:
        """(events, rows of the registered households, defects) of each page of whole
        streams with its households' openings, in order; at most two pages per worker are
        in flight, so memory stays bounded."""
        pending: deque[tuple[int, Future[tuple[list[HouseholdRows], list[Defect]]]]] = deque()
        for page, openings in pages:
            pending.append((len(page), self._executor.submit(_rows_of, page, openings)))
            if len(pending) >= 2 * self.workers:
                events, computed = pending.popleft()
                yield events, *computed.result()
        while pending:
            events, computed = pending.popleft()
            yield events, *computed.result()

    def __enter__(self) -> "RowsPool":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._executor.shutdown(cancel_futures=True)


@dataclass(frozen=True)
class _Worker:
    mapper: Mapper[Any]
    configuration: RulesConfiguration

    def rows_of(
        self, page: list[Row], openings: HouseholdOpenings
    ) -> tuple[list[HouseholdRows], list[Defect]]:
        found, defects = [], []
        for stored in streams_of(page):
            computed = compute(stored, self.mapper, self.configuration, openings)
            if isinstance(computed, Defect):
                defects.append(computed)
            elif computed[1] is not None:
                found.append(computed[1])
        return found, defects


_worker: _Worker | None = None  # the one of this worker process


def _start(
    transcoder_class: type[Transcoder],
    transcodings: list[Transcoding],
    compressor: Any,
    cipher: Any,
    configuration: RulesConfiguration,
) -> None:
    global _worker
    transcoder = transcoder_class()
    for transcoding in transcodings:
        transcoder.register(transcoding)  # type: ignore[attr-defined]
    _worker = _Worker(Mapper(transcoder, compressor=compressor, cipher=cipher), configuration)


def _rows_of(
    page: list[Row], openings: HouseholdOpenings
) -> tuple[list[HouseholdRows], list[Defect]]:
    if _worker is None:
        raise RuntimeError("a RowsPool worker computes rows only once started")
    return _worker.rows_of(page, openings)
