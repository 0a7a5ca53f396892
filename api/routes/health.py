"""Liveness and readiness for orchestrators."""

from fastapi import APIRouter

from api.deps import LedgerDep
from api.responses import JSONBody, problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> JSONBody:
    """The process is up."""
    return JSONBody({"status": "ok"})


@router.get("/readyz", response_model=None)
def readyz(ledger: LedgerDep) -> JSONBody:
    """The database answers: the service can take requests."""
    try:
        ledger.ping()
    except Exception as error:  # any failure to reach the database means not ready
        return problem(503, "NOT_READY", f"the database does not answer ({type(error).__name__})")
    return JSONBody({"status": "ready"})
