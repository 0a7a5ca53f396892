"""Liveness and readiness for orchestrators; metrics for Prometheus."""

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import choose_encoder

from api.deps import PrimaryLedgerDep, ServicesDep
from api.problem_docs import problem_responses
from api.readiness import readiness_of
from api.responses import JSONBody, problem
from api.state import app_state

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> JSONBody:
    """The process is up."""
    return JSONBody({"status": "ok"})


@router.get("/readyz", response_model=None, responses=problem_responses(503))
def readyz(ledger: PrimaryLedgerDep, services: ServicesDep, request: Request) -> JSONBody:
    """The database answers (within a second) and the read models are not stopped:
    requests can be served, and the log's fork guard found no database behind, or
    disagreeing with, what the log signed or a witness cosigned (CONTRACT §7.4; the
    detail then names the sizes and where they come from). `parked` counts households
    whose rules raise (listed at `GET /v1/admin/parked`): the others are served, so it is
    not a reason to be unready. With a read replica, `replica` says whether reads go
    there (if not, the primary serves them: not a reason to be unready either)."""
    runner = services.projections
    try:
        positions = readiness_of(app_state(request.app), ledger, runner).check()
    except Exception as error:  # any failure to reach the database means not ready
        return problem(503, "NOT_READY", f"the database does not answer ({type(error).__name__})")
    forked = services.opened_transparency and services.opened_transparency.guard.disagreements
    if forked:
        return problem(
            503,
            "NOT_READY",
            "the log stopped sequencing and signing (LOG_FORK): "
            + "; ".join(d.message() for d in forked),
        )
    if runner.failed:
        return problem(
            503,
            "NOT_READY",
            f"the projections stopped at position {runner.state.failed_at}: {runner.state.error}",
        )
    ready: dict[str, object] = {
        "status": "ready",
        "log_position": positions.head,
        "projection_position": runner.state.position,
        "parked": positions.parked,
    }
    if services.standby is not None:
        ready["replica"] = services.standby.status()
    return JSONBody(ready)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics (README.md, "Metrics"): the text format, or OpenMetrics when
    asked. Unauthenticated, as Prometheus scrapes: keep it from the internet at the proxy.
    The database away does not fail it (``ledger_database_up 0``)."""
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(app_state(request.app).metrics.registry), media_type=content_type)
