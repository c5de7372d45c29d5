"""What a running service holds: settings, engine, verifier, metrics, bus. Built in the lifespan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.auth import TokenVerifier
from shared.commits import CommitSignal, KnownVersions
from shared.db import Database
from shared.http.idempotency import InFlight
from shared.messaging.bus import ServiceBus
from shared.observability import ServiceMetrics
from shared.settings import ServiceSettings
from shared.uow import CommitParticipant, UnitOfWork
from shared.webhooks.dispatcher import WebhookDispatcher


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
    # Wraps the kernel's unit of work with the service's repositories (its ports' adapters).
    service_uow: Callable[[UnitOfWork], Any] = field(default=lambda uow: uow)
    # Sends the service's events to the webhooks subscribed to them (started in the lifespan).
    webhooks: WebhookDispatcher | None = None
    # Signalled after each commit that wrote something: long-polling readers wait on it.
    commits: CommitSignal = field(init=False)
    # The pollers' answers last read, kept coherent by the commit signal: answered without the database.
    known_versions: KnownVersions = field(init=False)

    def __post_init__(self) -> None:
        self.commits = CommitSignal(self.db, self.name)
        self.known_versions = KnownVersions(self.commits, enabled=self.settings.poll_cache)

    def participants(self) -> list[CommitParticipant]:
        """What each unit of work does at commit besides outbox and audit: fresh ones per unit of work."""
        found: list[CommitParticipant] = [self.commits.participant()]
        if self.webhooks is not None:
            found.append(self.webhooks.participant())
        return found

    def uow(self, *, actor: str, correlation_id: str | None = None, causation_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.db,
            source=f"sdo/{self.name}",
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            on_committed=self.bus.relay.wake if self.bus else None,
            publishes=self.publishes,
            participants=self.participants(),
        )
