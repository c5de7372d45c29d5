"""The one small interface the outbox relay and the consumer talk to.

Two implementations: ``rabbitmq.py`` (``amqp://``) and ``memory.py`` (``memory://``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any


class PublishError(Exception):
    """The broker did not confirm a message (nack, unroutable, timeout or no connection)."""


class Delivery(ABC):
    body: bytes
    message_id: str | None
    redelivered: bool
    # How many times the broker handed this message out before (0 on the first delivery).
    delivery_count: int = 0
    # The AMQP user_id property: the broker user that published it, verified by RabbitMQ.
    user_id: str | None = None

    @abstractmethod
    async def ack(self) -> None: ...

    @abstractmethod
    async def reject(self, *, requeue: bool) -> None: ...


DeliveryHandler = Callable[[Delivery], Awaitable[None]]
ConnectedCallback = Callable[[], None]


@dataclass(frozen=True)
class Outgoing:
    """One message of a batch the relay publishes."""

    routing_key: str
    body: bytes
    message_id: str
    content_type: str


# Wraps the publishing of one message of a batch (the relay's tracing span).
Around = Callable[[Outgoing], AbstractContextManager[Any]]


def untraced(_message: Outgoing) -> AbstractContextManager[Any]:
    return nullcontext()


class Transport(ABC):
    # True where every delivery's ``user_id`` is the publisher's broker user, checked by the broker.
    carries_user_id: bool = False

    @abstractmethod
    async def connect(self) -> None:
        """Connect (retrying until it succeeds) and declare the exchanges."""

    @abstractmethod
    async def close(self) -> None:
        """Stop consuming, let handlers in flight finish, disconnect. ``connect`` may be called again."""

    @abstractmethod
    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        """Exchange, the service's queue and dead-letter queue, and its bindings; idempotent."""

    @abstractmethod
    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        """Return only once the broker has confirmed the message; raise PublishError otherwise."""

    async def publish_batch(
        self, messages: Sequence[Outgoing], around: Around = untraced
    ) -> tuple[int, Exception | None]:
        """Publish ``messages`` in order: how many were confirmed from the first on, and the error of the
        first that was not (None when all were). One at a time here; a broker client may pipeline."""
        for index, message in enumerate(messages):
            try:
                with around(message):
                    await self.publish(
                        message.routing_key,
                        message.body,
                        message_id=message.message_id,
                        content_type=message.content_type,
                    )
            except Exception as exc:
                return index, exc
        return len(messages), None

    @abstractmethod
    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        """Start delivering the service's queue to ``handler``; survives reconnects."""

    @abstractmethod
    def problem(self) -> str | None:
        """None when connected, else what is wrong (for /readyz)."""

    def on_reconnected(self, callback: ConnectedCallback) -> None:  # noqa: B027 - optional hook
        """Call ``callback`` each time the connection is restored after a loss (no-op by default)."""


def create_transport(url: str, *, publish_timeout: float = 10.0, name: str | None = None) -> Transport:
    if url.startswith("memory://"):
        from shared.messaging.memory import MemoryTransport

        return MemoryTransport(url)
    if url.startswith(("amqp://", "amqps://")):
        from shared.messaging.rabbitmq import RabbitMQTransport

        return RabbitMQTransport(url, publish_timeout=publish_timeout, name=name)
    raise ValueError(f"unsupported broker URL scheme: {url.split(':', 1)[0]!r} (use amqp:// or memory://)")
