"""Shared dependencies as ``Annotated`` aliases, all read from the app's typed state."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.observability import bind_caller
from api.state import app_state
from bootstrap.services import Services
from bootstrap.standby import ReadSource
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.access import check_read
from ledger.domain.callers import Caller
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.errors import Unauthenticated
from ledger.materials import MaterialStore
from ledger.reading import HouseholdReads
from ledger.tokens import authenticate, authenticate_id
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
    QualityQueries,
)

_bearer = HTTPBearer(auto_error=False, description="A token from `ledger token create`")


def services(request: Request) -> Services:
    """The services the app opened at start-up (``bootstrap.open_services``)."""
    return app_state(request.app).running()


ServicesDep = Annotated[Services, Depends(services)]


def read_source(request: Request) -> ReadSource:
    """Where this request reads: a GET on a caught-up standby, anything else on the
    primary. The choice is named in the ``Ledger-Read-From`` response header."""
    opened = services(request)
    if opened.standby is None:
        return opened.primary
    reading = request.method in ("GET", "HEAD")
    source = opened.standby.source if reading and opened.standby.caught_up() else opened.primary
    request.state.read_from = source.name
    return source


SourceDep = Annotated[ReadSource, Depends(read_source)]
"""Where this request reads: a GET on the standby, if one is configured and caught up."""


def get_ledger(source: SourceDep) -> HouseholdLedger:
    return source.ledger


LedgerDep = Annotated[HouseholdLedger, Depends(get_ledger)]
"""The ledger this request reads (and, unless it is a GET, writes) on."""


def get_primary_ledger(opened: ServicesDep) -> HouseholdLedger:
    return opened.ledger


PrimaryLedgerDep = Annotated[HouseholdLedger, Depends(get_primary_ledger)]
"""The ledger on the primary database, for a write made while reading (the access log)."""


def get_appends(opened: ServicesDep) -> AppendPipeline:
    return opened.appends


AppendsDep = Annotated[AppendPipeline, Depends(get_appends)]
"""The one append pipeline, on the primary database."""


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
    """The caller a bearer token names, counted against its rate (the API's header and the
    web pages' sign-in form both come here)."""
    return counted(request, authenticate(ledger.tables, token))


def authenticated_id(
    request: Request, ledger: HouseholdLedger, token_id: str, now: datetime
) -> Caller:
    """The caller of a token known by its id (a web page session's), counted the same."""
    return counted(request, authenticate_id(ledger.tables, token_id, now))


def counted(request: Request, caller: Caller) -> Caller:
    bind_caller(caller)  # on the request's log lines, a refusal for its rate (429) included
    app_state(request.app).rate_limiter.check(caller.token_id)  # once authenticated (429)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_reader(caller: CallerDep) -> Caller:
    check_read(caller)
    return caller


ReaderDep = Annotated[Caller, Depends(get_reader)]
"""A caller allowed to read households' data (not intake or department tokens)."""


def get_projections(opened: ServicesDep, source: SourceDep) -> ProjectionRunner:
    """The read models, caught up with every append that has returned (read-your-writes)."""
    runner = opened.projections  # the one that runs
    if runner.failed:
        raise ProjectionsUnavailable(
            f"the projections stopped at position {runner.state.failed_at}: {runner.state.error}"
        )
    runner.wake.set()  # the standby's copy of the views never runs: it follows this one
    try:
        source.projections.wait_for(
            source.ledger.recorder.max_notification_id(),
            timeout=opened.settings.projection_wait_s,
        )
    except TimeoutError:
        raise ProjectionsUnavailable("the projections are still catching up; retry") from None
    return source.projections


ProjectionsDep = Annotated[ProjectionRunner, Depends(get_projections)]


def get_configuration(opened: ServicesDep) -> RulesConfiguration:
    return opened.configuration


ConfigurationDep = Annotated[RulesConfiguration, Depends(get_configuration)]


def get_transparency(source: SourceDep) -> TransparencyLog:
    return source.transparency


TransparencyDep = Annotated[TransparencyLog, Depends(get_transparency)]


def get_materials(opened: ServicesDep) -> MaterialStore:
    return opened.materials


MaterialsDep = Annotated[MaterialStore, Depends(get_materials)]


# Query services: what routes and pages read through, one service each, made per request
# from the long-lived parts the root opened (cheap: they hold references only).


def get_reads(source: SourceDep) -> HouseholdReads:
    return source.reads


ReadsDep = Annotated[HouseholdReads, Depends(get_reads)]
"""Households' states and histories, and the feed, on this request's read source."""


def get_household_queries(reads: ReadsDep, configuration: ConfigurationDep) -> HouseholdQueries:
    return HouseholdQueries(reads, configuration)


HouseholdQueriesDep = Annotated[HouseholdQueries, Depends(get_household_queries)]


def get_household_page_query(opened: ServicesDep, source: SourceDep) -> HouseholdPageQuery:
    return HouseholdPageQuery(
        source.reads, opened.configuration, opened.materials, source.transparency, opened.badges
    )


HouseholdPageQueryDep = Annotated[HouseholdPageQuery, Depends(get_household_page_query)]


def get_evaluation_queries(projections: ProjectionsDep) -> EvaluationQueries:
    return EvaluationQueries(projections.views)


EvaluationQueriesDep = Annotated[EvaluationQueries, Depends(get_evaluation_queries)]


def get_quality_queries(projections: ProjectionsDep) -> QualityQueries:
    return QualityQueries(projections.views)


QualityQueriesDep = Annotated[QualityQueries, Depends(get_quality_queries)]


def get_integrity_queries(
    source: SourceDep, configuration: ConfigurationDep, materials: MaterialsDep
) -> IntegrityQueries:
    return IntegrityQueries(source.reads, source.transparency, materials, configuration)


IntegrityQueriesDep = Annotated[IntegrityQueries, Depends(get_integrity_queries)]


def get_access_log_query(source: SourceDep) -> AccessLogQuery:
    return AccessLogQuery(source.ledger.stores.access_log)


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
