"""Builds a service's FastAPI app: middleware, error mapping, auth, ops and audit routes, bus.

Settings, the engine and broker connections are made in the lifespan, never at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from shared.auth import TokenVerifier, check_signing_key
from shared.db import Database
from shared.http import audit_routes, ops
from shared.http.docs import TAG as DOCS_TAG
from shared.http.docs import install_docs
from shared.http.edge import install_edge
from shared.http.hot import install_hot_paths
from shared.http.openapi import install_openapi
from shared.http.problems import install_problem_handlers
from shared.http.request_id import RequestIdMiddleware
from shared.http.responses import FastJSONResponse
from shared.i18n import LanguageMiddleware
from shared.messaging.bus import ServiceBus
from shared.messaging.checkpoints import KERNEL_SUBSCRIPTIONS
from shared.messaging.consumer import EventHandler
from shared.messaging.ownership import CHECKPOINT
from shared.migrations import upgrade
from shared.observability import MetricsMiddleware, ServiceMetrics, configure_logging
from shared.runtime import Runtime
from shared.settings import ServiceSettings
from shared.telemetry import probes, tracing
from shared.uow import UnitOfWork
from shared.webhooks import routes as webhook_routes
from shared.webhooks.dispatcher import WebhookDispatcher
from shared.webhooks.settings import WebhookSettings

log = structlog.get_logger("sdo.service")


class Background(Protocol):
    """A service's own periodic work (lapsing suspensions, overdue loans)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class BrokerNotConfigured(RuntimeError):
    pass


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    settings_factory: Callable[[], ServiceSettings]
    metadata: MetaData
    migrations: Path
    routers: list[APIRouter]
    subscriptions: Mapping[str, EventHandler] = field(default_factory=dict)
    # The event types the service publishes; emitting any other is a programming error.
    publishes: Collection[str] = ()
    # The service's own background tasks, by name: each made from the running service, started after
    # the bus and stopped before it; ``app.state.<name>`` holds it (tests wake or inspect it there).
    background: Mapping[str, Callable[[Runtime], Background]] = field(default_factory=dict)
    # The service's unit of work around the kernel's: ``lambda uow: OrdersUnitOfWork(uow)``.
    unit_of_work: Callable[[UnitOfWork], Any] = field(default=lambda uow: uow)
    openapi_tags: list[dict[str, str]] = field(default_factory=list)
    version: str = "1.0.0"
    # What /metrics counts its resources by status from (sdo_resources_by_status): the status column
    # (``metadata.tables["orders"].c.status``) or ``async (conn) -> {status: count}``; at scrape time.
    status_gauges: probes.StatusGauges | None = None


def _events_section(spec: ServiceSpec) -> str:
    """What the service puts on and takes off the bus, for the readers of its OpenAPI document."""

    def listing(types: Collection[str]) -> str:
        return ", ".join(f"`{t}`" for t in sorted(map(str, types))) or "none"

    return (
        f"\n\n**Events** (CloudEvents 1.0 on the `sdo.events` exchange). Publishes: {listing(spec.publishes)}. "
        f"Consumes: {listing(spec.subscriptions)}."
    )


def _with_kernel_events(spec: ServiceSpec) -> ServiceSpec:
    """The spec as the documents show it: with the events the kernel publishes and keeps for every service."""
    return replace(
        spec,
        subscriptions={**KERNEL_SUBSCRIPTIONS, **spec.subscriptions},
        publishes=sorted({*map(str, spec.publishes), CHECKPOINT}),
    )


def build_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    metrics = ServiceMetrics(spec.name)
    documented = _with_kernel_events(spec)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings or spec.settings_factory()
        configure_logging(cfg.log_level, cfg.log_json)
        if not cfg.amqp_url:
            raise BrokerNotConfigured(f"{spec.name}: SDO_AMQP_URL is not set (amqp://... or memory://)")
        # Configuration errors (a bad key) stop the service before it touches the database.
        check_signing_key(cfg)
        tracing.processor_factory()  # an unknown SDO_OTEL_EXPORTER stops the service here too
        webhook_settings = WebhookSettings()
        verifier = TokenVerifier(
            secret=cfg.resolved_jwt_secret(),
            public_key=cfg.jwt_public_key,
            issuer=cfg.jwt_issuer,
            audience=cfg.jwt_audience,
        )
        db = Database(cfg.resolved_database_url())
        try:
            await upgrade(db, spec.migrations)
        except BaseException:
            await db.dispose()
            raise
        runtime = Runtime(
            name=spec.name,
            settings=cfg,
            db=db,
            verifier=verifier,
            metrics=metrics,
            # Every service also publishes its audit checkpoints (shared.messaging.checkpoints).
            publishes=frozenset({*map(str, spec.publishes), CHECKPOINT}) if spec.publishes else None,
            service_uow=spec.unit_of_work,
        )
        runtime.webhooks = WebhookDispatcher(db, webhook_settings, metrics, service=spec.name, dev_mode=cfg.dev_mode)
        runtime.bus = ServiceBus(
            spec.name,
            cfg.amqp_url,
            db,
            metrics,
            spec.subscriptions,
            runtime.uow,
            batch_size=cfg.relay_batch_size,
            poll_seconds=cfg.relay_poll_seconds,
            publish_timeout=cfg.relay_publish_timeout,
            prefetch=cfg.consumer_prefetch,
            service_uow=spec.unit_of_work,
            publishers=cfg.publisher_users() or None,
            checkpoint_seconds=cfg.audit_checkpoint_seconds,
        )
        app.state.runtime = runtime
        tracing.start(spec.name)
        probes.install(metrics, db, runtime.bus.transport, spec.name, spec.status_gauges)
        await runtime.bus.start()
        # Every commit of the service, this process's or another replica's (LISTEN on PostgreSQL),
        # wakes the relay: events go out at once whoever committed them.
        runtime.commits.on_commit(runtime.bus.relay.wake)
        runtime.commits.start_listening()
        runtime.webhooks.start()
        tasks = {name: make(runtime) for name, make in spec.background.items()}
        for name, task in tasks.items():
            setattr(app.state, name, task)
            task.start()
        log.info("service_started", service=spec.name, database=db.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            for task in tasks.values():
                await task.stop()
            await runtime.webhooks.stop()
            await runtime.commits.stop()
            await runtime.bus.stop()
            await db.dispose()
            tracing.stop(spec.name)
            log.info("service_stopped", service=spec.name)

    app = FastAPI(
        title=spec.title,
        description=spec.description + _events_section(documented),
        version=spec.version,
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        # A trailing slash is a path no operation declares: a 404 problem, not an undocumented 307
        # that a client would follow with its body and credentials.
        redirect_slashes=False,
        # Swagger UI and ReDoc are served from the service's own files (shared.http.docs), not a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            *spec.openapi_tags,
            {"name": "audit", "description": "Hash-chained audit log."},
            {"name": "webhooks", "description": "The service's events POSTed to subscribed systems, signed."},
            {"name": "operations", "description": "Health, readiness and metrics."},
            DOCS_TAG,
        ],
    )
    # The composition root (``sdo docs``) reads each service's declaration from its app.
    app.state.service_spec = documented
    install_problem_handlers(app)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(audit_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(ops.router)
    install_docs(app, documented)
    install_edge(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(tracing.TracingMiddleware, service=spec.name)
    install_openapi(app)
    # Last, so it stands in front of everything: the pollers' plain requests skip the stack.
    install_hot_paths(app, metrics)
    return app
