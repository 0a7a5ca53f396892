"""Personal data in responses (CONTRACT §5): names and ID numbers masked for evaluators;
every response that carries them unmasked recorded in the access log, one row per
household, before it is sent (a read that cannot be logged is not served)."""

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request

from api.deps import LedgerDep, PrimaryLedgerDep, ReaderDep
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.domain.masking import mask_event, mask_state, sees_personal_data
from ledger.persistence.access_log import Access
from ledger.persistence.ports import AccessLogStore
from ledger.reading import village_of


def access_log(ledger: HouseholdLedger) -> AccessLogStore:
    """The access log of the ledger's database."""
    return ledger.stores.access_log


class Disclosure:
    """What the caller of this request sees of people, and the record that it saw them."""

    def __init__(
        self, ledger: HouseholdLedger, caller: Caller, endpoint: str, log: AccessLogStore
    ) -> None:
        self.ledger, self.caller, self.endpoint, self.log = ledger, caller, endpoint, log
        self.masked = not sees_personal_data(caller)

    def event(self, document: dict[str, Any]) -> dict[str, Any]:
        return mask_event(document) if self.masked else document

    def state(self, document: dict[str, Any]) -> dict[str, Any]:
        return mask_state(document) if self.masked else document

    def record(self, household_ids: Iterable[str]) -> None:
        """Logs that this response carries these households' personal data (evaluators'
        masked reads are not logged: they carry none)."""
        if self.masked:
            return
        at = self.ledger.clock()
        accesses = [
            Access(
                at,
                self.caller.token_id,
                str(self.caller.role),
                household_id,
                village_of(self.ledger, household_id) or "",
                self.endpoint,
            )
            for household_id in dict.fromkeys(household_ids)
        ]
        self.log.record(accesses)


def endpoint(request: Request) -> str:
    """The method and route template: ``GET /v1/households/{household_id}``."""
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def get_disclosure(
    request: Request, ledger: LedgerDep, caller: ReaderDep, primary: PrimaryLedgerDep
) -> Disclosure:
    # Read where the request reads (perhaps a standby); logged where writes go.
    return Disclosure(ledger, caller, endpoint(request), access_log(primary))


DisclosureDep = Annotated[Disclosure, Depends(get_disclosure)]
