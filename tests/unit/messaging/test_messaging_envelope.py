"""The CloudEvents envelope, routing keys and the in-process broker's rules, without I/O."""

from __future__ import annotations

from uuid import UUID, uuid4

import orjson
import pytest
from pydantic import ValidationError

from shared.db import Database
from shared.events.envelope import CloudEvent, routing_key_for
from shared.events.payloads import OrderContracted, OrderEvent, Payload, SupplierStatusChanged, payload_model
from shared.events.types import EventType, order_status_event
from shared.messaging.memory import MemoryTransport, _topic_regex
from shared.messaging.topology import DELIVERY_LIMIT, queue_arguments
from shared.messaging.transport import Delivery
from shared.uow import UnitOfWork


def test_the_routing_key_is_the_type_without_prefix_and_version() -> None:
    assert routing_key_for("kz.sdo.order.award_requested.v1") == "order.award_requested"
    assert routing_key_for(EventType.QUALITY_LOT_REJECTED) == "quality.lot_rejected"


def test_an_envelope_is_structured_cloudevents_json_and_round_trips() -> None:
    event = CloudEvent(
        source="sdo/orders", type=EventType.ORDER_CANCELLED, subject="o-1", data={"a": 1}, correlationid="req-9"
    )
    body = orjson.loads(event.to_bytes())
    assert body["specversion"] == "1.0"
    assert UUID(body["id"]) == event.id
    assert {"source", "type", "time", "subject", "datacontenttype", "data", "correlationid", "causationid"} <= set(body)
    assert body["time"].endswith(("Z", "+00:00"))
    assert CloudEvent.from_bytes(event.to_bytes()) == event


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"specversion": "0.3", "source": "s", "type": "kz.sdo.order.cancelled.v1", "data": {}}',
        b'{"specversion": "1.0", "source": "s", "type": "order.cancelled", "data": {}}',
        b'{"specversion": "1.0", "source": "s", "type": "kz.sdo.order.cancelled.v1", "data": {}, "x": 1}',
    ],
)
def test_a_malformed_envelope_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        CloudEvent.from_bytes(body)


def test_payloads_are_typed_per_event_type_and_keep_unknown_fields() -> None:
    assert payload_model(EventType.ORDER_CONTRACTED) is OrderContracted
    assert payload_model(order_status_event("shipped")) is OrderEvent
    assert payload_model("kz.sdo.order.unheard_of.v1") is Payload
    with pytest.raises(ValidationError):
        payload_model(EventType.SUPPLIER_STATUS_CHANGED).model_validate({"supplier_id": "not-a-uuid"})
    newer = SupplierStatusChanged.model_validate(
        {"supplier_id": str(uuid4()), "old_status": None, "new_status": "verified", "added_later": True}
    )
    assert newer.model_extra == {"added_later": True}


def test_an_event_emitted_in_a_unit_of_work_carries_its_correlation_and_causation() -> None:
    uow = UnitOfWork(
        Database("sqlite+aiosqlite:///:memory:"),
        source="sdo/quality",
        actor="t",
        correlation_id="req-1",
        causation_id="cause-1",
    )
    event = uow.emit(EventType.QUALITY_LOT_ACCEPTED, "o-1", {"x": 1})
    assert (event.source, event.correlationid, event.causationid, event.subject) == (
        "sdo/quality",
        "req-1",
        "cause-1",
        "o-1",
    )
    assert uow.events == [event]


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("order.contracted", "order.contracted", True),
        ("order.contracted", "order.contracted.extra", False),
        ("order.*", "order.contracted", True),
        ("order.*", "order.a.b", False),
        ("order.#", "order.a.b", True),
        ("#", "anything.at.all", True),
    ],
)
def test_the_memory_broker_routes_like_a_topic_exchange(pattern: str, key: str, matches: bool) -> None:
    assert bool(_topic_regex(pattern).match(key)) is matches


def test_quorum_queue_arguments_follow_the_contract() -> None:
    assert queue_arguments("quality") == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "sdo.events.dlx",
        "x-dead-letter-routing-key": "sdo.quality",
        "x-delivery-limit": 5,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


async def test_the_memory_broker_dead_letters_after_the_delivery_limit_as_a_quorum_queue_does() -> None:
    transport = MemoryTransport(f"memory://unit-{uuid4()}")
    await transport.declare("svc", ["a.b"])
    seen: list[int] = []

    async def always_requeue(delivery: Delivery) -> None:
        seen.append(delivery.delivery_count)
        await delivery.reject(requeue=True)

    await transport.consume("svc", always_requeue, prefetch=1)
    await transport.publish("a.b", b"x", message_id="m-1", content_type="application/cloudevents+json")
    await transport.publish("c.d", b"y", message_id="m-2", content_type="application/cloudevents+json")
    for _ in range(50):
        if transport.dead_letters("svc"):
            break
        await _tick()
    await transport.close()
    assert seen == list(range(DELIVERY_LIMIT + 1))
    assert transport.dead_letters("svc") == [b"x"]
    assert [m.message_id for m in transport.broker.unrouted] == ["m-2"]


async def _tick() -> None:
    import asyncio

    await asyncio.sleep(0)
