"""A personal-data store in memory (the port ``PersonalDataStore``), for unit tests that
serve a household as a reader of personal data would see it without a database: the
sealing, opening and erasing are the real ``PersonalVault``'s. The tables themselves are
tested on SQLite and PostgreSQL in the integration tier."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime

from ledger.domain.personal import Sealed
from ledger.persistence.personal_data import PersonalRow
from ledger.personal import PersonalVault

KEY = bytes(range(32))


class MemoryPersonalStore:
    def __init__(self) -> None:
        self.rows: dict[str, PersonalRow] = {}
        self.reads: Counter[tuple[str, str]] = Counter()

    def insert(self, rows: Iterable[PersonalRow]) -> None:
        self.rows.update((row.commitment, row) for row in rows)

    def find(self, commitments: Iterable[str]) -> dict[str, PersonalRow]:
        return {c: self.rows[c] for c in commitments if c in self.rows}

    def of_household(self, household_id: str) -> list[PersonalRow]:
        return sorted(
            (r for r in self.rows.values() if r.household_id == household_id),
            key=lambda r: (r.event_id, r.pointer),
        )

    def of_households(
        self, household_ids: Iterable[str], *, member_fields: Sequence[str] = ()
    ) -> list[PersonalRow]:
        wanted = set(household_ids)
        return sorted(
            (
                r
                for r in self.rows.values()
                if r.household_id in wanted
                and (
                    not member_fields
                    or (r.member_id is not None and r.pointer.split("/")[-1] in member_fields)
                )
            ),
            key=lambda r: (r.household_id, r.event_id, r.pointer),
        )

    def erase(self, commitments: Sequence[str], at: datetime) -> None:
        for c in commitments:
            self.rows[c] = replace(self.rows[c], sealed=None)

    def scrub(self) -> None:
        """Memory keeps no replaced pages."""

    def holds_any(self) -> bool:
        return bool(self.rows)

    def a_sealed_row(self) -> PersonalRow | None:
        return next((r for r in self.rows.values() if r.sealed is not None), None)

    def count_evaluator_read(self, token_id: str, day: date) -> None:
        self.reads[token_id, day.isoformat()] += 1

    def evaluator_reads(
        self, *, division: str = "", offset: int = 0, limit: int = 100
    ) -> list[tuple[str, str, int]]:
        # Tokens and their divisions live in another table: memory keeps every token's.
        counts = [(token, day, n) for (token, day), n in self.reads.most_common()]
        return counts[offset : offset + limit]


def vault_of(household_id: str, sealed: Sequence[Sealed]) -> PersonalVault:
    """A vault holding ``sealed``, the values an append of ``household_id`` sealed."""
    store = MemoryPersonalStore()
    vault = PersonalVault(store, KEY)
    store.insert(vault.rows(household_id, sealed))
    return vault
