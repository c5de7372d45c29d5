"""Events committed with state changes reach the consumer and are applied exactly once,
on RabbitMQ and on the in-process transport, through the same outbox, relay, inbox and consumer code."""

from __future__ import annotations

import time

from sqlalchemy import select

from shared.events.envelope import CONTENT_TYPE, CloudEvent, routing_key_for
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.messaging.outbox import outbox
from shared.uow import UnitOfWork
from tests.integration.messaging.tiny_service import (
    EVENT,
    EVENT_SOURCE,
    TinyService,
    apply_change,
    tiny_service,
    two_databases,
)
from tests.support import eventually


def label(service: TinyService, broker_url: str) -> str:
    return f"{service.engine}+{broker_url.split(':', 1)[0]}"


async def test_n_committed_events_are_consumed_and_applied_once_each(database_url: str, broker_url: str) -> None:
    n = 300
    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, broker_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, broker_url) as producer,
    ):
        started = time.monotonic()
        ids = [await producer.commit_change(i) for i in range(n)]
        await eventually(lambda: _applied(consumer, n), within=60, what=f"{n} events applied")
        elapsed = time.monotonic() - started
        rows, distinct = await consumer.applied_rows()
        outcomes = consumer.outcomes()
        print(
            f"\nn_events[{label(producer, broker_url)}]: committed={len(ids)} published={producer.published()}"
            f" delivered={sum(outcomes.values())} applied={rows} distinct={distinct}"
            f" duplicates_skipped={outcomes['duplicate']} seconds={elapsed:.2f}"
        )
        assert rows == distinct == n
        assert sorted(await consumer.applied_values()) == list(range(n))
        assert producer.gauge("sdo_outbox_backlog") == 0


async def test_the_same_event_delivered_three_times_is_applied_once(database_url: str, broker_url: str) -> None:
    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, broker_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, broker_url) as producer,
    ):
        event = CloudEvent(source=EVENT_SOURCE, type=EVENT, subject="s-1", data=_payload(7))
        for _ in range(3):
            await producer.bus.transport.publish(
                event.routing_key, event.to_bytes(), message_id=str(event.id), content_type=CONTENT_TYPE
            )
        await eventually(lambda: _consumed(consumer, 3), what="3 deliveries handled")
        rows, distinct = await consumer.applied_rows()
        outcomes = consumer.outcomes()
        print(
            f"\ntriple_delivery[{label(producer, broker_url)}]: delivered={sum(outcomes.values())}"
            f" applied={rows} duplicates_skipped={outcomes['duplicate']}"
        )
        assert (rows, distinct) == (1, 1)
        assert outcomes["duplicate"] == 2


async def test_a_poison_message_is_dead_lettered_at_once_and_a_failing_one_after_the_limit(
    database_url: str, broker_url: str
) -> None:
    attempts: list[str] = []

    async def always_fails(event: CloudEvent, payload: object, uow: UnitOfWork) -> None:
        attempts.append(str(event.id))
        raise RuntimeError("downstream unavailable")

    subscriptions = {EVENT: apply_change, EventType.ORDER_CANCELLED: always_fails}
    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, broker_url, subscriptions) as consumer,
        tiny_service("producer", producer_db, broker_url) as producer,
    ):
        transport = producer.bus.transport
        # Malformed JSON on a bound routing key: no retry can fix it.
        await transport.publish(
            routing_key_for(EVENT), b'{"specversion": "1.0", "id": ', message_id="poison-1", content_type=CONTENT_TYPE
        )
        await eventually(lambda: _dead(consumer, 1), what="poison message in the DLQ")
        assert consumer.outcomes()["malformed"] == 1, consumer.outcomes()

        failing = CloudEvent(source="sdo/orders", type=EventType.ORDER_CANCELLED, subject="o-1", data=_cancelled())
        await transport.publish(
            failing.routing_key, failing.to_bytes(), message_id=str(failing.id), content_type=CONTENT_TYPE
        )
        next_id = await producer.commit_change(42)
        await eventually(lambda: _dead(consumer, 2), within=30, what="failing message in the DLQ")
        await eventually(lambda: _applied(consumer, 1), what="the next message applied")

        dead = await consumer.dead_letters()
        print(
            f"\npoison[{label(producer, broker_url)}]: malformed_dead_lettered={consumer.outcomes()['malformed']}"
            f" failing_attempts={len(attempts)} dlq={len(dead)} reasons={[d.reason for d in dead]}"
            f" next_applied={(await consumer.applied_rows())[0]}"
        )
        assert [d.message_id for d in dead] == ["poison-1", str(failing.id)]
        # The contract's count: a message that fails 5 times goes to the DLQ (the consumer rejects the
        # 5th failure without requeue; the queue's x-delivery-limit 5 stays as the backstop).
        assert attempts == [str(failing.id)] * 5
        if broker_url.startswith("amqp"):
            assert [d.reason for d in dead] == ["rejected", "rejected"]
        assert (await consumer.applied_rows())[0] == 1
        assert next_id


def _payload(seq: int) -> dict:
    import uuid

    return SupplierStatusChanged(supplier_id=uuid.uuid4(), old_status="a", new_status="b", seq=seq).model_dump(
        mode="json"
    )


def _cancelled() -> dict:
    import uuid

    return {"order_id": str(uuid.uuid4()), "number": "SDO-1", "status": "cancelled", "version": 2, "reason": "test"}


async def _applied(consumer: TinyService, n: int) -> bool:
    rows, _ = await consumer.applied_rows()
    return rows >= n


async def _consumed(consumer: TinyService, n: int) -> bool:
    return sum(consumer.outcomes().values()) >= n


async def _dead(consumer: TinyService, n: int) -> bool:
    return len(await consumer.dead_letters()) >= n


async def test_a_handler_commits_its_own_events_with_the_inbox_row_and_carries_the_correlation(
    database_url: str, broker_url: str
) -> None:
    """The first attempt emits and then fails (rolled back, nothing in the outbox); the retry commits
    the inbox row, the applied row and one outbox row, whose event names its cause."""
    attempts = 0

    async def apply_and_react(event: CloudEvent, payload: SupplierStatusChanged, uow: UnitOfWork) -> None:
        nonlocal attempts
        attempts += 1
        await apply_change(event, payload, uow)
        uow.emit(EventType.ORDER_CANCELLED, event.subject, _cancelled())
        if attempts == 1:
            raise RuntimeError("transient")

    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, broker_url, {EVENT: apply_and_react}) as consumer,
        tiny_service("producer", producer_db, broker_url) as producer,
    ):
        cause = await producer.commit_change(5)
        await eventually(lambda: _applied(consumer, 1), what="applied on the retry")
        await eventually(lambda: _outbox_sent(consumer), what="the reaction published")
        async with consumer.db.connect() as conn:
            rows = (await conn.execute(select(outbox.c.body))).scalars().all()
        assert len(rows) == 1 and attempts == 2
        reaction = CloudEvent.from_bytes(rows[0])
        print(
            f"\nreaction[{label(producer, broker_url)}]: attempts={attempts} outbox_rows={len(rows)}"
            f" causationid={reaction.causationid} correlationid={reaction.correlationid}"
        )
        assert reaction.causationid == cause
        assert reaction.correlationid == "req-5"
        assert reaction.source == "sdo/consumer"


async def _outbox_sent(service: TinyService) -> bool:
    async with service.db.connect() as conn:
        return (await conn.execute(select(outbox.c.sent_at))).scalars().all() not in ([], [None])
