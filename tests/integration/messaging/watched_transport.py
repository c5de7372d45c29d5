"""A service's real transport with a hook after every confirmed publish (to count or to crash)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.messaging.transport import DeliveryHandler, Transport


class WatchedTransport(Transport):
    def __init__(self, inner: Transport, after_confirm: Callable[[str], None] | None = None) -> None:
        self.inner = inner
        self.after_confirm = after_confirm
        self.confirmed: list[str] = []

    async def connect(self) -> None:
        await self.inner.connect()

    async def close(self) -> None:
        await self.inner.close()

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        await self.inner.declare(service, routing_keys)

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        await self.inner.publish(routing_key, body, message_id=message_id, content_type=content_type)
        self.confirmed.append(message_id)
        if self.after_confirm is not None:
            self.after_confirm(message_id)

    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        await self.inner.consume(service, handler, prefetch=prefetch)

    def problem(self) -> str | None:
        return self.inner.problem()
