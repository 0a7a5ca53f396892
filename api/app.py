"""The composition root: settings → database → ledger → FastAPI app."""

from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import errors, replica, web
from api.gate import FORM_MAX_BYTES, WEB_PREFIX, AuthenticateBeforeBody
from api.limits import BodySizeLimit
from api.metrics import Metrics, RequestMetrics
from api.observability import RequestLog, configure_logging
from api.responses import JSONBody
from api.routes import access_log, admin, evaluation, feed, health, households, integrity, materials
from api.settings import Settings
from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.materials import MaterialStore
from ledger.persistence.database import Database
from ledger.persistence.migrate import migrate
from ledger.transparency.badge import Badges
from ledger.transparency.log import TransparencyLog
from projections import open_views
from projections.runner import ProjectionRunner


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = Database.from_url(settings.database_url)
    standby_database = replica.read_database(settings)  # refused here, before serving
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configuration = config.load(settings.rules_file)  # refused before anything opens
        if settings.auto_migrate:
            migrate(database)
        # A start refused half-way (a key others can read, say) closes what it had opened:
        # a pool left to the garbage collector closes in one of its own threads and fails.
        with ExitStack() as opened:
            ledger = HouseholdLedger(
                database.eventsourcing_env(
                    pool_size=settings.pool_size, lock_timeout_s=settings.lock_timeout_s
                )
            )
            opened.callback(ledger.close)
            app.state.appends = AppendPipeline(ledger, bounds=settings.input_bounds())
            runner = ProjectionRunner(ledger, open_views(ledger), configuration)
            opened.callback(runner.stop)
            ledger.on_append.append(app.state.metrics.events.inc)
            if settings.projections == "embedded":
                ledger.on_append.append(lambda _: runner.wake.set())
                runner.start()
            transparency = TransparencyLog.open(ledger, settings.signing_key)
            transparency.start(settings.checkpoint_interval_s)
            opened.callback(transparency.stop)
            app.state.ledger, app.state.projections = ledger, runner
            app.state.transparency = transparency
            # Where reads go: the standby when configured and caught up (api/replica.py).
            app.state.primary = replica.ReadSource("primary", ledger, runner, transparency)
            app.state.standby = (
                None
                if standby_database is None
                else replica.Standby(standby_database, app.state.primary, settings)
            )
            if app.state.standby is not None:
                opened.callback(app.state.standby.close)
            app.state.materials = MaterialStore(
                settings.materials_dir, max_bytes=settings.max_material_bytes
            )
            app.state.configuration, app.state.settings = configuration, settings
            yield

    # Swagger UI and ReDoc from the package, not a CDN: county intranets reach no CDN.
    app = FastAPIOffline(
        title="Poverty-monitoring audit ledger (防止返贫动态监测)",
        version="1",
        lifespan=lifespan,
        default_response_class=JSONBody,
    )
    app.state.metrics = Metrics(app.state)  # the app's own registry, read at GET /metrics
    app.state.badges = Badges()  # the household pages' verdicts (ledger/transparency/badge.py)
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
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(RequestLog)
    for module in (households, evaluation, feed, integrity, materials, access_log, health):
        app.include_router(module.router)
    app.include_router(admin.router)
    app.include_router(web.router)
    return app
