"""The personal-data store (migration 0011, CONTRACT §7.3): per commitment, the sealed
value and salt it commits to, or nothing once erased. Rows of an append are inserted by
the recorder in the append's own transaction (``sqlite.py``/``postgres.py``), so an event
and the values it commits to are durable together or not at all. Sealing and opening
(the key) are the service's (``ledger.personal``); this table only ever sees ciphertext.
Written once for both databases (``?`` placeholders).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.persistence.tables import SQLTables

INSERT_PERSONAL = (
    "INSERT INTO personal_data (commitment, household_id, event_id, pointer, member_id, "
    "sealed) VALUES (?, ?, ?, ?, ?, ?)"
)
_FIND_BATCH = 500  # commitments per query: far below either database's parameter limit
ERASE_PERSONAL = "UPDATE personal_data SET sealed = NULL, erased_at = ? WHERE commitment = ?"
# Migration 0011 lets a file name, and nothing else of an upload, be changed.
BLANK_MATERIAL_NAME = "UPDATE materials SET file_name = '' WHERE sha256 = ?"
BLANK_UPLOAD_NAME = "UPDATE material_uploads SET file_name = '' WHERE sha256 = ? AND token_id = ?"


@dataclass(frozen=True)
class PersonalRow:
    """A commitment's row; ``sealed`` is None once the value is erased."""

    commitment: str
    household_id: str
    event_id: str
    pointer: str
    member_id: str | None
    sealed: bytes | None


@dataclass(frozen=True)
class Erasure:
    """What an erasure empties, in the transaction of its ``PersonalDataErased`` event
    (``erase=`` of the recorders' insert): the values and salts of ``commitments``, and
    the file names that carry an erased value — the first upload's of each material in
    ``materials``, each upload's in ``uploads`` (sha256, token id)."""

    commitments: tuple[str, ...]
    at: datetime
    materials: tuple[str, ...] = ()
    uploads: tuple[tuple[str, str], ...] = ()


class PersonalDataTable(SQLTables):
    def __init__(self, *args: Any, scrub: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scrub = scrub

    def insert_params(self, row: PersonalRow) -> tuple[Any, ...]:
        return (
            row.commitment,
            row.household_id,
            row.event_id,
            row.pointer,
            row.member_id,
            row.sealed,
        )

    def find(self, commitments: Iterable[str]) -> dict[str, PersonalRow]:
        wanted = sorted(set(commitments))
        found: dict[str, PersonalRow] = {}
        for start in range(0, len(wanted), _FIND_BATCH):
            batch = wanted[start : start + _FIND_BATCH]
            statement = (
                "SELECT commitment, household_id, event_id, pointer, member_id, sealed "  # noqa: S608  # placeholders only
                f"FROM personal_data WHERE commitment IN ({', '.join('?' for _ in batch)})"
            )
            for row in self._rows(statement, tuple(batch)):
                found[row["commitment"]] = _row(row)
        return found

    def of_household(self, household_id: str) -> list[PersonalRow]:
        return [
            _row(row)
            for row in self._rows(
                "SELECT commitment, household_id, event_id, pointer, member_id, sealed "
                "FROM personal_data WHERE household_id = ? ORDER BY event_id, pointer",
                (household_id,),
            )
        ]

    def of_households(
        self, household_ids: Iterable[str], *, member_fields: Sequence[str] = ()
    ) -> list[PersonalRow]:
        """The rows of the households, by household (for the projections, a page of
        households at once); with ``member_fields``, only members' values of those fields
        (``id_number``, …)."""
        wanted = sorted(set(household_ids))
        fields = " OR ".join("pointer LIKE ?" for _ in member_fields)
        only = f" AND member_id IS NOT NULL AND ({fields})" if member_fields else ""
        patterns = tuple(f"%/{name}" for name in member_fields)
        found: list[PersonalRow] = []
        for start in range(0, len(wanted), _FIND_BATCH):
            batch = wanted[start : start + _FIND_BATCH]
            statement = (
                "SELECT commitment, household_id, event_id, pointer, member_id, sealed "  # noqa: S608  # placeholders only
                f"FROM personal_data WHERE household_id IN ({', '.join('?' for _ in batch)})"
                f"{only} ORDER BY household_id, event_id, pointer"
            )
            found += [_row(row) for row in self._rows(statement, (*batch, *patterns))]
        return found

    def erase(self, commitments: Sequence[str], at: datetime) -> None:
        """Empties the rows of ``commitments``: their values and salts are gone."""
        with self._transaction(commit=True) as cursor:
            for statement, params in self.erasure_statements(Erasure(tuple(commitments), at)):
                cursor.executemany(statement, params)

    def erasure_statements(self, erasure: Erasure) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """The statements of an erasure and their parameters, for ``executemany``."""
        at = self.encode_datetime(erasure.at)
        statements: list[tuple[str, list[tuple[Any, ...]]]] = [
            (ERASE_PERSONAL, [(at, c) for c in erasure.commitments]),
            (BLANK_MATERIAL_NAME, [(sha256,) for sha256 in erasure.materials]),
            (BLANK_UPLOAD_NAME, list(erasure.uploads)),
        ]
        return [(self.sql(statement), params) for statement, params in statements if params]

    def scrub(self) -> None:
        """After an erasure: no copy of the erased bytes left where the database keeps
        pages it has replaced (SQLite's write-ahead log: checkpointed and truncated).
        PostgreSQL's replaced row versions are left to its vacuum (the service's role may
        not run one); they held ciphertext, and file names only until then."""
        if self._scrub is not None:
            with self._transaction(commit=False) as cursor:
                cursor.execute(self._scrub)

    def holds_any(self) -> bool:
        return any(True for _ in self._rows("SELECT 1 AS one FROM personal_data LIMIT 1"))

    def a_sealed_row(self) -> PersonalRow | None:
        """Any one row still holding a value (to check a key against)."""
        for row in self._rows(
            "SELECT commitment, household_id, event_id, pointer, member_id, sealed "
            "FROM personal_data WHERE sealed IS NOT NULL LIMIT 1"
        ):
            return _row(row)
        return None

    def count_evaluator_read(self, token_id: str, day: date) -> None:
        self._write(
            "INSERT INTO evaluator_reads (token_id, day, reads) VALUES (?, ?, 1) "
            "ON CONFLICT (token_id, day) DO UPDATE SET reads = evaluator_reads.reads + 1",
            (token_id, day.isoformat()),
        )

    def evaluator_reads(
        self, *, division: str = "", offset: int = 0, limit: int = 100
    ) -> list[tuple[str, str, int]]:
        """``(token_id, day, reads)`` of the evaluator tokens of ``division`` (a code
        prefix), the busiest first."""
        return [
            (row["token_id"], str(row["day"]), int(row["reads"]))
            for row in self._rows(
                "SELECT r.token_id, r.day, r.reads FROM evaluator_reads r "
                "JOIN api_tokens t ON t.token_id = r.token_id WHERE t.division LIKE ? "
                "ORDER BY r.reads DESC, r.day DESC, r.token_id LIMIT ? OFFSET ?",
                (division + "%", limit, offset),
            )
        ]


def _row(row: Any) -> PersonalRow:
    sealed = row["sealed"]
    return PersonalRow(
        row["commitment"],
        row["household_id"],
        row["event_id"],
        row["pointer"],
        row["member_id"],
        None if sealed is None else bytes(sealed),
    )
