"""Who read which household's personal data (CONTRACT §5), for a division's admins."""

from datetime import datetime

from ledger.domain.callers import Caller
from ledger.persistence.access_log import LoggedAccess
from ledger.persistence.ports import AccessLogStore


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
