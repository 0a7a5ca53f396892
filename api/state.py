"""What the app keeps between requests, typed: the services while it runs (its lifespan)
and its HTTP-only parts. Read through ``app_state`` (and ``api.deps.services``), never as
loose attributes of Starlette's ``app.state``."""

from dataclasses import dataclass

from starlette.applications import Starlette

from api.metrics import Metrics
from api.ratelimit import RateLimiter
from api.readiness import ReadinessCheck
from bootstrap.services import Services
from bootstrap.settings import Settings

_KEY = "ledger"


class NotStarted(RuntimeError):
    """A request reached the app before its lifespan opened the services."""


@dataclass
class AppState:
    settings: Settings
    metrics: Metrics  # the app's own registry, read at GET /metrics
    rate_limiter: RateLimiter
    services: Services | None = None  # opened by the lifespan, closed after it
    readiness: ReadinessCheck | None = None  # made on the first /readyz

    def running(self) -> Services:
        if self.services is None:
            raise NotStarted("the app's services are not open (outside its lifespan)")
        return self.services


def install_state(app: Starlette, state: AppState) -> None:
    setattr(app.state, _KEY, state)


def app_state(app: Starlette) -> AppState:
    state = getattr(app.state, _KEY, None)
    if not isinstance(state, AppState):
        raise NotStarted("not an app made by api.app.create_app")
    return state
