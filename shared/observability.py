"""Logging, Prometheus metrics, and the operator endpoints /healthz, /readyz, /metrics."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.routes import RouteTemplates


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
        self.events_consumed = Counter(
            "sdo_events_consumed_total",
            "Events received, by outcome (applied, duplicate, ignored, malformed, retried).",
            ["type", "outcome"],
            registry=r,
        )
        self.consumer_waiting_for_database = Gauge(
            "sdo_consumer_waiting_for_database", "Messages held because the database does not answer.", registry=r
        )
        self.service = service

    def render(self) -> bytes:
        return generate_latest(self.registry)


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
