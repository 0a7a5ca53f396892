"""Shared dependencies as ``Annotated`` aliases."""

import threading
from typing import Annotated, Any, cast
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.observability import bind_caller
from api.ratelimit import limiter_for
from api.replica import ReadSource, read_source
from ledger.application import HouseholdLedger
from ledger.domain.access import check_read
from ledger.domain.callers import Caller
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import Unauthenticated
from ledger.materials import MaterialStore
from ledger.persistence.access_log import AccessLog
from ledger.reading import HouseholdReads
from ledger.tokens import authenticate
from ledger.transparency.log import TransparencyLog
from projections.runner import ProjectionRunner, ProjectionsUnavailable
from queries import (
    AccessLogQuery,
    EvaluationQueries,
    HouseholdPageQuery,
    HouseholdQueries,
    IntegrityQueries,
    MaterialQuery,
    ParkedQuery,
)

_bearer = HTTPBearer(auto_error=False, description="A token from `ledger token create`")


SourceDep = Annotated[ReadSource, Depends(read_source)]
"""Where this request reads: a GET on the standby, if one is configured and caught up."""


def get_ledger(source: SourceDep) -> HouseholdLedger:
    return source.ledger


LedgerDep = Annotated[HouseholdLedger, Depends(get_ledger)]
"""The ledger this request reads (and, unless it is a GET, writes) on."""


def get_primary_ledger(request: Request) -> HouseholdLedger:
    ledger: HouseholdLedger = request.app.state.ledger
    return ledger


PrimaryLedgerDep = Annotated[HouseholdLedger, Depends(get_primary_ledger)]
"""The ledger on the primary database, for a write made while reading (the access log)."""


def get_caller(
    request: Request,
    ledger: LedgerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    checked: Caller | None = getattr(request.state, "caller", None)
    if checked is not None:
        return checked  # authenticated before its body was read (api/gate.py), and counted
    if credentials is None:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer ldg_…)")
    return authenticated(request, ledger, credentials.credentials)


def authenticated(request: Request, ledger: HouseholdLedger, token: str) -> Caller:
    """The caller a token names, counted against its rate (the API's bearer header and the
    web pages' sign-in cookie both come here)."""
    caller = authenticate(ledger.tables, token)
    bind_caller(caller)  # on the request's log lines, a refusal for its rate (429) included
    limiter_for(request.app).check(caller.token_id)  # counted once authenticated (429)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_reader(caller: CallerDep) -> Caller:
    check_read(caller)
    return caller


ReaderDep = Annotated[Caller, Depends(get_reader)]
"""A caller allowed to read households' data (not intake or department tokens)."""


def get_projections(request: Request, source: SourceDep) -> ProjectionRunner:
    """The read models, caught up with every append that has returned (read-your-writes)."""
    runner: ProjectionRunner = request.app.state.projections  # the one that runs
    if runner.failed:
        raise ProjectionsUnavailable(
            f"the projections stopped at position {runner.state.failed_at}: {runner.state.error}"
        )
    runner.wake.set()  # the standby's copy of the views never runs: it follows this one
    try:
        source.projections.wait_for(
            source.ledger.recorder.max_notification_id(),
            timeout=request.app.state.settings.projection_wait_s,
        )
    except TimeoutError:
        raise ProjectionsUnavailable("the projections are still catching up; retry") from None
    return source.projections


ProjectionsDep = Annotated[ProjectionRunner, Depends(get_projections)]


def get_configuration(request: Request) -> RulesConfiguration:
    configuration: RulesConfiguration = request.app.state.configuration
    return configuration


ConfigurationDep = Annotated[RulesConfiguration, Depends(get_configuration)]


def get_transparency(source: SourceDep) -> TransparencyLog:
    return source.transparency


TransparencyDep = Annotated[TransparencyLog, Depends(get_transparency)]


def get_materials(request: Request) -> MaterialStore:
    materials: MaterialStore = request.app.state.materials
    return materials


MaterialsDep = Annotated[MaterialStore, Depends(get_materials)]


# Query services: what routes and pages read through, one service each. Built here from
# the request's read source until the composition root builds them (one call each).

_household_reads: "WeakKeyDictionary[HouseholdLedger, HouseholdReads]" = WeakKeyDictionary()
_household_reads_lock = threading.Lock()


def household_reads(ledger: HouseholdLedger) -> HouseholdReads:
    """The reads of ``ledger``: one per ledger, so that their kept states are shared."""
    with _household_reads_lock:
        reads = _household_reads.get(ledger)
        if reads is None:
            reads = _household_reads[ledger] = HouseholdReads(ledger)
        return reads


def get_household_queries(source: SourceDep, configuration: ConfigurationDep) -> HouseholdQueries:
    return HouseholdQueries(household_reads(source.ledger), configuration)


HouseholdQueriesDep = Annotated[HouseholdQueries, Depends(get_household_queries)]


def get_household_page_query(
    request: Request, source: SourceDep, configuration: ConfigurationDep, materials: MaterialsDep
) -> HouseholdPageQuery:
    return HouseholdPageQuery(
        household_reads(source.ledger),
        configuration,
        materials,
        source.transparency,
        request.app.state.badges,
    )


HouseholdPageQueryDep = Annotated[HouseholdPageQuery, Depends(get_household_page_query)]


def get_evaluation_queries(projections: ProjectionsDep) -> EvaluationQueries:
    return EvaluationQueries(projections.views)


EvaluationQueriesDep = Annotated[EvaluationQueries, Depends(get_evaluation_queries)]


def get_integrity_queries(
    source: SourceDep, configuration: ConfigurationDep, materials: MaterialsDep
) -> IntegrityQueries:
    return IntegrityQueries(
        household_reads(source.ledger), source.transparency, materials, configuration
    )


IntegrityQueriesDep = Annotated[IntegrityQueries, Depends(get_integrity_queries)]


def get_access_log_query(source: SourceDep) -> AccessLogQuery:
    log: AccessLog = cast(Any, source.ledger.recorder).access_log  # typed by the root's recorder
    return AccessLogQuery(log)


AccessLogQueryDep = Annotated[AccessLogQuery, Depends(get_access_log_query)]


def get_material_query(
    source: SourceDep, materials: MaterialsDep, projections: ProjectionsDep
) -> MaterialQuery:
    return MaterialQuery(materials, source.ledger.tables, projections.views.material_citations)


MaterialQueryDep = Annotated[MaterialQuery, Depends(get_material_query)]


def get_parked_query(source: SourceDep) -> ParkedQuery:
    # Not through ProjectionsDep: parked households are listed while the views catch up.
    return ParkedQuery(source.projections.views)


ParkedQueryDep = Annotated[ParkedQuery, Depends(get_parked_query)]
