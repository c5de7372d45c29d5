"""Operators' view of a service's dead-letter queue, and replay once the cause is fixed.

A replayed message goes back to the service's own queue only (through the default exchange), so
other services do not see it again; its event id is unchanged, so the inbox still applies it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.messaging.topology import dead_letter_queue_name, queue_name


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    body: bytes
    reason: str | None
    routing_key: str | None
    deaths: int


def _describe(message: AbstractIncomingMessage) -> DeadLetter:
    deaths: Any = (message.headers or {}).get("x-death") or []
    first: dict[str, Any] = deaths[0] if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict) else {}
    keys = first.get("routing-keys") or []
    reason = first.get("reason")
    return DeadLetter(
        message_id=message.message_id,
        body=message.body,
        reason=str(reason) if reason else None,
        routing_key=str(keys[0]) if keys else None,
        deaths=int(first.get("count", 0) or 0),
    )


async def inspect(url: str, service: str, limit: int = 100) -> list[DeadLetter]:
    """Up to ``limit`` dead letters, left in place (they are fetched unacked and go back on close)."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(dead_letter_queue_name(service), passive=True)
        found: list[DeadLetter] = []
        while len(found) < limit and (message := await queue.get(no_ack=False, fail=False)) is not None:
            found.append(_describe(message))
        return found
    finally:
        await connection.close()


async def replay(url: str, service: str, limit: int | None = None) -> int:
    """Move dead letters back to the service's queue; each leaves the DLQ only once the broker confirms it."""
    connection = await aio_pika.connect(url)
    moved = 0
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(dead_letter_queue_name(service), passive=True)
        while limit is None or moved < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            await channel.default_exchange.publish(
                aio_pika.Message(
                    message.body,
                    message_id=message.message_id,
                    content_type=message.content_type,
                    headers=headers,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    # The publisher's user, kept: the consumer checks it again. Replaying another
                    # service's message needs a broker user with the `impersonator` tag.
                    user_id=message.user_id,
                ),
                routing_key=queue_name(service),
                mandatory=True,
            )
            await message.ack()
            moved += 1
        return moved
    finally:
        await connection.close()
