"""The consumer: validate, claim in the inbox, apply, commit, and only then ack."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from pydantic import ValidationError

from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.events.payloads import Payload, payload_model
from shared.messaging import inbox, ownership
from shared.messaging.topology import DELIVERY_LIMIT
from shared.messaging.transport import Delivery
from shared.observability import ServiceMetrics
from shared.telemetry import tracing
from shared.uow import UnitOfWork

log = structlog.get_logger("sdo.consumer")

# A handler gets the service's unit of work: the kernel's, wrapped with the service's repositories.
EventHandler = Callable[[CloudEvent, Any, Any], Awaitable[None]]
UowFactory = Callable[..., UnitOfWork]

# A failed message waits a little before it goes back, growing with each delivery, so a short
# outage of the database does not burn through the delivery limit in a few milliseconds.
RETRY_DELAY_BASE = 0.05
RETRY_DELAY_MAX = 1.0
DATABASE_PING_TIMEOUT = 2.0
DATABASE_RETRY_SECONDS = 1.0


class EventConsumer:
    def __init__(
        self,
        service: str,
        handlers: Mapping[str, EventHandler],
        uow_factory: UowFactory,
        metrics: ServiceMetrics,
        database: Database | None = None,
        service_uow: Callable[[UnitOfWork], Any] = lambda uow: uow,
        *,
        kernel_handlers: Mapping[str, EventHandler] | None = None,
        publishers: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.service_uow = service_uow
        self.handlers = dict(handlers)
        # The kernel's own subscriptions (audit checkpoints) get the kernel's unit of work.
        self.kernel_handlers = dict(kernel_handlers or {})
        # Service -> broker user, where the transport carries a verified user_id (ownership.refusal).
        self.publishers = publishers
        self.uow_factory = uow_factory
        self.metrics = metrics
        self.database = database

    async def __call__(self, delivery: Delivery) -> None:
        # Traced: a process span whose parent is the context the event was emitted in (its traceparent).
        with tracing.consuming(self.service, delivery.body):
            await self._consume(delivery)

    async def _consume(self, delivery: Delivery) -> None:
        try:
            event = CloudEvent.from_bytes(delivery.body)
            payload: Payload = payload_model(event.type).model_validate(event.data)
        except (ValidationError, ValueError) as exc:
            # Retrying cannot fix a malformed message: straight to the dead-letter queue.
            log.error("malformed_event", message_id=delivery.message_id, error=str(exc)[:500])
            self.metrics.events_consumed.labels("unknown", "malformed").inc()
            await self._settle(delivery, ack=False, requeue=False)
            return
        forged = ownership.refusal(
            event.source, event.type, event.data, user_id=delivery.user_id, publishers=self.publishers
        )
        if forged is not None:
            # Only the owner publishes its events: not applied, not retried, kept in the DLQ for operators.
            log.error("forged_event_dead_lettered", event_id=str(event.id), event_type=event.type, reason=forged)
            self.metrics.events_consumed.labels(event.type, "forged").inc()
            await self._settle(delivery, ack=False, requeue=False)
            return
        kernel = event.type in self.kernel_handlers
        handler = self.kernel_handlers.get(event.type) or self.handlers.get(event.type)
        if handler is None:
            self.metrics.events_consumed.labels(event.type, "ignored").inc()
            await self._settle(delivery, ack=True)
            return
        bound = log.bind(event_id=str(event.id), event_type=event.type, correlation_id=event.correlationid)
        try:
            async with self.uow_factory(
                actor=f"event:{event.type}", correlation_id=event.correlationid, causation_id=str(event.id)
            ) as uow:
                first_time = await inbox.claim(uow.session, self.service, str(event.id), event.type)
                if first_time:
                    await handler(event, payload, uow if kernel else self.service_uow(uow))
                await uow.commit()
        except Exception as exc:
            # Requeued; the queue's delivery limit moves a message that keeps failing to the DLQ.
            bound.warning("event_handler_failed", error=repr(exc)[:500], deliveries=delivery.delivery_count + 1)
            if delivery.delivery_count + 1 >= DELIVERY_LIMIT and await self._database_answers():
                # The contract's count: a message that fails 5 times goes to the DLQ. The queue's own
                # x-delivery-limit stays as the backstop for deliveries that are never settled.
                bound.error("event_dead_lettered", deliveries=delivery.delivery_count + 1)
                self.metrics.events_consumed.labels(event.type, "dead_lettered").inc()
                await self._settle(delivery, ack=False, requeue=False)
                return
            self.metrics.events_consumed.labels(event.type, "retried").inc()
            if not await self._database_answers():
                # Not the message's fault: hold it until the database is back, so an outage does not
                # spend its delivery limit and send good messages to the dead-letter queue.
                await self._wait_for_database(bound)
            else:
                await asyncio.sleep(min(RETRY_DELAY_BASE * 2**delivery.delivery_count, RETRY_DELAY_MAX))
            await self._settle(delivery, ack=False, requeue=True)
            return
        self.metrics.events_consumed.labels(event.type, "applied" if first_time else "duplicate").inc()
        await self._settle(delivery, ack=True)

    async def _database_answers(self) -> bool:
        if self.database is None:
            return True
        try:
            async with asyncio.timeout(DATABASE_PING_TIMEOUT):
                await self.database.ping()
        except Exception:
            return False
        return True

    async def _wait_for_database(self, bound: structlog.typing.FilteringBoundLogger) -> None:
        bound.warning("database_unreachable_holding_message")
        self.metrics.consumer_waiting_for_database.inc()
        try:
            while True:
                await asyncio.sleep(DATABASE_RETRY_SECONDS)
                if await self._database_answers():
                    break
        finally:
            self.metrics.consumer_waiting_for_database.dec()
        bound.info("database_back_requeueing_message")

    @staticmethod
    async def _settle(delivery: Delivery, *, ack: bool, requeue: bool = False) -> None:
        try:
            if ack:
                await delivery.ack()
            else:
                await delivery.reject(requeue=requeue)
        except Exception as exc:
            # The channel closed under us: the broker redelivers, and the inbox skips what was applied.
            log.warning("settle_failed", message_id=delivery.message_id, error=repr(exc))
