"""The composition root: settings in, one typed ``Services`` out — for the app's lifespan,
every CLI command and the tests' fixtures alike. HTTP-only parts (rate limiter, metrics)
stay in ``api/``."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace

from bootstrap.backends import migrate, open_ledger, open_views
from bootstrap.settings import Settings
from bootstrap.standby import ReadSource, Standby, read_database
from ledger import config
from ledger.appending import AppendPipeline
from ledger.application import HouseholdLedger
from ledger.domain.configuration import RulesConfiguration
from ledger.materials import MaterialStore
from ledger.persistence.database import Database
from ledger.persistence.ports import LedgerStores
from ledger.personal import personal_key_for
from ledger.reading import HouseholdReads
from ledger.transparency.badge import Badges
from ledger.transparency.log import TransparencyLog
from ledger.transparency.witnessing import WitnessClient
from projections.runner import ProjectionRunner
from projections.views import ViewTables


class TransparencyNotOpened(RuntimeError):
    """The services were opened without the transparency log."""


@dataclass(frozen=True)
class Services:
    """Everything one process serves from, built once by ``open_services``."""

    settings: Settings
    configuration: RulesConfiguration
    database: Database
    ledger: HouseholdLedger
    appends: AppendPipeline  # the one way events get in (API, import)
    reads: HouseholdReads  # households' states and histories, the feed
    views: ViewTables
    projections: ProjectionRunner
    materials: MaterialStore
    badges: Badges  # the household pages' verdicts (ledger/transparency/badge.py)
    opened_transparency: TransparencyLog | None = None
    standby: Standby | None = None  # the read replica, when the service has one
    witnessing: WitnessClient | None = None  # gathers cosignatures (a checkpointer's)

    @property
    def stores(self) -> LedgerStores:
        """The ledger database's own stores: tokens, keys, materials, logs, sessions."""
        return self.ledger.stores

    @property
    def transparency(self) -> TransparencyLog:
        """The signed Merkle log over the ledger (opened with ``transparency=True``)."""
        if self.opened_transparency is None:
            raise TransparencyNotOpened("open_services(…, transparency=True) opens it")
        return self.opened_transparency

    @property
    def primary(self) -> ReadSource:
        """Where writes go, and reads when no standby serves them."""
        return ReadSource("primary", self.ledger, self.projections, self.transparency, self.reads)


@contextmanager
def open_services(
    settings: Settings,
    *,
    projections: bool | None = None,
    transparency: bool = False,
    checkpointer: bool = False,
    standby: bool = False,
) -> Iterator[Services]:
    """Opens the services ``settings`` describe, and closes them on exit.

    ``projections``: keep the read models current in this process (default: as
    ``LEDGER_PROJECTIONS`` says); ``transparency``: open the transparency log (loading, or
    on a ledger with no checkpoint yet creating, the signing key); ``checkpointer``: also
    sequence and sign recent appends in the background; ``standby``: open the read replica
    of ``LEDGER_READ_DATABASE_URL``. The migrations run first when ``LEDGER_AUTO_MIGRATE``.
    """
    database = Database.from_url(settings.database_url)
    standby_database = read_database(settings) if standby else None
    configuration = config.load(settings.rules_file)  # refused before anything opens
    if settings.auto_migrate:
        migrate(database)
    # A start refused half-way (a key others can read, say) closes what it had opened:
    # a pool left to the garbage collector closes in one of its own threads and fails.
    with ExitStack() as opened:
        ledger = open_ledger(
            database,
            pool_size=settings.pool_size,
            lock_timeout_s=settings.lock_timeout_s,
            personal_key=lambda store: personal_key_for(store, settings.personal_data_key),
        )
        opened.callback(ledger.close)
        views = open_views(ledger)
        runner = ProjectionRunner(ledger, views, configuration)
        opened.callback(runner.stop)
        if settings.projections == "embedded" if projections is None else projections:
            ledger.on_append.append(lambda _: runner.wake.set())
            runner.start()
        log = None
        if transparency or checkpointer or standby_database is not None:
            log = TransparencyLog.open(
                ledger,
                settings.signing_key,
                note_key=settings.note_key,
                origin=settings.log_origin,
                witness_policy=settings.witness_policy,
                witness_interval_s=settings.witness_interval_s,
            )
        witnessing = None
        if checkpointer and log is not None:
            log.start(settings.checkpoint_interval_s)
            opened.callback(log.stop)
            if any(w.url for w in log.policy.witnesses.values()):
                witnessing = WitnessClient(
                    log,
                    interval_s=settings.witness_interval_s,
                    timeout_s=settings.witness_timeout_s,
                )
                witnessing.start(poll_s=settings.checkpoint_interval_s)
                opened.callback(witnessing.stop)
        services = Services(
            settings=settings,
            configuration=configuration,
            database=database,
            ledger=ledger,
            appends=AppendPipeline(
                ledger,
                bounds=settings.input_bounds(),
                refusal=log.guard.refusal if log is not None else None,
            ),
            reads=HouseholdReads(ledger),
            views=views,
            projections=runner,
            materials=MaterialStore(settings.materials_dir, max_bytes=settings.max_material_bytes),
            badges=Badges(),
            opened_transparency=log,
            witnessing=witnessing,
        )
        if standby_database is not None:
            replica = Standby(standby_database, services.primary, pool_size=settings.pool_size)
            opened.callback(replica.close)
            services = replace(services, standby=replica)
        yield services
