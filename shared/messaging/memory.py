"""In-process broker for ``memory://``: the same relay, inbox and consumer code, no RabbitMQ.

Valid only when every service runs in one process (``sdo up``): each URL names one broker
shared by the services of the process. It mimics what the suite relies on from RabbitMQ:
topic routing, per-service queues, requeue on reject, dead-lettering once a message has been
returned more than the delivery limit allows (as a quorum queue does), and an "unrouted" list
standing in for the alternate exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.messaging.topology import DELIVERY_LIMIT, dead_letter_queue_name, queue_name
from shared.messaging.transport import Delivery, DeliveryHandler, PublishError, Transport


def _topic_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for word in pattern.split("."):
        parts.append({"*": r"[^.]+", "#": r".*"}.get(word, re.escape(word)))
    return re.compile("^" + r"\.".join(parts) + "$")


@dataclass
class _Message:
    routing_key: str
    body: bytes
    message_id: str
    deliveries: int = 0


@dataclass
class _Queue:
    name: str
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    items: asyncio.Queue[_Message] = field(default_factory=asyncio.Queue)
    dead: list[_Message] = field(default_factory=list)


class MemoryBroker:
    def __init__(self) -> None:
        self.queues: dict[str, _Queue] = {}
        self.unrouted: list[_Message] = []

    def queue(self, name: str) -> _Queue:
        return self.queues.setdefault(name, _Queue(name))

    def route(self, routing_key: str, body: bytes, message_id: str) -> int:
        routed = 0
        for q in self.queues.values():
            if any(p.match(routing_key) for p in q.patterns.values()):
                q.items.put_nowait(_Message(routing_key, body, message_id))
                routed += 1
        if not routed:
            self.unrouted.append(_Message(routing_key, body, message_id))
        return routed


_brokers: dict[str, MemoryBroker] = {}


def broker_for(url: str) -> MemoryBroker:
    return _brokers.setdefault(url, MemoryBroker())


class _MemoryDelivery(Delivery):
    def __init__(self, queue: _Queue, message: _Message) -> None:
        self._queue = queue
        self._message = message
        self.body = message.body
        self.message_id = message.message_id
        self.redelivered = message.deliveries > 1
        self.delivery_count = message.deliveries - 1
        self.settled = False

    async def ack(self) -> None:
        self.settled = True

    async def reject(self, *, requeue: bool) -> None:
        self.settled = True
        # Like a quorum queue: x-delivery-limit counts returns, so a message is handed out 1 + limit times.
        if requeue and self._message.deliveries <= DELIVERY_LIMIT:
            self._queue.items.put_nowait(self._message)
        else:
            self._queue.dead.append(self._message)


class MemoryTransport(Transport):
    def __init__(self, url: str) -> None:
        self.url = url
        self.broker = broker_for(url)
        self._tasks: list[asyncio.Task[None]] = []

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        q = self.broker.queue(queue_name(service))
        for key in routing_keys:
            q.patterns[key] = _topic_regex(key)
        self.broker.queue(dead_letter_queue_name(service))

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        self.broker.route(routing_key, body, message_id)

    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        q = self.broker.queue(queue_name(service))
        self._tasks.append(asyncio.create_task(self._deliver(q, handler), name=f"memory-consumer-{service}"))

    async def _deliver(self, q: _Queue, handler: DeliveryHandler) -> None:
        while True:
            message = await q.items.get()
            message.deliveries += 1
            delivery = _MemoryDelivery(q, message)
            try:
                await handler(delivery)
            except asyncio.CancelledError:
                # Stopped mid-message: give it back, as the broker does when a channel closes.
                if not delivery.settled:
                    message.deliveries -= 1
                    q.items.put_nowait(message)
                raise
            except Exception:  # the consumer settles every message itself; this is a last resort
                if not delivery.settled:
                    await delivery.reject(requeue=True)

    def problem(self) -> str | None:
        return None

    def dead_letters(self, service: str) -> list[bytes]:
        return [m.body for m in self.broker.queue(queue_name(service)).dead]


__all__ = ["MemoryBroker", "MemoryTransport", "PublishError", "broker_for"]
