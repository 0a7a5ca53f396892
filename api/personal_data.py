"""Personal data in responses (CONTRACT §7.3, §5): a request's ``Disclosure``
(``ledger.personal.disclosure``), reading where the request reads (perhaps a standby)
and logging where writes go."""

from typing import Annotated

from fastapi import Depends, Request

from api.deps import LedgerDep, PrimaryLedgerDep, ReaderDep
from ledger.application import HouseholdLedger
from ledger.domain.callers import Caller
from ledger.persistence.ports import AccessLogStore
from ledger.personal.disclosure import Disclosure
from ledger.reading import village_of


def access_log(ledger: HouseholdLedger) -> AccessLogStore:
    """The access log of the ledger's database."""
    return ledger.stores.access_log


def disclosure_of(
    ledger: HouseholdLedger, primary: HouseholdLedger, caller: Caller, endpoint: str
) -> Disclosure:
    """What ``caller`` is served of people; reads counted and logged on ``primary``."""
    return Disclosure(
        primary.personal,
        caller,
        endpoint,
        access_log(primary),
        clock=primary.clock,
        village_of=lambda household_id: village_of(ledger, household_id),
    )


def endpoint(request: Request) -> str:
    """The method and route template: ``GET /v1/households/{household_id}``."""
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def get_disclosure(
    request: Request, ledger: LedgerDep, caller: ReaderDep, primary: PrimaryLedgerDep
) -> Disclosure:
    return disclosure_of(ledger, primary, caller, endpoint(request))


DisclosureDep = Annotated[Disclosure, Depends(get_disclosure)]
