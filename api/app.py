"""The FastAPI app: its middleware and routes over the services ``bootstrap`` opens."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import errors, replica, web
from api.gate import FORM_MAX_BYTES, WEB_PREFIX, AuthenticateBeforeBody
from api.limits import BodySizeLimit
from api.metrics import Metrics, RequestMetrics
from api.observability import RequestLog, configure_logging
from api.openapi_served import document_served_events
from api.ratelimit import RateLimiter
from api.responses import JSONBody
from api.routes import (
    access_log,
    admin,
    erasures,
    evaluation,
    feed,
    health,
    households,
    integrity,
    log,
    materials,
    quality,
    tiles,
)
from api.state import AppState, install_state
from bootstrap.services import open_services
from bootstrap.settings import Settings
from bootstrap.standby import read_database


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    read_database(settings)  # a read replica that cannot work is refused here, before serving
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_services(settings, checkpointer=True, standby=True) as services:
            services.ledger.on_append.append(state.metrics.events.inc)
            state.services = services
            yield

    # Swagger UI and ReDoc from the package, not a CDN: county intranets reach no CDN.
    app = FastAPIOffline(
        title="Poverty-monitoring audit ledger (防止返贫动态监测)",
        version="1",
        lifespan=lifespan,
        default_response_class=JSONBody,
    )
    state = AppState(
        settings,
        Metrics(lambda: state.services),
        RateLimiter.from_settings(settings),
    )
    install_state(app, state)
    errors.install(app)
    replica.install(app)
    # An upload streams to disk under its own limit; every other body keeps the general one.
    upload_limit = settings.max_material_bytes + materials.MULTIPART_OVERHEAD
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        streamed={materials.router.prefix: upload_limit},
        by_prefix={WEB_PREFIX: FORM_MAX_BYTES},
    )
    app.add_middleware(AuthenticateBeforeBody)  # outside BodySizeLimit: before any read
    app.add_middleware(RequestMetrics, metrics=state.metrics)
    app.add_middleware(RequestLog)
    routers = (households, evaluation, quality, feed, integrity, log, materials, access_log, health)
    for module in routers:
        app.include_router(module.router)
    app.include_router(erasures.router)
    app.include_router(admin.router)
    app.include_router(tiles.router)
    app.include_router(web.router)
    document_served_events(app)
    return app
