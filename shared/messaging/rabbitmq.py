"""RabbitMQ transport (aio-pika): robust connection, publisher confirms, quorum queues with DLX.

aio-pika's known reconnect pitfalls and what this module does about each:

- ``connect_robust`` raises when the broker is down at start-up: ``connect`` retries with backoff.
- A publish during an outage can wait for the connection forever: it fails at once when the channel
  is closed, and an outer timeout bounds the rest (the relay retries).
- A connection cut cancels aiormq's consumer callbacks: handlers run shielded, so a transaction in
  progress finishes; its ack then fails on the dead channel (logged, not raised) and the broker's
  redelivery is skipped by the inbox.
- Consumers after a network cut: the robust channel re-declares its queue and consumes again (proved
  by the messaging tests); ``problem`` reports a channel that is still closed.
- A channel-level error (PRECONDITION_FAILED, NOT_FOUND) closes only that channel: the robust channel
  reopens it and re-declares what was declared on it, so publishing resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import aio_pika
import aiormq
import structlog
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from aio_pika.connection import make_url
from aio_pika.exceptions import CONNECTION_EXCEPTIONS, DeliveryError
from aio_pika.robust_connection import RobustConnection
from yarl import URL

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
from shared.messaging.transport import (
    Around,
    ConnectedCallback,
    Delivery,
    DeliveryHandler,
    Outgoing,
    PublishError,
    Transport,
    untraced,
)

log = structlog.get_logger("sdo.rabbitmq")

CONNECT_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_EXCEPTIONS, TimeoutError)
# aio-pika waits 5 s between reconnect attempts by default; an outage should end sooner than that.
DEFAULT_RECONNECT_INTERVAL = 1.0
MAX_CONNECT_BACKOFF = 15.0
# How long close() lets handlers in flight finish their transaction (and ack) before disconnecting.
CLOSE_GRACE_SECONDS = 10.0


class _RabbitDelivery(Delivery):
    def __init__(self, message: AbstractIncomingMessage) -> None:
        self._message = message
        self.body = message.body
        self.message_id = message.message_id
        self.redelivered = bool(message.redelivered)
        # Quorum queues count returns in this header; it is what the delivery limit is checked against.
        count = (message.headers or {}).get("x-delivery-count", 0)
        self.delivery_count = count if isinstance(count, int) else 0
        self.user_id = message.user_id
        self.settled = False

    async def ack(self) -> None:
        self.settled = True  # before the call: an ack that fails on a closed channel is not retried as a reject
        await self._message.ack()

    async def reject(self, *, requeue: bool) -> None:
        self.settled = True
        await self._message.reject(requeue=requeue)


class RabbitMQTransport(Transport):
    carries_user_id = True

    def __init__(self, url: str, *, publish_timeout: float = 10.0, name: str | None = None) -> None:
        self.url = url
        # Every message names the connection's user (aio-pika's default is guest); the broker refuses
        # a user_id that is not the authenticated user, so consumers may trust it.
        self.user = URL(url).user or "guest"
        self.publish_timeout = publish_timeout
        self.name = name or "sdo"
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consume_channels: list[AbstractRobustChannel] = []
        self._consumers: list[tuple[AbstractRobustQueue, str]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._reconnected: list[ConnectedCallback] = []
        self._last_error: str | None = "not connected yet"

    # -- connection -----------------------------------------------------------------------------

    def _connect_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"client_properties": {"connection_name": f"sdo-{self.name}"}}
        if "reconnect_interval" not in URL(self.url).query:
            options["reconnect_interval"] = DEFAULT_RECONNECT_INTERVAL
        return options

    async def connect(self) -> None:
        backoff = 0.5
        while True:
            # What connect_robust does, but holding the object: a failed or cancelled first attempt
            # leaves a reconnect task behind unless the connection is closed.
            options = self._connect_options()
            connection = RobustConnection(make_url(self.url), **options)
            try:
                await connection.connect(timeout=10)
                # on_return_raises: a mandatory message no queue takes is a failed publish, not a silent loss.
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                exchange = await self._declare_exchanges(channel)
                break
            except CONNECT_ERRORS as exc:
                self._last_error = f"broker unreachable: {exc!r}"
                log.warning("broker_connect_failed", error=repr(exc), retry_in=backoff)
                await self._close_quietly(connection)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_CONNECT_BACKOFF)
            except asyncio.CancelledError:
                await asyncio.shield(self._close_quietly(connection))
                raise
        connection.close_callbacks.add(self._on_close)
        connection.reconnect_callbacks.add(self._on_reconnect)
        self._connection, self._publish_channel, self._exchange = connection, channel, exchange
        self._last_error = None

    def _on_close(self, _sender: object, exc: BaseException | None = None, *_args: object) -> None:
        if self._connection is not None and not self._connection.close_called:
            if self._last_error is None:  # log the loss once, not every failed reconnect attempt
                log.warning("broker_connection_lost", error=repr(exc))
            self._last_error = f"connection to the broker lost ({exc!r}); reconnecting"

    def _on_reconnect(self, *_args: object) -> None:
        self._last_error = None
        log.info("broker_reconnected", name=self.name)
        for callback in self._reconnected:
            callback()

    def on_reconnected(self, callback: ConnectedCallback) -> None:
        self._reconnected.append(callback)

    @staticmethod
    async def _declare_exchanges(channel: AbstractRobustChannel) -> AbstractRobustExchange:
        unrouted = await channel.declare_exchange(UNROUTED_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
        unrouted_queue = await channel.declare_queue(UNROUTED_QUEUE, durable=True, arguments=unrouted_queue_arguments())
        await unrouted_queue.bind(unrouted)
        return await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True, arguments=exchange_arguments()
        )

    @staticmethod
    async def _close_quietly(connection: AbstractRobustConnection) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(), 5)

    async def close(self) -> None:
        connection = self._connection
        # Stop new deliveries first, then let handlers in flight commit and ack on the open channel.
        for queue, tag in self._consumers:
            if not queue.channel.is_closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(queue.cancel(tag), 5)
        if self._inflight:
            await asyncio.wait(set(self._inflight), timeout=CLOSE_GRACE_SECONDS)
        if connection is not None:
            await self._close_quietly(connection)
        self._connection = None
        self._publish_channel = None
        self._exchange = None
        self._consume_channels.clear()
        self._consumers.clear()
        self._last_error = "not connected yet"

    # -- topology -------------------------------------------------------------------------------

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        # Declared on the robust publish channel, so a reopened channel declares all of it again.
        channel = self._require_channel()
        dlx = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        dlq = await channel.declare_queue(
            dead_letter_queue_name(service), durable=True, arguments=dead_letter_queue_arguments()
        )
        await dlq.bind(dlx, routing_key=queue_name(service))
        queue = await channel.declare_queue(queue_name(service), durable=True, arguments=queue_arguments(service))
        for key in routing_keys:
            await queue.bind(EXCHANGE, routing_key=key)

    async def queue_depths(self, service: str) -> dict[str, int]:
        """Messages ready in the service's queue and its dead-letter queue (passive declares, for /metrics).

        On a channel of its own, opened and closed per call: a passive declare of a missing queue closes
        its channel, and that must not be the publish channel.
        """
        if self._connection is None or self._connection.is_closed:
            raise PublishError(self._last_error or "not connected to the broker")
        channel = await self._connection.channel(publisher_confirms=False)
        try:
            depths: dict[str, int] = {}
            for name in (queue_name(service), dead_letter_queue_name(service)):
                queue = await channel.declare_queue(name, passive=True)
                depths[name] = int(queue.declaration_result.message_count or 0)
            return depths
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    # -- publish --------------------------------------------------------------------------------

    def _publishing_exchange(self) -> AbstractRobustExchange:
        exchange, channel = self._exchange, self._publish_channel
        if exchange is None or channel is None:
            raise PublishError("not connected to the broker")
        if channel.is_closed:
            # Fail at once instead of waiting for the connection to come back.
            raise PublishError(self._last_error or "publish channel closed; reopening")
        return exchange

    async def _confirmed(self, exchange: AbstractRobustExchange, message: Outgoing) -> None:
        """Send one message and wait for its confirm; the caller bounds the wait."""
        outgoing = aio_pika.Message(
            message.body,
            message_id=message.message_id,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            user_id=self.user,
        )
        try:
            confirmation = await exchange.publish(outgoing, routing_key=message.routing_key, mandatory=True)
        except DeliveryError as exc:  # nack (e.g. queue full: reject-publish) or returned as unroutable
            raise PublishError(f"broker refused {message.routing_key}: {exc!r}") from exc
        except CONNECT_ERRORS as exc:  # channel or connection lost mid-publish
            raise PublishError(f"publish of {message.routing_key} failed: {exc!r}") from exc
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            raise PublishError(f"publish of {message.routing_key} not confirmed: {confirmation!r}")

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        _, error = await self.publish_batch([Outgoing(routing_key, body, message_id, content_type)])
        if error is not None:
            raise error

    async def publish_batch(
        self, messages: Sequence[Outgoing], around: Around = untraced
    ) -> tuple[int, Exception | None]:
        """Pipelined: every message is sent in order at once, then their confirms are awaited together
        (one wait for the broker per batch instead of one per message), the whole bounded by
        ``publish_timeout`` (a robust channel would otherwise wait for a lost connection to return).
        Only the confirmed run from the first message on counts; the caller publishes the rest again
        (the consumers' inbox skips a copy the broker had confirmed)."""
        try:
            exchange = self._publishing_exchange()
        except PublishError as exc:
            return 0, exc
        confirmed = [False] * len(messages)

        async def one(index: int, message: Outgoing) -> None:
            with around(message):
                await self._confirmed(exchange, message)
            confirmed[index] = True

        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the relay's cancellation.
            async with asyncio.timeout(self.publish_timeout):
                outcomes = await asyncio.gather(*(one(i, m) for i, m in enumerate(messages)), return_exceptions=True)
        except TimeoutError:
            first_unconfirmed = confirmed.index(False) if False in confirmed else len(messages)
            return first_unconfirmed, PublishError(
                f"publish of {messages[first_unconfirmed].routing_key} not confirmed within {self.publish_timeout:g} s"
            )
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancelled: the relay is stopping
                return index, outcome
        return len(messages), None

    # -- consume --------------------------------------------------------------------------------

    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        if self._connection is None:
            raise PublishError("not connected to the broker")
        channel = await self._connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        queue = await channel.declare_queue(queue_name(service), durable=True, arguments=queue_arguments(service))

        async def on_message(message: AbstractIncomingMessage) -> None:
            task = asyncio.create_task(self._handle(handler, _RabbitDelivery(message)))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
            # A connection cut cancels this callback; the shield lets the handler finish its transaction.
            await asyncio.shield(task)

        tag = await queue.consume(on_message)
        self._consume_channels.append(channel)
        self._consumers.append((queue, tag))

    @staticmethod
    async def _handle(handler: DeliveryHandler, delivery: _RabbitDelivery) -> None:
        try:
            await handler(delivery)
        except Exception as exc:
            # The consumer settles every message itself; an unsettled one would hold a prefetch slot forever.
            log.error("delivery_handler_crashed", message_id=delivery.message_id, error=repr(exc))
            if not delivery.settled:
                with contextlib.suppress(Exception):
                    await delivery.reject(requeue=True)

    # -- state ----------------------------------------------------------------------------------

    def _require_channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise PublishError("not connected to the broker")
        return self._publish_channel

    def problem(self) -> str | None:
        if self._connection is None or self._publish_channel is None:
            return self._last_error or "not connected to the broker"
        if self._connection.is_closed:
            return "connection to the broker closed"
        if self._publish_channel.is_closed or any(ch.is_closed for ch in self._consume_channels):
            return self._last_error or "a channel to the broker is closed; reopening"
        return None
