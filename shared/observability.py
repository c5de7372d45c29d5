"""Logging and Prometheus metrics: one registry per service, served at /metrics.

Operators' questions and the figures that answer them (``deploy/grafana/sdo.json`` charts each):
requests and latency per route; resources by status; the outbox backlog and the age of its oldest
unsent row; events published, consumed (by outcome), failed, dead-lettered and skipped as inbox
duplicates, per type; the depths of the service's queue and dead-letter queue on the broker.
Figures that cost a query (by status, queue depths) are probes, run when /metrics is scraped and
cached for a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.routes import RouteTemplates
from shared.telemetry import tracing

log = structlog.get_logger("sdo.metrics")

# A probe (a database count, a broker look-up) runs at most this often, however often /metrics is scraped.
PROBE_CACHE_SECONDS = 5.0
# ... and a probe that hangs (a broker that accepts and never answers) does not hang the scrape.
PROBE_TIMEOUT_SECONDS = 2.0

# The consumer's outcomes (sdo_events_consumed_total) and the plain counters they also count in.
FAILED_OUTCOMES = frozenset({"retried", "dead_lettered"})
DEAD_LETTERED_OUTCOMES = frozenset({"dead_lettered", "malformed", "forged"})
DUPLICATE_OUTCOMES = frozenset({"duplicate"})


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


class ServiceMetrics:
    """One registry per service, so three services in one process keep their figures apart."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "sdo_http_requests_total", "HTTP requests by route and status.", ["method", "route", "status"], registry=r
        )
        self.http_latency = Histogram(
            "sdo_http_request_duration_seconds",
            "HTTP request latency by route and status.",
            ["method", "route", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.outbox_backlog = Gauge("sdo_outbox_backlog", "Outbox rows not yet confirmed by the broker.", registry=r)
        self.outbox_oldest_age = Gauge(
            "sdo_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row.", registry=r
        )
        self.events_published = Counter(
            "sdo_events_published_total", "Events confirmed by the broker.", ["routing_key"], registry=r
        )
        self.publish_failures = Counter("sdo_events_publish_failures_total", "Failed publish attempts.", registry=r)
        self.events_failed = Counter(
            "sdo_events_failed_total",
            "Deliveries whose handler failed (then retried, or dead-lettered past the delivery limit), by type.",
            ["type"],
            registry=r,
        )
        self.events_dead_lettered = Counter(
            "sdo_events_dead_lettered_total",
            "Events sent to the dead-letter queue (malformed, forged, or failing past the delivery limit), by type.",
            ["type"],
            registry=r,
        )
        self.inbox_duplicates = Counter(
            "sdo_inbox_duplicates_total",
            "Redelivered events the inbox had applied before, acknowledged and skipped, by type.",
            ["type"],
            registry=r,
        )
        self.events_consumed = _ConsumedCounter(
            Counter(
                "sdo_events_consumed_total",
                "Events received, by outcome (applied, duplicate, ignored, malformed, forged, retried, dead_lettered).",
                ["type", "outcome"],
                registry=r,
            ),
            self,
        )
        self.consumer_waiting_for_database = Gauge(
            "sdo_consumer_waiting_for_database", "Messages held because the database does not answer.", registry=r
        )
        self.queue_depth = Gauge(
            "sdo_queue_depth", "Messages ready in the service's queue on the broker.", ["queue"], registry=r
        )
        self.dlq_depth = Gauge(
            "sdo_dlq_depth", "Messages in the service's dead-letter queue on the broker.", ["queue"], registry=r
        )
        self.resources_by_status = Gauge(
            "sdo_resources_by_status",
            "The service's resources (orders in the orders service) by status, where the service declares them.",
            ["status"],
            registry=r,
        )
        self.probe_failures = Counter(
            "sdo_metrics_probe_failures_total", "Scrape-time probes that failed or timed out.", ["probe"], registry=r
        )
        self.service = service
        self.probes: list[Probe] = []

    def add_probe(self, name: str, run: Callable[[], Awaitable[None]], *, every: float = PROBE_CACHE_SECONDS) -> None:
        """Run ``run`` (which sets gauges) when /metrics is scraped, at most once every ``every`` seconds."""
        self.probes.append(Probe(name, run, every))

    async def refresh(self) -> None:
        """Bring the probed gauges up to date (each from its cache when fresh enough)."""
        due = [probe for probe in self.probes if probe.due()]
        if due:
            await asyncio.gather(*(self._run(probe) for probe in due))

    async def _run(self, probe: Probe) -> None:
        probe.running = True
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                await probe.run()
        except Exception as exc:  # the database or the broker may be what is down: /metrics still answers
            self.probe_failures.labels(probe.name).inc()
            log.warning("metrics_probe_failed", probe=probe.name, error=repr(exc)[:300])
        finally:
            probe.running = False
            probe.last = time.monotonic()

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclass
class Probe:
    name: str
    run: Callable[[], Awaitable[None]]
    every: float
    last: float | None = None
    running: bool = field(default=False)

    def due(self) -> bool:
        return not self.running and (self.last is None or time.monotonic() - self.last >= self.every)


class _ConsumedCounter:
    """``sdo_events_consumed_total{type, outcome}``, also counting each outcome in the plain counters
    operators chart (failed, dead-lettered, inbox duplicates) and on the consumer's span."""

    def __init__(self, counter: Counter, metrics: ServiceMetrics) -> None:
        self.counter = counter
        self.metrics = metrics

    def labels(self, event_type: str, outcome: str) -> _ConsumedOutcome:
        return _ConsumedOutcome(self, event_type, outcome)


class _ConsumedOutcome:
    def __init__(self, parent: _ConsumedCounter, event_type: str, outcome: str) -> None:
        self.parent, self.event_type, self.outcome = parent, event_type, outcome

    def inc(self, amount: float = 1) -> None:
        metrics, event_type, outcome = self.parent.metrics, self.event_type, self.outcome
        self.parent.counter.labels(event_type, outcome).inc(amount)
        if outcome in FAILED_OUTCOMES:
            metrics.events_failed.labels(event_type).inc(amount)
        if outcome in DEAD_LETTERED_OUTCOMES:
            metrics.events_dead_lettered.labels(event_type).inc(amount)
        if outcome in DUPLICATE_OUTCOMES:
            metrics.inbox_duplicates.labels(event_type).inc(amount)
        tracing.annotate("sdo.consumer.outcome", outcome)


METRICS_CONTENT_TYPE = CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Counts and times every request by its route template, not its raw path."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/metrics" and self.metrics.probes:
            # Scrape time: the probed figures (by status, queue depths) are brought up to date first.
            await self.metrics.refresh()
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            # The served template (included routers' prefixes applied); "unmatched" keeps 404s bounded.
            template = self.templates.template(scope) or "unmatched"
            method = scope["method"]
            self.metrics.http_requests.labels(method, template, str(status)).inc()
            self.metrics.http_latency.labels(method, template, str(status)).observe(time.perf_counter() - start)
