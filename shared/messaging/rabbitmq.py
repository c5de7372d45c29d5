"""RabbitMQ transport (aio-pika): robust connection, publisher confirms, quorum queues with DLX."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)
from aio_pika.exceptions import DeliveryError

from shared.messaging.topology import (
    DEAD_LETTER_EXCHANGE,
    EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    dead_letter_queue_arguments,
    dead_letter_queue_name,
    exchange_arguments,
    queue_arguments,
    queue_name,
    unrouted_queue_arguments,
)
from shared.messaging.transport import Delivery, DeliveryHandler, PublishError, Transport

log = structlog.get_logger("sdo.rabbitmq")


class _RabbitDelivery(Delivery):
    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message
        self.body = message.body
        self.message_id = message.message_id
        self.redelivered = bool(message.redelivered)

    async def ack(self) -> None:
        await self._message.ack()

    async def reject(self, *, requeue: bool) -> None:
        await self._message.reject(requeue=requeue)


class RabbitMQTransport(Transport):
    def __init__(self, url: str, *, publish_timeout: float = 10.0) -> None:
        self.url = url
        self.publish_timeout = publish_timeout
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consume_channels: list[AbstractRobustChannel] = []
        self._last_error: str | None = "not connected yet"

    async def connect(self) -> None:
        backoff = 0.5
        while True:
            try:
                self._connection = await aio_pika.connect_robust(self.url, timeout=10)
                break
            except (OSError, aio_pika.exceptions.AMQPError, TimeoutError) as exc:
                self._last_error = f"broker unreachable: {exc!r}"
                log.warning("broker_connect_failed", error=repr(exc), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 15.0)
        self._connection.close_callbacks.add(self._on_close)
        self._connection.reconnect_callbacks.add(self._on_reconnect)
        # on_return_raises: a mandatory message no queue takes is a failed publish, not a silent loss.
        self._publish_channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._declare_exchanges(self._publish_channel)
        self._last_error = None

    def _on_close(self, *_args: object) -> None:
        self._last_error = "connection to the broker lost; reconnecting"

    def _on_reconnect(self, *_args: object) -> None:
        self._last_error = None
        log.info("broker_reconnected")

    @staticmethod
    async def _declare_exchanges(channel: AbstractRobustChannel) -> AbstractRobustExchange:
        unrouted = await channel.declare_exchange(UNROUTED_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        unrouted_queue = await channel.declare_queue(UNROUTED_QUEUE, durable=True, arguments=unrouted_queue_arguments())
        await unrouted_queue.bind(unrouted)
        return await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True, arguments=exchange_arguments()
        )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._exchange = None
        self._consume_channels.clear()

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        channel = self._require_channel()
        dlx = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        dlq = await channel.declare_queue(
            dead_letter_queue_name(service), durable=True, arguments=dead_letter_queue_arguments()
        )
        await dlq.bind(dlx, routing_key=queue_name(service))
        queue = await channel.declare_queue(queue_name(service), durable=True, arguments=queue_arguments(service))
        for key in routing_keys:
            await queue.bind(EXCHANGE, routing_key=key)

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            raise PublishError("not connected to the broker")
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type=content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            # The outer timeout matters: during an outage a robust channel's publish can wait forever.
            await asyncio.wait_for(
                self._exchange.publish(message, routing_key=routing_key, mandatory=True, timeout=self.publish_timeout),
                self.publish_timeout + 1,
            )
        except DeliveryError as exc:
            raise PublishError(f"broker refused {routing_key}: {exc!r}") from exc
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishError(f"publish of {routing_key} failed: {exc!r}") from exc

    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        if self._connection is None:
            raise PublishError("not connected to the broker")
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(queue_name(service), durable=True, arguments=queue_arguments(service))

        async def on_message(message: AbstractIncomingMessage) -> None:
            await handler(_RabbitDelivery(message))

        await queue.consume(on_message)
        self._consume_channels.append(channel)

    def _require_channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise PublishError("not connected to the broker")
        return self._publish_channel

    def problem(self) -> str | None:
        if self._connection is None or self._connection.is_closed:
            return self._last_error or "not connected to the broker"
        return self._last_error
