"""The award saga and the quality verdicts over the real broker, with the other services played by tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from shared.events.types import EventType
from tests.integration.orders.orders_helpers import (
    AUDITOR,
    MOD,
    consumed,
    decline_award,
    lot_verdict,
    orders_app,
    published,
    seen,
    status_of,
    supplier,
)
from tests.integration.orders.orders_helpers import confirm_award as confirm
from tests.support import EventTap, eventually, inject, running

pytestmark = pytest.mark.rabbitmq


class Bus(NamedTuple):
    app: FastAPI
    client: httpx.AsyncClient
    tap: EventTap


@pytest.fixture
async def bus(sqlite_url: str, rabbitmq_url: str) -> AsyncIterator[Bus]:
    app = orders_app(sqlite_url, rabbitmq_url)
    async with running(app) as client, EventTap(rabbitmq_url) as tap:
        yield Bus(app, client, tap)


async def award(client: httpx.AsyncClient, order_id: str, supplier_id: UUID) -> None:
    body = {"supplier_id": str(supplier_id), "contract_price": {"amount": "500000.00", "currency": "KZT"}}
    response = await client.post(f"/api/v1/orders/{order_id}/award", json=body, headers=MOD)
    assert response.status_code == 200, response.text


async def reaches(client: httpx.AsyncClient, order_id: str, status: str) -> None:
    async def probe() -> bool:
        return await status_of(client, order_id) == status

    await eventually(probe, what=f"order {status}")


async def settled(app: FastAPI, event_type: str, outcome: str, count: int = 1) -> None:
    async def probe() -> bool:
        return consumed(app, event_type, outcome) >= count

    await eventually(probe, what=f"{count} {event_type} {outcome}")


async def history(client: httpx.AsyncClient, order_id: str) -> list[str]:
    items = (await client.get(f"/api/v1/orders/{order_id}/history", headers=AUDITOR)).json()["items"]
    return [h["to_status"] for h in items]


async def test_an_order_walks_from_draft_to_closed_over_the_broker(bus: Bus) -> None:
    app, client, tap = bus
    supplier_id = uuid4()
    order = await published(client)
    url, me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)
    await award(client, order["id"], supplier_id)
    requested = (await eventually(lambda: seen(tap, EventType.ORDER_AWARD_REQUESTED)))[0]
    assert (
        requested["data"]["supplier_id"] == str(supplier_id) and requested["data"]["contract_price_kzt"] == "500000.00"
    )

    await confirm(app, order["id"], supplier_id, "KZ")
    contracted = (await eventually(lambda: seen(tap, EventType.ORDER_CONTRACTED)))[0]["data"]
    assert contracted["quantity"] == 100 and contracted["aql"] == "1.0"
    assert contracted["contract_price_kzt"] == "500000.00" and contracted["supplier_id"] == str(supplier_id)
    assert [r["code"] for r in contracted["technical_requirements"]] == ["LEN", "MASS"]
    assert contracted["technical_requirements"][0]["min"] == "99.5"

    assert (await client.post(f"{url}/start-production", headers=me)).status_code == 200
    assert (await client.post(f"{url}/submit-for-inspection", json={"lot_size": 100}, headers=me)).status_code == 200
    submitted = (await eventually(lambda: seen(tap, EventType.ORDER_SUBMITTED_FOR_INSPECTION)))[0]["data"]
    assert (submitted["round"], submitted["lot_size"]) == (1, 100)
    await lot_verdict(app, order["id"], accepted=True, round=1, supplier_id=str(supplier_id))
    await reaches(client, order["id"], "accepted")
    assert (await client.post(f"{url}/ship", json={"waybill": "WB-7"}, headers=me)).status_code == 200
    assert (
        await client.post(f"{url}/confirm-delivery", json={"received_quantity": 100}, headers=MOD)
    ).status_code == 200
    delivered = (await eventually(lambda: seen(tap, EventType.ORDER_DELIVERED)))[0]["data"]
    assert delivered["on_time"] is True and delivered["supplier_id"] == str(supplier_id)
    assert (await client.post(f"{url}/close", headers=MOD)).json()["status"] == "closed"
    await eventually(lambda: seen(tap, EventType.ORDER_CLOSED))
    assert await history(client, order["id"]) == [
        "draft", "published", "award_pending", "contracted", "in_production", "inspection", "accepted", "shipped",
        "delivered", "closed",
    ]  # fmt: skip


async def test_a_declined_award_returns_the_order_to_published_with_the_reasons(bus: Bus) -> None:
    app, client, tap = bus
    first, second = uuid4(), uuid4()
    order = await published(client)
    await award(client, order["id"], first)
    await decline_award(app, order["id"], first, "missing_certification", "local_content_below_minimum")
    await reaches(client, order["id"], "published")
    after = (await client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
    assert after["award_decline_reason"] == "missing_certification; local_content_below_minimum"
    assert after["supplier_id"] is None and after["contract_price"] is None

    # The event travels outbox -> relay -> broker -> tap after the commit the GET saw: wait for it.
    async def republished_events() -> list[dict]:
        events = tap.of_type(EventType.ORDER_PUBLISHED)
        return [e for e in events if e["data"]["from_status"] == "award_pending"]

    republished = await eventually(republished_events, what="order.published from award_pending on the tap")
    assert republished[0]["data"]["reason"] == after["award_decline_reason"]
    declined_feed = (await client.get("/api/v1/orders/changes", headers=supplier(first))).json()["changes"]
    assert [c["status"] for c in declined_feed] == ["award_pending", "published"]

    # A late confirmation from the declined supplier does not contract the order, not even once re-awarded.
    await confirm(app, order["id"], first)
    await settled(app, EventType.SUPPLIER_AWARD_CONFIRMED, "applied")
    assert await status_of(client, order["id"]) == "published"
    await award(client, order["id"], second)
    await confirm(app, order["id"], first)
    await settled(app, EventType.SUPPLIER_AWARD_CONFIRMED, "applied", 2)
    assert await status_of(client, order["id"]) == "award_pending"
    await confirm(app, order["id"], second, "TR")
    await reaches(client, order["id"], "contracted")
    final = (await client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
    assert final["supplier_id"] == str(second) and final["supplier_country"] == "TR"
    assert final["award_decline_reason"] is None


async def test_duplicated_and_late_events_never_move_an_order_twice_or_backwards(bus: Bus) -> None:
    app, client, _ = bus
    supplier_id = uuid4()
    order = await published(client)
    url, me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)
    await award(client, order["id"], supplier_id)

    # The same event delivered twice: applied once, skipped once by the inbox.
    event_id = uuid4()
    data = {
        "order_id": order["id"],
        "supplier_id": str(supplier_id),
        "supplier_country": "KZ",
        "local_content_share": "70",
    }
    for _ in range(2):
        await inject(app, EventType.SUPPLIER_AWARD_CONFIRMED, supplier_id, data, id=event_id)
    await settled(app, EventType.SUPPLIER_AWARD_CONFIRMED, "duplicate")
    # A decline arriving after the confirmation, re-sent under a new id, changes nothing.
    await decline_award(app, order["id"], supplier_id, "not_active")
    await settled(app, EventType.SUPPLIER_AWARD_DECLINED, "applied")
    assert await status_of(client, order["id"]) == "contracted"

    await client.post(f"{url}/start-production", headers=me)
    await client.post(f"{url}/submit-for-inspection", json={"lot_size": 10}, headers=me)
    first_inspection = uuid4()
    await lot_verdict(app, order["id"], accepted=False, round=1, inspection_id=first_inspection)
    await reaches(client, order["id"], "rework")
    await client.post(f"{url}/submit-for-inspection", json={"lot_size": 10}, headers=me)
    # Round 1's verdict again (new event id) and a verdict naming round 1: both late for round 2.
    await lot_verdict(app, order["id"], accepted=False, inspection_id=first_inspection)
    await lot_verdict(app, order["id"], accepted=True, round=1)
    await settled(app, EventType.QUALITY_LOT_REJECTED, "applied", 2)
    await settled(app, EventType.QUALITY_LOT_ACCEPTED, "applied", 1)
    assert await status_of(client, order["id"]) == "inspection"
    # A verdict for an order that does not exist is acknowledged and dropped, not retried forever.
    await lot_verdict(app, str(uuid4()), accepted=True)
    await settled(app, EventType.QUALITY_LOT_ACCEPTED, "applied", 2)

    assert await history(client, order["id"]) == [
        "draft", "published", "award_pending", "contracted", "in_production", "inspection", "rework", "inspection",
    ]  # fmt: skip
    assert consumed(app, EventType.QUALITY_LOT_REJECTED, "retried") == 0
    assert consumed(app, EventType.SUPPLIER_AWARD_CONFIRMED, "retried") == 0
