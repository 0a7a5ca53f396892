"""What a caller is served of people (CONTRACT §7.3, §5), and the record that it was.

Readers of personal data (admins, recorders, auditors) get values in clear with their
openings, and each response that carries them is in the access log, one row per household,
before it is sent (a read that cannot be logged is not served). Evaluators get
commitments only, and their reads are counted per token and day: a volume out of the
ordinary shows, without any value being kept.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ledger.domain.callers import Caller
from ledger.domain.masking import sees_personal_data
from ledger.persistence.access_log import Access
from ledger.persistence.ports import AccessLogStore
from ledger.personal.vault import PersonalVault


class Disclosure:
    def __init__(
        self,
        vault: PersonalVault,
        caller: Caller,
        endpoint: str,
        log: AccessLogStore,
        *,
        clock: Callable[[], datetime],
        village_of: Callable[[str], str | None],
    ) -> None:
        self.vault, self.caller, self.endpoint, self.log = vault, caller, endpoint, log
        self.clock, self.village_of = clock, village_of
        self.opens = sees_personal_data(caller)

    def events(self, documents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Stored events as this caller is served them: opened, or committed."""
        stored = list(documents)
        openings = self.vault.of_events(stored)
        serve = openings.opened if self.opens else openings.committed
        return [serve(document) for document in stored]

    def event(self, document: Mapping[str, Any]) -> dict[str, Any]:
        (served,) = self.events([document])
        return served

    def state(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A served state: members' values for a reader of personal data, their
        commitments (as stored) for an evaluator; erased ones stay commitments."""
        return self.vault.opened_state(document) if self.opens else dict(document)

    def record(self, household_ids: Iterable[str]) -> None:
        """Logs that this response carries these households' personal data; counts an
        evaluator's read."""
        households = list(dict.fromkeys(household_ids))
        at = self.clock()
        if not self.opens:
            if households:
                self.vault.count_evaluator_read(self.caller.token_id, at.date())
            return
        self.log.record(
            [
                Access(
                    at,
                    self.caller.token_id,
                    str(self.caller.role),
                    household_id,
                    self.village_of(household_id) or "",
                    self.endpoint,
                )
                for household_id in households
            ]
        )
