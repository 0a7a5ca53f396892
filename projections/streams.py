"""The ledger's events table as the projections read it: which streams the next entries
of the log touch, then those streams whole in one query (not one per household); or every
stream in the order of the primary key, for a rebuild.

Stored events come back exactly as the library's recorders return them, for the ledger's
own mapper to decode; ``sqlite.py`` and ``postgres.py`` say how the databases differ.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.persistence.database import EVENTS_TABLE

_COLUMNS = "originator_id, originator_version, topic, state"
_ORDER = "ORDER BY originator_id, originator_version"


Row = Sequence[Any]
"""A stored event as read: (originator id as stored, version, topic, state)."""


def streams_of(page: Sequence[Row]) -> list[list[StoredEvent]]:
    """The whole streams of a page read in stream order, as stored events. Ids stay as
    the database stores them (hex text on SQLite): the mapper converts them on decoding,
    once per event, wherever the decoding happens."""
    streams: list[list[StoredEvent]] = []
    for originator_id, version, topic, state in page:
        if not streams or streams[-1][0].originator_id != originator_id:
            streams.append([])
        streams[-1].append(
            StoredEvent(
                originator_id=originator_id,
                originator_version=version,
                topic=topic,
                state=bytes(state),
            )
        )
    return streams


@dataclass(frozen=True)
class LogPage:
    """Entries of the log after a position: how many, the last one's position, and the
    streams they touch (each once, in the order first touched)."""

    entries: int
    last: int
    originator_ids: list[UUID | str]


class StoredStreams:
    """Reads the events table through the datastore's ``transaction``."""

    _mark = "?"  # the driver's placeholder
    _position = "rowid"  # the library's SQLite notification id

    def __init__(self, transaction: Callable[..., AbstractContextManager[Any]]) -> None:
        self._transaction = transaction

    def touched(self, after: int, limit: int) -> LogPage:
        """The next ``limit`` entries of the log after position ``after``, without their
        events' state (the streams are read whole next)."""
        rows = self._rows(
            f"SELECT {self._position}, originator_id FROM {EVENTS_TABLE} "  # noqa: S608  # constants; values are bound
            f"WHERE {self._position} > {self._mark} ORDER BY {self._position} "
            f"LIMIT {self._mark}",
            (after, limit),
        )
        touched = dict.fromkeys(self._originator_id(row[1]) for row in rows)
        return LogPage(len(rows), rows[-1][0] if rows else after, list(touched))

    def of(self, originator_ids: Sequence[UUID | str]) -> dict[UUID | str, list[StoredEvent]]:
        """The whole stream of each of ``originator_ids``, oldest first."""
        streams: dict[UUID | str, list[StoredEvent]] = {}
        if originator_ids:
            where, params = self._any_of(originator_ids)
            for event in self._stored_events(
                self._rows(
                    f"SELECT {_COLUMNS} FROM {EVENTS_TABLE} WHERE {where} {_ORDER}",  # noqa: S608  # constants; ids are bound
                    params,
                )
            ):
                streams.setdefault(event.originator_id, []).append(event)
        return streams

    def last_positions(self, originator_ids: Sequence[UUID | str]) -> dict[UUID | str, int]:
        """The log position of each stream's newest event (one query each: for the few
        households being parked)."""
        return {
            originator_id: int(
                self._rows(
                    f"SELECT MAX({self._position}) FROM {EVENTS_TABLE} "  # noqa: S608  # constants; the id is bound
                    f"WHERE originator_id = {self._mark}",
                    (self._stored_id(originator_id),),
                )[0][0]
                or 0
            )
            for originator_id in originator_ids
        }

    def pages_in_stream_order(self, page_size: int) -> Iterator[list[Row]]:
        """Every stored event in the order of the primary key (originator, version), in
        pages of about ``page_size`` events that hold whole streams: a stream that goes on
        past the end of one query's rows is held back for the next page. Streams read
        across two queries are still prefixes of their history (events are only appended)."""
        held: list[Row] = []
        after: tuple[Any, int] | None = None
        while True:
            if after is None:
                rows = self._rows(
                    f"SELECT {_COLUMNS} FROM {EVENTS_TABLE} {_ORDER} "  # noqa: S608  # constants
                    f"LIMIT {page_size:d}",
                    (),
                )
            else:
                rows = self._rows(
                    f"SELECT {_COLUMNS} FROM {EVENTS_TABLE} "  # noqa: S608  # constants; the key is bound
                    f"WHERE (originator_id, originator_version) > "
                    f"({self._mark}, {self._mark}) {_ORDER} LIMIT {page_size:d}",
                    after,
                )
            read = [*held, *rows]
            if len(rows) < page_size:
                if read:
                    yield read
                return
            cut = len(read)  # where the last stream read starts: it may go on
            while cut and read[cut - 1][0] == read[-1][0]:
                cut -= 1
            if cut:
                yield read[:cut]
            held = read[cut:]
            after = (rows[-1][0], rows[-1][1])

    def _stored_events(self, rows: Sequence[Row]) -> Iterator[StoredEvent]:
        """Rows as stored events; a stream's rows are adjacent (the order of the primary
        key), so its id is converted once."""
        stored_id: Any = None
        originator_id: UUID | str = ""
        for row in rows:
            if row[0] != stored_id:
                stored_id, originator_id = row[0], self._originator_id(row[0])
            yield StoredEvent(
                originator_id=originator_id,
                originator_version=row[1],
                topic=row[2],
                state=bytes(row[3]),
            )

    # What differs between the databases

    def _any_of(self, originator_ids: Sequence[UUID | str]) -> tuple[str, Sequence[Any]]:
        return (
            f"originator_id IN ({', '.join(self._mark for _ in originator_ids)})",
            [self._stored_id(i) for i in originator_ids],
        )

    def _stored_id(self, originator_id: UUID | str) -> Any:
        return originator_id

    def _originator_id(self, stored: Any) -> UUID | str:
        return stored  # type: ignore[no-any-return]

    def _rows(self, statement: str, params: Sequence[Any]) -> list[Row]:
        """The rows of a query, each indexable by column position."""
        with self._transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
