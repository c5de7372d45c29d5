"""Builds a service's FastAPI app: middleware, error mapping, auth, ops and audit routes, bus.

Settings, the engine and broker connections are made in the lifespan, never at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData

from shared.auth import TokenVerifier
from shared.db import Database
from shared.http import audit_routes, ops
from shared.http.openapi import install_openapi
from shared.http.problems import Problem, install_problem_handlers
from shared.http.request_id import RequestIdMiddleware
from shared.http.responses import FastJSONResponse
from shared.messaging.bus import ServiceBus
from shared.messaging.consumer import EventHandler
from shared.migrations import upgrade
from shared.observability import MetricsMiddleware, ServiceMetrics, configure_logging
from shared.runtime import Runtime
from shared.settings import ServiceSettings

log = structlog.get_logger("sdo.service")


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
    domain_errors: Mapping[type[Exception], Callable[[Any], Problem]] = field(default_factory=dict)
    openapi_tags: list[dict[str, str]] = field(default_factory=list)
    version: str = "1.0.0"


def _events_section(spec: ServiceSpec) -> str:
    """What the service puts on and takes off the bus, for the readers of its OpenAPI document."""

    def listing(types: Collection[str]) -> str:
        return ", ".join(f"`{t}`" for t in sorted(map(str, types))) or "none"

    return (
        f"\n\n**Events** (CloudEvents 1.0 on the `sdo.events` exchange). Publishes: {listing(spec.publishes)}. "
        f"Consumes: {listing(spec.subscriptions)}."
    )


def build_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> FastAPI:
    metrics = ServiceMetrics(spec.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings or spec.settings_factory()
        configure_logging(cfg.log_level, cfg.log_json)
        if not cfg.amqp_url:
            raise BrokerNotConfigured(f"{spec.name}: SDO_AMQP_URL is not set (amqp://... or memory://)")
        # Configuration errors (a bad key) stop the service before it touches the database.
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
            publishes=frozenset(map(str, spec.publishes)) or None,
        )
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
        )
        app.state.runtime = runtime
        await runtime.bus.start()
        log.info("service_started", service=spec.name, database=db.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            await runtime.bus.stop()
            await db.dispose()
            log.info("service_stopped", service=spec.name)

    app = FastAPI(
        title=spec.title,
        description=spec.description + _events_section(spec),
        version=spec.version,
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        # A trailing slash is a path no operation declares: a 404 problem, not an undocumented 307
        # that a client would follow with its body and credentials.
        redirect_slashes=False,
        openapi_tags=[
            *spec.openapi_tags,
            {"name": "audit", "description": "Hash-chained audit log."},
            {"name": "operations", "description": "Health, readiness and metrics."},
        ],
    )
    install_problem_handlers(app, spec.domain_errors)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(audit_routes.router)
    app.include_router(ops.router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    install_openapi(app)
    return app
