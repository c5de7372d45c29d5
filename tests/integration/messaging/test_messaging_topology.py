"""The broker topology is what the contract says (checked through rabbitmqctl), declaring it again
changes nothing, and a channel-level error does not leave a service unable to publish."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aio_pika
import aiormq
import pytest

from shared.events.envelope import CONTENT_TYPE, CloudEvent, routing_key_for
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler
from shared.messaging.rabbitmq import RabbitMQTransport
from shared.messaging.transport import PublishError
from tests.integration.messaging.rabbitmqctl import arguments_of, rabbitmqctl_json, vhost_of
from tests.integration.messaging.tiny_service import EVENT, TinyService, apply_change, tiny_service, two_databases
from tests.support import eventually


async def ignore(*_args: object) -> None:
    return None


# Contract section 6: who consumes what.
CONSUMES: dict[str, list[EventType]] = {
    "orders": [
        EventType.SUPPLIER_AWARD_CONFIRMED,
        EventType.SUPPLIER_AWARD_DECLINED,
        EventType.QUALITY_LOT_ACCEPTED,
        EventType.QUALITY_LOT_REJECTED,
    ],
    "suppliers": [
        EventType.ORDER_AWARD_REQUESTED,
        EventType.ORDER_CONTRACTED,
        EventType.ORDER_DELIVERED,
        EventType.QUALITY_LOT_ACCEPTED,
        EventType.QUALITY_LOT_REJECTED,
    ],
    "quality": [EventType.ORDER_CONTRACTED, EventType.ORDER_SUBMITTED_FOR_INSPECTION, EventType.ORDER_CANCELLED],
}


QUEUES = [f"sdo.{s}" for s in CONSUMES] + [f"sdo.{s}.dlq" for s in CONSUMES]


def subscriptions(service: str) -> Mapping[str, EventHandler]:
    return dict.fromkeys(CONSUMES[service], ignore)


async def start_all(tmp_path: Path, url: str) -> None:
    for service in CONSUMES:
        async with tiny_service(service, f"sqlite+aiosqlite:///{tmp_path / service}.db", url, subscriptions(service)):
            pass


async def test_the_topology_is_as_the_contract_says_and_declaring_it_again_changes_nothing(
    tmp_path: Path, rabbitmq_url: str
) -> None:
    vhost = vhost_of(rabbitmq_url)
    await start_all(tmp_path, rabbitmq_url)
    first = await snapshot(vhost)
    await start_all(tmp_path, rabbitmq_url)  # every service declares at every start-up
    assert await snapshot(vhost) == first

    exchanges, queues, bindings = first
    assert exchanges["sdo.events"] == ("topic", True, {"alternate-exchange": "sdo.events.unrouted"})
    assert exchanges["sdo.events.dlx"] == ("direct", True, {})
    assert exchanges["sdo.events.unrouted"] == ("fanout", True, {})
    for service, consumed in CONSUMES.items():
        queue = f"sdo.{service}"
        kind, durable, arguments = queues[queue]
        assert (kind, durable) == ("quorum", True)
        assert arguments == {
            "x-queue-type": "quorum",
            "x-delivery-limit": 5,
            "x-dead-letter-exchange": "sdo.events.dlx",
            "x-dead-letter-routing-key": queue,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        assert queues[f"{queue}.dlq"][:2] == ("quorum", True)
        # Plus the kernel's own subscription of every service: the others' audit checkpoints.
        assert {key for source, dest, key in bindings if source == "sdo.events" and dest == queue} == {
            routing_key_for(t) for t in consumed
        } | {"audit.checkpoint"}
        assert ("sdo.events.dlx", f"{queue}.dlq", queue) in bindings
    assert queues["sdo.unrouted"][:2] == ("quorum", True)
    assert any(source == "sdo.events.unrouted" and dest == "sdo.unrouted" for source, dest, _ in bindings)
    print(f"\ntopology: exchanges={sorted(exchanges)} queues={sorted(queues)}")
    for queue, (kind, _durable, arguments) in sorted(queues.items()):
        print(f"  {queue}: type={kind} {arguments}")
    for binding in sorted(b for b in bindings if b[0]):
        print(f"  binding {binding[0]} -> {binding[1]} [{binding[2]}]")


async def test_an_event_no_service_consumes_is_kept_in_the_unrouted_queue(tmp_path: Path, rabbitmq_url: str) -> None:
    await start_all(tmp_path, rabbitmq_url)
    transport = RabbitMQTransport(rabbitmq_url, name="orders")
    await transport.connect()
    try:
        event = CloudEvent(source="sdo/orders", type=EventType.ORDER_PUBLISHED, subject="o-1", data={"n": 1})
        # mandatory=True and no binding: confirmed (not returned) because the alternate exchange takes it.
        await transport.publish(
            event.routing_key, event.to_bytes(), message_id=str(event.id), content_type=CONTENT_TYPE
        )
    finally:
        await transport.close()
    # Passive declares ask the queue itself (rabbitmqctl's counts of quorum queues lag behind).
    counts = {name: await _message_count(rabbitmq_url, name) for name in ["sdo.unrouted", *QUEUES]}
    print(f"\nunrouted: {counts}")
    assert counts["sdo.unrouted"] == 1
    assert all(n == 0 for name, n in counts.items() if name != "sdo.unrouted")


async def test_a_precondition_failed_closes_the_channel_but_publishing_resumes(rabbitmq_url: str) -> None:
    await _classic_queue(rabbitmq_url, "sdo.legacy")
    transport = RabbitMQTransport(rabbitmq_url, name="legacy")
    await transport.connect()
    try:
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
            await transport.declare("legacy", ["order.published"])

        async def publishes() -> bool:
            try:
                await transport.publish("order.published", b"{}", message_id="after-406", content_type=CONTENT_TYPE)
            except PublishError:
                return False
            return True

        await eventually(publishes, within=10, what="publishing after PRECONDITION_FAILED")
        print(f"\nprecondition_failed: publish channel reopened, problem={transport.problem()!r}")
        assert transport.problem() is None
    finally:
        await transport.close()


async def test_a_bus_that_cannot_declare_its_queue_reports_it_and_starts_once_it_can(
    sqlite_url: str, rabbitmq_url: str
) -> None:
    # An older deployment left a classic queue under the same name: the broker refuses the quorum one.
    await _classic_queue(rabbitmq_url, "sdo.consumer")
    async with (
        two_databases(sqlite_url) as (producer_db, consumer_db),
        tiny_service("producer", producer_db, rabbitmq_url) as producer,
        tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}, wait_for_broker=False) as consumer,
    ):
        await eventually(lambda: _reports(consumer, "PRECONDITION_FAILED"), within=10, what="start failure reported")
        problem = consumer.bus.problem()
        await _delete_queue(rabbitmq_url, "sdo.consumer")  # the operator removes it
        await consumer.bus.wait_started(within=40)
        await producer.commit_change(1)
        await eventually(lambda: _applied(consumer), within=10, what="applied once started")
        print(f"\nbus_start_retry: problem_while_blocked={problem!r} problem_after={consumer.bus.problem()!r}")
        assert consumer.bus.problem() is None


async def snapshot(vhost: str) -> tuple[dict, dict, set]:
    exchanges = {
        r["name"]: (r["type"], r["durable"], arguments_of(r["arguments"]))
        for r in await rabbitmqctl_json("list_exchanges", "-p", vhost, "name", "type", "durable", "arguments")
        if r["name"].startswith("sdo.")
    }
    queues = {
        r["name"]: (r["type"], r["durable"], arguments_of(r["arguments"]))
        for r in await rabbitmqctl_json("list_queues", "-p", vhost, "name", "type", "durable", "arguments")
    }
    bindings = {
        (r["source_name"], r["destination_name"], r["routing_key"])
        for r in await rabbitmqctl_json("list_bindings", "-p", vhost, "source_name", "destination_name", "routing_key")
    }
    return exchanges, queues, bindings


async def _classic_queue(url: str, name: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(name, durable=True)


async def _message_count(url: str, name: str) -> int:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)


async def _delete_queue(url: str, name: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)


async def _reports(service: TinyService, text: str) -> bool:
    return text in (service.bus.problem() or "")


async def _applied(service: TinyService) -> bool:
    return (await service.applied_rows())[0] == 1
