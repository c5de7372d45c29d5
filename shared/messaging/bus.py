"""Wires transport, relay and consumer for one service. Nothing in messaging imports it back.

A service declares what it consumes in a few lines::

    subscriptions = {EventType.ORDER_CONTRACTED: consumers.on_order_contracted}
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

import structlog

from shared.db import Database
from shared.events.envelope import routing_key_for
from shared.messaging.consumer import EventConsumer, EventHandler, UowFactory
from shared.messaging.relay import OutboxRelay
from shared.messaging.transport import Transport, create_transport
from shared.observability import ServiceMetrics

log = structlog.get_logger("sdo.bus")


class ServiceBus:
    def __init__(
        self,
        service: str,
        url: str,
        db: Database,
        metrics: ServiceMetrics,
        subscriptions: Mapping[str, EventHandler],
        uow_factory: UowFactory,
        *,
        batch_size: int = 100,
        poll_seconds: float = 0.5,
        publish_timeout: float = 10.0,
        prefetch: int = 32,
    ) -> None:
        self.service = service
        self.subscriptions = dict(subscriptions)
        self.transport: Transport = create_transport(url, publish_timeout=publish_timeout)
        self.relay = OutboxRelay(db, self.transport, metrics, batch_size=batch_size, poll_seconds=poll_seconds)
        self.consumer = EventConsumer(service, self.subscriptions, uow_factory, metrics)
        self.prefetch = prefetch
        self._starter: asyncio.Task[None] | None = None

    @property
    def routing_keys(self) -> list[str]:
        return sorted({routing_key_for(t) for t in self.subscriptions})

    async def start(self) -> None:
        """Connects in the background: the API answers (and the outbox fills) while the broker is away."""
        self._starter = asyncio.create_task(self._connect_and_run(), name=f"bus-start-{self.service}")

    async def _connect_and_run(self) -> None:
        await self.transport.connect()
        await self.transport.declare(self.service, self.routing_keys)
        if self.subscriptions:
            await self.transport.consume(self.service, self.consumer, prefetch=self.prefetch)
        self.relay.start()
        log.info("bus_started", service=self.service, consumes=self.routing_keys)

    async def wait_started(self, within: float = 30.0) -> None:
        if self._starter:
            await asyncio.wait_for(asyncio.shield(self._starter), within)

    async def stop(self) -> None:
        if self._starter and not self._starter.done():
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starter
        await self.relay.stop()
        await self.transport.close()

    def problem(self) -> str | None:
        if self._starter is None or not self._starter.done():
            return self.transport.problem() or "connecting to the broker"
        if self._starter.exception() is not None:
            return f"bus failed to start: {self._starter.exception()!r}"
        return self.transport.problem()
