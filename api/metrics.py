"""Prometheus metrics, served at ``GET /metrics`` from the app's own registry (tests start
many apps in one process: the global default registry would count them together).

Requests are counted and timed by method, route template and status — never the raw path,
so the label values stay few whatever paths callers try. The ledger's positions (the log's
head, the read models', the newest signed checkpoint) are read from the database when
scraped; while the database is away a scrape still answers, with ``ledger_database_up 0``.
README.md, "Metrics", lists them.
"""

import time
from collections.abc import Callable, Iterator
from datetime import datetime

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import route_of
from bootstrap.services import Services
from ledger.transparency.witnessing import WitnessClient

APPEND_ROUTE = "/v1/households/{household_id}/events"
UNMATCHED = "unmatched"
"""The route label of every request no route matched (unknown paths share it)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OUTCOMES = ("appended", "replayed", "conflict", "refused", "failed")

log = structlog.get_logger("ledger.metrics")


class Metrics:
    """One app's registry: its requests, its appends, and the ledger's positions."""

    def __init__(self, services: Callable[[], Services | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ledger_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "ledger_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.appends = Counter(
            "ledger_append_requests",
            "Append requests by outcome: appended, replayed (an "
            "idempotent retry), conflict (409), refused (other 4xx), failed (5xx).",
            ["outcome"],
            registry=self.registry,
        )
        self.events = Counter(
            "ledger_events_appended",
            "Events this process stored (every append and import it wrote).",
            registry=self.registry,
        )
        for outcome in OUTCOMES:
            self.appends.labels(outcome)
        self.registry.register(LedgerCollector(services))

    def observe(self, scope: Scope, status: int, seconds: float, replayed: bool) -> None:
        route = route_of(scope) or UNMATCHED
        method = scope["method"] if scope["method"] in METHODS else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)
        if (method, route) == ("POST", APPEND_ROUTE):
            self.appends.labels(_outcome(status, replayed)).inc()


def _outcome(status: int, replayed: bool) -> str:
    if status == 201:
        return "replayed" if replayed else "appended"
    if status == 409:
        return "conflict"
    return "refused" if 400 <= status < 500 else "failed"


class RequestMetrics:
    """Counts and times every request, and append requests by outcome."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, replayed = time.perf_counter(), 500, False

        async def observe(message: Message) -> None:
            nonlocal status, replayed
            if message["type"] == "http.response.start":
                status = message["status"]
                replayed = (b"idempotent-replayed", b"true") in message.get("headers", [])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self.metrics.observe(scope, status, time.perf_counter() - started, replayed)


class LedgerCollector(Collector):
    """The ledger's positions, read from the primary database at each scrape."""

    def __init__(self, services: Callable[[], Services | None]) -> None:
        self.services = services  # the app's, once it has started

    def collect(self) -> Iterator[Metric]:
        services = self.services()
        runner = services.projections if services is not None else None
        if runner is not None:
            yield _gauge(
                "ledger_projections_failed",
                "1 while the projection runner fails "
                "on an error that is not one household's (/readyz says where), "
                "else 0.",
                int(runner.failed),
            )
        if services is not None and services.witnessing is not None:
            yield from _witnessing(services.witnessing)
        log_opened = services.opened_transparency if services is not None else None
        if log_opened is not None:
            yield _gauge(
                "ledger_log_fork",
                "1 while the fork guard stops the log: the database is behind or disagrees "
                "with what the log signed or a witness cosigned (/readyz says which), else 0.",
                int(log_opened.guard.tripped),
            )
        try:
            if services is None:
                raise RuntimeError("the app has not started")
            head = services.ledger.recorder.max_notification_id() or 0
            projected = services.projections.position()
            parked = services.views.parked_count()
            tables = services.transparency.tables
            leaves, _ = tables.size()
            checkpoint = tables.latest_checkpoint()
            published = services.transparency.publication.current()
        except Exception as error:  # the database away, in any driver's words: say so
            log.warning("metrics_database_unavailable", error=type(error).__name__)
            yield _gauge(
                "ledger_database_up", "1 if the primary database answered this scrape, else 0.", 0
            )
            return
        yield _gauge(
            "ledger_database_up", "1 if the primary database answered this scrape, else 0.", 1
        )
        yield _gauge(
            "ledger_log_head_position",
            "Log position (notification id) of the newest stored event.",
            head,
        )
        yield _gauge("ledger_projection_position", "Log position the read models cover.", projected)
        yield _gauge(
            "ledger_projection_lag_events",
            "Log positions between the log's head and the read models' position (0: caught up).",
            max(0, head - projected),
        )
        yield _gauge(
            "ledger_projections_parked",
            "Households whose rules raise, parked with "
            "their last good rows (GET /v1/admin/parked lists them).",
            parked,
        )
        yield _gauge(
            "ledger_transparency_log_leaves", "Events sequenced into the Merkle log.", leaves
        )
        if checkpoint is not None:
            signed = datetime.fromisoformat(checkpoint.timestamp).timestamp()
            yield _gauge(
                "ledger_checkpoint_tree_size",
                "Events covered by the newest signed checkpoint.",
                checkpoint.tree_size,
            )
            yield _gauge(
                "ledger_checkpoint_timestamp_seconds",
                "Unix time the newest checkpoint was signed.",
                signed,
            )
            yield _gauge(
                "ledger_checkpoint_age_seconds",
                "Seconds since the newest checkpoint was signed.",
                max(0.0, time.time() - signed),
            )
        if published is not None:
            yield _gauge(
                "ledger_checkpoint_published_tree_size",
                "Events covered by the checkpoint /log/checkpoint serves (the newest that "
                "meets the witness policy's quorum).",
                published.note.tree_size,
            )


def _witnessing(client: WitnessClient) -> Iterator[Metric]:
    """What this process knows of each witness (its own submissions, no database read)."""
    sizes = GaugeMetricFamily(
        "ledger_witness_cosigned_tree_size",
        "The largest tree each witness cosigned, as far as this process knows.",
        labels=["witness"],
    )
    failures = CounterMetricFamily(
        "ledger_witness_submission_failures",
        "Submissions to each witness that gathered no valid cosignature.",
        labels=["witness"],
    )
    disagreeing = GaugeMetricFamily(
        "ledger_witness_disagrees",
        "1 while a witness's last answer contradicted the database (a larger tree, or a "
        "proof it refused), else 0.",
        labels=["witness"],
    )
    disagreements = {fact.witness for fact in client.disagreements()}
    for witness, size in client.witness_sizes().items():
        sizes.add_metric([witness], size)
        disagreeing.add_metric([witness], int(witness in disagreements))
    for witness, count in client.failures().items():
        failures.add_metric([witness], count)
    yield from (sizes, failures, disagreeing)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
