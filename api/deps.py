"""Shared dependencies as ``Annotated`` aliases."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.ratelimit import limiter_for
from ledger.application import HouseholdLedger
from ledger.domain.access import check_read
from ledger.domain.callers import Caller
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import Unauthenticated
from ledger.materials import MaterialStore
from ledger.tokens import authenticate
from ledger.transparency.log import TransparencyLog
from projections.runner import ProjectionRunner, ProjectionsUnavailable

_bearer = HTTPBearer(auto_error=False, description="A token from `ledger token create`")


def get_ledger(request: Request) -> HouseholdLedger:
    ledger: HouseholdLedger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[HouseholdLedger, Depends(get_ledger)]


def get_caller(
    request: Request,
    ledger: LedgerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer ldg_…)")
    caller = authenticate(ledger.tables, credentials.credentials)
    limiter_for(request.app).check(caller.token_id)  # counted once authenticated (429)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_reader(caller: CallerDep) -> Caller:
    check_read(caller)
    return caller


ReaderDep = Annotated[Caller, Depends(get_reader)]
"""A caller allowed to read households' data (not intake or department tokens)."""


def get_projections(request: Request, ledger: LedgerDep) -> ProjectionRunner:
    """The read models, caught up with every append that has returned (read-your-writes)."""
    runner: ProjectionRunner = request.app.state.projections
    if runner.failed:
        raise ProjectionsUnavailable(f"the projections stopped at position "
                                     f"{runner.state.failed_at}: {runner.state.error}")
    try:
        runner.wait_for(ledger.recorder.max_notification_id(), timeout=request.app.state.settings
                        .projection_wait_s)
    except TimeoutError:
        raise ProjectionsUnavailable("the projections are still catching up; retry") from None
    return runner


ProjectionsDep = Annotated[ProjectionRunner, Depends(get_projections)]


def get_configuration(request: Request) -> RulesConfiguration:
    configuration: RulesConfiguration = request.app.state.configuration
    return configuration


ConfigurationDep = Annotated[RulesConfiguration, Depends(get_configuration)]


def get_transparency(request: Request) -> TransparencyLog:
    transparency: TransparencyLog = request.app.state.transparency
    return transparency


TransparencyDep = Annotated[TransparencyLog, Depends(get_transparency)]


def get_materials(request: Request) -> MaterialStore:
    materials: MaterialStore = request.app.state.materials
    return materials


MaterialsDep = Annotated[MaterialStore, Depends(get_materials)]
