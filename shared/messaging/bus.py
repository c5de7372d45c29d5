"""Wires transport, relay and consumer for one service. Nothing in messaging imports it back.

A service declares what it consumes in a few lines::

    subscriptions = {EventType.ORDER_CONTRACTED: consumers.on_order_contracted}

What it publishes needs no declaration: ``uow.emit(EventType.X, subject, payload)`` in a handler.

Every service also keeps the others' audit checkpoints (a kernel subscription, handled with the
kernel's unit of work) and publishes its own (``checkpoints.CheckpointPublisher``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from shared.db import Database
from shared.events.envelope import routing_key_for
from shared.messaging.checkpoints import KERNEL_SUBSCRIPTIONS, CheckpointPublisher
from shared.messaging.consumer import EventConsumer, EventHandler, UowFactory
from shared.messaging.relay import OutboxRelay
from shared.messaging.transport import Transport, create_transport
from shared.observability import ServiceMetrics
from shared.uow import UnitOfWork

log = structlog.get_logger("sdo.bus")

MAX_START_BACKOFF = 30.0


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
        service_uow: Callable[[UnitOfWork], Any] = lambda uow: uow,
        publishers: Mapping[str, str] | None = None,
        checkpoint_seconds: float = 60.0,
    ) -> None:
        self.service = service
        self.subscriptions = dict(subscriptions)
        self.kernel_subscriptions: dict[str, EventHandler] = dict(KERNEL_SUBSCRIPTIONS)
        self.transport: Transport = create_transport(url, publish_timeout=publish_timeout, name=service)
        self.relay = OutboxRelay(db, self.transport, metrics, batch_size=batch_size, poll_seconds=poll_seconds)
        if publishers and not self.transport.carries_user_id:
            log.info("bus_publishers_not_checked", service=service, reason="this transport carries no user_id")
        self.consumer = EventConsumer(
            service,
            self.subscriptions,
            uow_factory,
            metrics,
            database=db,
            service_uow=service_uow,
            kernel_handlers=self.kernel_subscriptions,
            # The broker users are checked only where the broker vouches for them.
            publishers=publishers if publishers and self.transport.carries_user_id else None,
        )
        self.checkpoints = CheckpointPublisher(service, uow_factory, interval=checkpoint_seconds)
        self.prefetch = prefetch
        self._starter: asyncio.Task[None] | None = None
        self._start_error: str | None = None
        self.transport.on_reconnected(self.relay.resume)

    @property
    def routing_keys(self) -> list[str]:
        return sorted({routing_key_for(t) for t in [*self.subscriptions, *self.kernel_subscriptions]})

    async def start(self) -> None:
        """Connects in the background: the API answers (and the outbox fills) while the broker is away.

        The relay runs from the start, so the backlog gauges are live even before the first connection.
        """
        self.relay.start()
        self.checkpoints.start()
        self._starter = asyncio.create_task(self._connect_and_run(), name=f"bus-start-{self.service}")

    async def _connect_and_run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self.transport.connect()
                await self.transport.declare(self.service, self.routing_keys)
                if self.subscriptions or self.kernel_subscriptions:
                    await self.transport.consume(self.service, self.consumer, prefetch=self.prefetch)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # E.g. a queue declared earlier with other arguments (PRECONDITION_FAILED): report, retry.
                self._start_error = f"bus failed to start: {exc!r}"
                log.error("bus_start_failed", service=self.service, error=repr(exc), retry_in=backoff)
                await self.transport.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_START_BACKOFF)
        self._start_error = None
        self.relay.resume()
        log.info("bus_started", service=self.service, consumes=self.routing_keys)

    async def wait_started(self, within: float = 30.0) -> None:
        if self._starter:
            await asyncio.wait_for(asyncio.shield(self._starter), within)

    async def stop(self) -> None:
        if self._starter and not self._starter.done():
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starter
        await self.checkpoints.stop()
        await self.relay.stop()
        await self.transport.close()

    def problem(self) -> str | None:
        if self._start_error is not None:
            return self._start_error
        if self._starter is None or not self._starter.done():
            return self.transport.problem() or "connecting to the broker"
        return self.transport.problem()
