"""What must hold on SQLite and PostgreSQL alike: the whole lifecycle, gapless numbers, exact money."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from shared.events.types import EventType
from tests.integration.orders.orders_helpers import (
    AUDITOR,
    MOD,
    confirm_award,
    create,
    lot_verdict,
    orders_app,
    spec,
    status_of,
    supplier,
)
from tests.support import EventTap, assert_problem, auth, eventually, running


async def test_an_order_walks_from_draft_to_closed_leaving_history_feed_audit_and_events(
    database_url: str, memory_url: str
) -> None:
    app = orders_app(database_url, memory_url)
    supplier_id = uuid4()
    me = supplier(supplier_id)
    async with running(app) as client, EventTap(memory_url) as tap:
        order = await create(client)
        url = f"/api/v1/orders/{order['id']}"

        async def reaches(status: str) -> None:
            async def probe() -> bool:
                return await status_of(client, order["id"]) == status

            await eventually(probe, what=status)

        assert (await client.post(f"{url}/publish", headers=MOD)).status_code == 200
        award = {"supplier_id": str(supplier_id), "contract_price": {"amount": "999999.99", "currency": "KZT"}}
        assert (await client.post(f"{url}/award", json=award, headers=MOD)).status_code == 200
        await confirm_award(app, order["id"], supplier_id, "KZ")
        await reaches("contracted")
        assert (await client.post(f"{url}/start-production", headers=me)).status_code == 200
        assert (
            await client.post(f"{url}/submit-for-inspection", json={"lot_size": 100}, headers=me)
        ).status_code == 200
        await lot_verdict(app, order["id"], accepted=False, round=1)
        await reaches("rework")
        assert (
            await client.post(f"{url}/submit-for-inspection", json={"lot_size": 100}, headers=me)
        ).status_code == 200
        await lot_verdict(app, order["id"], accepted=True, round=2)
        await reaches("accepted")
        assert (await client.post(f"{url}/ship", json={"waybill": "WB-1"}, headers=me)).status_code == 200
        delivered = await client.post(f"{url}/confirm-delivery", json={"received_quantity": 100}, headers=MOD)
        assert delivered.json()["on_time"] is True
        closed = await client.post(f"{url}/close", headers=MOD)
        assert closed.json()["status"] == "closed"

        final = (await client.get(url, headers=AUDITOR)).json()
        assert final["contract_price"] == {"amount": "999999.99", "currency": "KZT"}
        assert final["supplier_country"] == "KZ" and final["local_content_share"] == 60.0
        assert final["inspection_rounds"] == 2 and final["received_quantity"] == 100
        walk = [
            "draft", "published", "award_pending", "contracted", "in_production", "inspection", "rework",
            "inspection", "accepted", "shipped", "delivered", "closed",
        ]  # fmt: skip
        history = (await client.get(f"{url}/history", headers=AUDITOR)).json()["items"]
        assert [h["to_status"] for h in history] == walk
        feed = (await client.get("/api/v1/orders/changes", headers=AUDITOR)).json()["changes"]
        # Every version after the draft is on the feed.
        assert [(c["status"], c["version"]) for c in feed] == [(s, v) for v, s in enumerate(walk, start=1)][1:]
        await eventually(lambda: _has(tap, EventType.ORDER_CLOSED), what="order.closed published")
        mine = [e for e in tap.events if e["source"] == "sdo/orders" and e["subject"] == order["id"]]
        statuses = [e["type"].split(".")[3] for e in mine]
        assert [s for s in statuses if s not in ("award_requested", "submitted_for_inspection")] == walk
        assert {e["id"] for e in tap.events} >= {h["event_id"] for h in history}
        audit = (await client.get("/api/v1/audit", params={"resource_id": order["id"]}, headers=AUDITOR)).json()
        assert len(audit["items"]) == len(walk)
        assert (await client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["valid"] is True


async def _has(tap: EventTap, event_type: str) -> bool:
    return bool(tap.of_type(event_type))


async def test_order_numbers_are_unique_and_gapless_under_concurrent_creates(
    database_url: str, memory_url: str
) -> None:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        good = [client.post("/api/v1/orders", json=spec(), headers=MOD) for _ in range(12)]
        bad = [client.post("/api/v1/orders", json=spec(aql=3), headers=MOD) for _ in range(4)]
        responses = await asyncio.gather(*good, *bad)
        assert sorted(r.status_code for r in responses) == [201] * 12 + [422] * 4
        numbers = sorted(r.json()["number"] for r in responses if r.status_code == 201)
        year = numbers[0][4:8]
        assert numbers == [f"SDO-{year}-{n:06d}" for n in range(1, 13)]


async def test_large_amounts_stay_exact_in_storage_and_in_the_kpi_sums(database_url: str, memory_url: str) -> None:
    app = orders_app(database_url, memory_url)
    amount = "123456789012345.67"  # 17 significant digits: a float would not hold it
    async with running(app) as client:
        ceiling = {"amount": "999999999999999.99", "currency": "KZT"}
        ids = []
        for country in ("KZ", "KZ", "DE"):
            order = await create(client, price_ceiling=ceiling, category="production")
            await client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)
            supplier_id = uuid4()
            award = {"supplier_id": str(supplier_id), "contract_price": {"amount": amount, "currency": "KZT"}}
            assert (
                await client.post(f"/api/v1/orders/{order['id']}/award", json=award, headers=MOD)
            ).status_code == 200
            await confirm_award(app, order["id"], supplier_id, country)
            ids.append(order["id"])

        async def all_contracted() -> bool:
            return all([await status_of(client, i) == "contracted" for i in ids])

        await eventually(all_contracted)
        stored = (await client.get(f"/api/v1/orders/{ids[0]}", headers=AUDITOR)).json()
        assert stored["contract_price"]["amount"] == amount and stored["price_ceiling"] == ceiling
        report = (await client.get("/api/v1/analytics/kpi", headers=auth("auditor"))).json()
        production = next(c for c in report["categories"] if c["category"] == "production")
        assert production["contracted_value_kzt"] == "370370367037037.01"
        assert production["domestic_value_kzt"] == "246913578024691.34"
        assert production["domestic_share"] == 66.67 and production["gap"] == 3.33
        assert_problem(await client.get("/api/v1/analytics/kpi", headers=supplier(uuid4())), 403)
