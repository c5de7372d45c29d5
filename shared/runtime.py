"""What a running service holds: settings, engine, verifier, metrics, bus. Built in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.auth import TokenVerifier
from shared.db import Database
from shared.http.idempotency import InFlight
from shared.messaging.bus import ServiceBus
from shared.observability import ServiceMetrics
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork


@dataclass
class Runtime:
    name: str
    settings: ServiceSettings
    db: Database
    verifier: TokenVerifier
    metrics: ServiceMetrics
    bus: ServiceBus | None = None
    inflight: InFlight = field(default_factory=InFlight)
    publishes: frozenset[str] | None = None

    def uow(self, *, actor: str, correlation_id: str | None = None, causation_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.db,
            source=f"sdo/{self.name}",
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            on_committed=self.bus.relay.wake if self.bus else None,
            publishes=self.publishes,
        )
