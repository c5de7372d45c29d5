"""Only the owner moves an order: forged events are refused by the broker or dead-lettered unapplied.

The orders service runs as its own broker user (created from ``deploy/rabbitmq/definitions.json``
on the test's vhost) with ``SDO_BUS_PUBLISHERS`` set, and waits for a supplier's award
confirmation. Attackers holding another service's credentials, or the operator's, try to confirm
it for a supplier the registry never checked; the order stays where it was until the suppliers
service itself confirms.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import aio_pika
import httpx
import pytest
from aiormq.exceptions import ChannelAccessRefused, ChannelPreconditionFailed
from yarl import URL

from shared.events.envelope import CONTENT_TYPE, CloudEvent
from shared.events.types import EventType
from shared.messaging.dead_letters import inspect
from shared.messaging.memory import broker_for
from shared.messaging.rabbitmq import RabbitMQTransport
from shared.messaging.topology import EXCHANGE, queue_name
from tests.integration.bus_integrity.broker_users import broker_users
from tests.integration.orders.orders_helpers import AUDITOR, awarded, consumed, orders_app, status_of
from tests.support import eventually, inject, running

CONFIRMED = EventType.SUPPLIER_AWARD_CONFIRMED


def confirmation(order_id: str, supplier_id: UUID, *, source: str, event_type: str = CONFIRMED) -> CloudEvent:
    """A well-formed award confirmation (a domestic supplier: it counts towards the KPI)."""
    data = {"order_id": order_id, "supplier_id": str(supplier_id), "supplier_country": "KZ"}
    data["local_content_share"] = "90"
    return CloudEvent(source=source, type=event_type, subject=str(supplier_id), data=data)


async def forge(url: str, routing_key: str, event: CloudEvent, *, user_id: str | None = None) -> None:
    """Publish as an attacker's own client would, with publisher confirms; user_id defaults to the login."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE, ensure=False)
        message = aio_pika.Message(
            event.to_bytes(),
            message_id=str(event.id),
            content_type=CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            user_id=user_id or URL(url).user,
        )
        await exchange.publish(message, routing_key=routing_key, timeout=10)
    finally:
        await connection.close()


async def test_forged_events_are_refused_by_the_broker_or_dead_lettered_and_change_nothing(
    sqlite_url: str, rabbitmq_url: str
) -> None:
    async with broker_users(rabbitmq_url) as broker:
        app = orders_app(sqlite_url, broker.urls["orders"], bus_publishers=broker.publishers)
        async with running(app) as client:
            supplier_id = uuid4()
            order = (await awarded(client, supplier_id))["id"]
            forged = confirmation(order, supplier_id, source="sdo/suppliers")
            quality, suppliers = broker.urls["quality"], broker.urls["suppliers"]

            # Refused by the broker: a user_id that is not the login, and a routing key not the user's own.
            with pytest.raises(ChannelPreconditionFailed, match="user_id"):
                await forge(quality, "quality.lot_accepted", forged, user_id=broker.users["suppliers"])
            with pytest.raises(ChannelAccessRefused, match=r"supplier\.award_confirmed"):
                await forge(quality, "supplier.award_confirmed", forged)

            # Through the broker, dead-lettered by the consumer without being applied:
            dead_lettered = [
                # the type is not the source's (the suppliers' own user, claiming to be quality)
                confirmation(order, supplier_id, source="sdo/quality"),
                # the source owns the type, but the broker user is quality's, on quality's own routing key
                confirmation(order, supplier_id, source="sdo/suppliers"),
                # the operator's account (no topic permissions: any routing key), as in a management-port publish
                confirmation(order, supplier_id, source="sdo/suppliers"),
                # a checkpoint of another service's chain
                CloudEvent(
                    source="sdo/suppliers",
                    type=EventType.AUDIT_CHECKPOINT,
                    subject="quality",
                    data={"service": "quality", "entries": 7, "head_hash": "f" * 64},
                ),
            ]
            await forge(suppliers, "supplier.award_confirmed", dead_lettered[0])
            await forge(quality, "quality.lot_accepted", dead_lettered[1])
            await forge(rabbitmq_url, "supplier.award_confirmed", dead_lettered[2])
            await forge(suppliers, "audit.checkpoint", dead_lettered[3])

            expected = {str(e.id) for e in dead_lettered}
            await eventually(lambda: _dead_letter_ids(rabbitmq_url, expected), within=30, what="all four in the DLQ")
            assert await status_of(client, order) == "award_pending"
            assert consumed(app, CONFIRMED, "forged") == 3
            assert consumed(app, EventType.AUDIT_CHECKPOINT, "forged") == 1
            assert consumed(app, CONFIRMED, "applied") == 0
            assert await _kept(client, "quality") == []

            # The suppliers service itself, through the kernel's transport (user_id is its login).
            genuine = confirmation(order, supplier_id, source="sdo/suppliers")
            transport = RabbitMQTransport(suppliers, name="suppliers")
            await transport.connect()
            try:
                body, event_id = genuine.to_bytes(), str(genuine.id)
                await transport.publish(genuine.routing_key, body, message_id=event_id, content_type=CONTENT_TYPE)
            finally:
                await transport.close()
            await eventually(lambda: _status_is(client, order, "contracted"), what="contracted by the genuine event")
            dead = [d.message_id for d in await inspect(rabbitmq_url, "orders")]
            counted = consumed(app, CONFIRMED, "forged") + consumed(app, EventType.AUDIT_CHECKPOINT, "forged")
            print(
                f"\nforgery[rabbitmq]: refused_by_broker=2 dead_lettered={len(dead)} forged_counted={counted:.0f}"
                f" applied={consumed(app, CONFIRMED, 'applied'):.0f} status={await status_of(client, order)}"
            )
            assert sorted(dead) == sorted(expected)
            assert consumed(app, CONFIRMED, "applied") == 1


async def test_on_the_in_process_bus_the_source_is_checked_without_a_user(database_url: str, memory_url: str) -> None:
    # SDO_BUS_PUBLISHERS is set, but memory:// carries no user_id: only the source check applies.
    app = orders_app(database_url, memory_url, bus_publishers="orders=sdo-orders,suppliers=sdo-suppliers")
    async with running(app) as client:
        supplier_id = uuid4()
        order = (await awarded(client, supplier_id))["id"]
        data = confirmation(order, supplier_id, source="sdo/quality").data
        forged = await inject(app, CONFIRMED, supplier_id, data, source="sdo/quality")
        unnamed = await inject(app, CONFIRMED, supplier_id, data, source="mallory")
        await eventually(lambda: _memory_dead(memory_url, 2), what="both dead-lettered")
        assert await status_of(client, order) == "award_pending"
        assert consumed(app, CONFIRMED, "forged") == 2
        dead = [CloudEvent.from_bytes(body).id for body in _memory_dead_bodies(memory_url)]
        assert sorted(map(str, dead)) == sorted([forged, unnamed])

        await inject(app, CONFIRMED, supplier_id, data, source="sdo/suppliers")
        await eventually(lambda: _status_is(client, order, "contracted"), what="contracted by its owner")
        print(f"\nforgery[memory]: dead_lettered={len(dead)} status={await status_of(client, order)}")


async def _dead_letter_ids(url: str, expected: set[str]) -> bool:
    return {d.message_id for d in await inspect(url, "orders")} >= expected


async def _status_is(client: httpx.AsyncClient, order_id: str, status: str) -> bool:
    return await status_of(client, order_id) == status


async def _kept(client: httpx.AsyncClient, service: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/audit/checkpoints", params={"service": service}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _memory_dead_bodies(url: str) -> list[bytes]:
    return [m.body for m in broker_for(url).queue(queue_name("orders")).dead]


async def _memory_dead(url: str, n: int) -> bool:
    return len(_memory_dead_bodies(url)) >= n
