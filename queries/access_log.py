"""Who read which household's personal data (CONTRACT §5), and how much evaluators read
(§7.3), for a division's admins."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.domain.callers import Caller
from ledger.persistence.access_log import LoggedAccess
from ledger.persistence.ports import AccessLogStore, PersonalDataStore


class AccessLogQuery:
    def __init__(self, log: AccessLogStore) -> None:
        self.log = log

    def entries(
        self,
        admin: Caller,
        *,
        household_id: str | None = None,
        token_id: str | None = None,
        since: datetime | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[LoggedAccess]:
        """Reads of the households of the admin's division, oldest first."""
        return self.log.entries(
            division=admin.division,
            household_id=household_id,
            token_id=token_id,
            since=since,
            after_id=after_id,
            limit=limit,
        )


@dataclass(frozen=True)
class EvaluatorReads:
    """How many responses an evaluator's token was served on a day (no household, no
    value: CONTRACT §7.3 serves evaluators commitments only)."""

    token_id: str
    day: str
    reads: int

    def document(self) -> dict[str, Any]:
        return {"token_id": self.token_id, "day": self.day, "reads": self.reads}


class EvaluatorReadsQuery:
    def __init__(self, store: PersonalDataStore) -> None:
        self.store = store

    def busiest(self, admin: Caller, *, offset: int = 0, limit: int = 100) -> list[EvaluatorReads]:
        """The counts of the evaluator tokens of the admin's division, busiest first."""
        return [
            EvaluatorReads(token_id, day, reads)
            for token_id, day, reads in self.store.evaluator_reads(
                division=admin.division, offset=offset, limit=limit
            )
        ]
