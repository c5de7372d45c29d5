"""Award decisions, the scorecard and diversification, driven by events on the in-process bus."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI
from supplier_fixtures import (
    AUDITOR,
    OFFICER,
    TODAY,
    active_supplier,
    add_certification,
    award_requested,
    consumed,
    contracted,
    delivered,
    foreign_body,
    kz_body,
    lot_verdict,
    register,
    suppliers_app,
    tell,
)

from shared.events.types import EventType
from tests.support import EventTap, auth, eventually, running


async def answer_to(tap: EventTap, order_id: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        for event in tap.events:
            if event["type"].startswith("kz.sdo.supplier.award_") and event["data"]["order_id"] == str(order_id):
                return event
        return None

    return await eventually(probe, what=f"award answer for {order_id}")


async def test_an_eligible_supplier_is_confirmed_with_its_country_and_local_content(
    app: FastAPI, client: httpx.AsyncClient, tap: EventTap
) -> None:
    supplier = await active_supplier(client, kz_body(local_content_share=64.25))
    await add_certification(client, supplier["id"], "AQAP-2110")
    order_id = uuid4()

    await tell(
        app,
        EventType.ORDER_AWARD_REQUESTED,
        order_id,
        award_requested(order_id, supplier["id"], required_certifications=["aqap-2110"]),
        correlationid="req-award-1",
    )

    answer = await answer_to(tap, order_id)
    assert answer["type"] == EventType.SUPPLIER_AWARD_CONFIRMED
    assert answer["subject"] == str(order_id)
    assert answer["source"] == "sdo/suppliers"
    assert answer["correlationid"] == "req-award-1"
    assert answer["data"] == {
        "order_id": str(order_id),
        "supplier_id": supplier["id"],
        "supplier_country": "KZ",
        "local_content_share": "64.25",
    }
    trail = (await client.get("/api/v1/audit", params={"resource_id": str(order_id)}, headers=AUDITOR)).json()
    assert [entry["action"] for entry in trail["items"]] == ["award_confirmed"]


async def test_an_ineligible_supplier_is_declined_with_every_reason_at_the_delivery_deadline(
    app: FastAPI, client: httpx.AsyncClient, tap: EventTap
) -> None:
    supplier = await active_supplier(client, foreign_body("BY", categories=["repair"]), category="repair")
    # Valid today, expired by the delivery deadline.
    await add_certification(client, supplier["id"], "ISO 9001", until=TODAY + timedelta(days=30))
    order_id = uuid4()
    data = award_requested(
        order_id,
        supplier["id"],
        category="repair",
        required_certifications=["ISO 9001"],
        min_local_content="50",
        delivery_deadline=(TODAY + timedelta(days=60)).isoformat(),
    )

    await tell(app, EventType.ORDER_AWARD_REQUESTED, order_id, data)

    answer = await answer_to(tap, order_id)
    assert answer["type"] == EventType.SUPPLIER_AWARD_DECLINED
    assert answer["data"]["reasons"] == [
        "missing_certification",
        "local_content_below_minimum",
        "country_restricted",
        "no_security_clearance",
    ]
    assert answer["data"]["missing_certifications"] == ["ISO 9001"]


async def test_an_unknown_or_suspended_supplier_is_declined_as_not_active(
    app: FastAPI, client: httpx.AsyncClient, tap: EventTap
) -> None:
    unknown_order, suspended_order = uuid4(), uuid4()
    await tell(app, EventType.ORDER_AWARD_REQUESTED, unknown_order, award_requested(unknown_order, uuid4()))
    assert (await answer_to(tap, unknown_order))["data"]["reasons"] == ["not_active"]

    supplier = await active_supplier(client)
    suspend = await client.post(
        f"/api/v1/suppliers/{supplier['id']}/suspend", json={"reason": "inquiry"}, headers=OFFICER
    )
    assert suspend.status_code == 200
    await tell(app, EventType.ORDER_AWARD_REQUESTED, suspended_order, award_requested(suspended_order, supplier["id"]))
    assert (await answer_to(tap, suspended_order))["data"]["reasons"] == ["not_active"]


async def scorecard(client: httpx.AsyncClient, supplier_id: str) -> dict[str, Any]:
    return (await client.get(f"/api/v1/suppliers/{supplier_id}/scorecard", headers=AUDITOR)).json()


async def test_the_scorecard_counts_each_fact_once_however_often_it_is_told(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sid = (await active_supplier(client))["id"]
    order_id, first_round, second_round = uuid4(), uuid4(), uuid4()
    contract_id = await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid))
    # Without supplier_id: the supplier is found through the contract recorded above.
    await tell(app, EventType.QUALITY_LOT_REJECTED, order_id, lot_verdict(order_id, first_round, accepted=False))
    await tell(
        app,
        EventType.QUALITY_LOT_ACCEPTED,
        order_id,
        lot_verdict(order_id, second_round, accepted=True, supplier_id=sid),
    )
    await tell(app, EventType.ORDER_DELIVERED, order_id, delivered(order_id, sid, on_time=True))
    expected = {
        "supplier_id": sid,
        "orders_awarded": 1,
        "lots_inspected": 2,
        "lots_accepted": 1,
        "acceptance_rate": 50.0,
        "deliveries": 1,
        "on_time_deliveries": 1,
        "on_time_rate": 100.0,
        "short_deliveries": 0,
        "concessions": 0,
        "discontinuations": 0,
    }
    await eventually(lambda: _equals(scorecard(client, sid), expected), what="scorecard")
    version = (await client.get(f"/api/v1/suppliers/{sid}", headers=AUDITOR)).json()["version"]

    # The same event redelivered, and the same facts published again under new event ids.
    await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid), id=contract_id)
    await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid))
    await tell(app, EventType.QUALITY_LOT_REJECTED, order_id, lot_verdict(order_id, first_round, accepted=False))
    await tell(app, EventType.ORDER_DELIVERED, order_id, delivered(order_id, sid, on_time=False))
    await eventually(
        lambda: _at_least(consumed(client, EventType.ORDER_DELIVERED, "applied"), 2), what="all redeliveries handled"
    )

    assert await consumed(client, EventType.ORDER_CONTRACTED, "duplicate") == 1
    assert await scorecard(client, sid) == expected
    assert (await client.get(f"/api/v1/suppliers/{sid}", headers=AUDITOR)).json()["version"] == version
    trail = (await client.get("/api/v1/audit", params={"resource_id": sid}, headers=AUDITOR)).json()["items"]
    assert [e["action"] for e in trail if e["action"].startswith("scorecard_")] == [
        "scorecard_award_counted",
        "scorecard_lot_counted",
        "scorecard_lot_counted",
        "scorecard_delivery_counted",
    ]


async def _equals(value: Any, expected: Any) -> bool:
    return await value == expected


async def _at_least(value: Any, n: float) -> bool:
    return await value >= n


async def test_a_verdict_that_arrives_before_the_contract_counts_when_the_contract_does(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sid = (await active_supplier(client))["id"]
    order_id = uuid4()
    await tell(app, EventType.QUALITY_LOT_ACCEPTED, order_id, lot_verdict(order_id, uuid4(), accepted=True))
    await eventually(lambda: _at_least(consumed(client, EventType.QUALITY_LOT_ACCEPTED, "applied"), 1))
    assert (await scorecard(client, sid))["lots_inspected"] == 0

    await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid))
    card = await eventually(
        lambda: _when(scorecard(client, sid), lambda c: c["orders_awarded"] == 1), what="contract counted"
    )
    assert (card["lots_inspected"], card["lots_accepted"], card["acceptance_rate"]) == (1, 1, 100.0)
    assert card["on_time_rate"] is None


async def _when(value: Any, condition: Any) -> Any:
    result = await value
    return result if condition(result) else None


async def test_diversification_shares_value_by_country_and_supplier(database_url: str, memory_url: str) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client:
        kz_big = (await active_supplier(client, kz_body(categories=["repair"])))["id"]
        kz_small = (await active_supplier(client, kz_body(categories=["repair", "production"])))["id"]
        tr = (await active_supplier(client, foreign_body("TR", categories=["repair"])))["id"]
        await register(client, kz_body(categories=["repair"]))  # pending: not counted as active
        awards = [(kz_big, "400000.00"), (kz_big, "200000.50"), (kz_small, "199999.50"), (tr, "200000.00")]
        for supplier_id, price in awards:
            order_id = uuid4()
            await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, price=price))
        await tell(app, EventType.ORDER_CONTRACTED, uuid4(), contracted(uuid4(), tr, category="production"))

        async def repair_row() -> dict[str, Any] | None:
            body = (await client.get("/api/v1/analytics/diversification", headers=AUDITOR)).json()
            rows = {row["category"]: row for row in body["categories"]}
            return rows["repair"] if rows["production"]["awarded_value_kzt"] != "0.00" else None

        repair = await eventually(repair_row, what="five contracts counted")

    assert repair == {
        "category": "repair",
        "active_suppliers": 3,
        "awarded_value_kzt": "1000000.00",
        "by_country": {"KZ": 80.0, "TR": 20.0},
        "domestic_share": 80.0,
        # Supplier shares 60.00005 %, 19.99995 % and 20 %: 3600.006 + 399.998 + 400 = 4400.004.
        "hhi": 4400.0,
        # Countries 80 % and 20 %: 6400 + 400.
        "hhi_by_country": 6800.0,
    }


async def test_diversification_is_for_ministry_readers(client: httpx.AsyncClient) -> None:
    empty = await client.get("/api/v1/analytics/diversification", headers=OFFICER)
    assert [row["category"] for row in empty.json()["categories"]] == [
        "procurement",
        "maintenance",
        "repair",
        "modernization",
        "production",
    ]
    assert empty.json()["categories"][0] == {
        "category": "procurement",
        "active_suppliers": 0,
        "awarded_value_kzt": "0.00",
        "by_country": {},
        "domestic_share": None,
        "hhi": None,
        "hhi_by_country": None,
    }
    cached = await client.get(
        "/api/v1/analytics/diversification", headers={**OFFICER, "If-None-Match": empty.headers["etag"]}
    )
    assert cached.status_code == 304
    for role, status in [("mod_officer", 200), ("integration", 200), ("quality_inspector", 403)]:
        assert (await client.get("/api/v1/analytics/diversification", headers=auth(role))).status_code == status


async def test_a_cancelled_contract_leaves_diversification_but_stays_counted_as_awarded(
    database_url: str, memory_url: str
) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client:
        supplier_id = (await active_supplier(client, kz_body(categories=["repair"])))["id"]
        kept, cancelled_after, cancelled_before = uuid4(), uuid4(), uuid4()
        await tell(app, EventType.ORDER_CONTRACTED, kept, contracted(kept, supplier_id, price="300000.00"))
        await tell(app, EventType.ORDER_CONTRACTED, cancelled_after, contracted(cancelled_after, supplier_id))
        await tell(app, EventType.ORDER_CANCELLED, cancelled_after, _cancelled(cancelled_after, supplier_id))
        # Out of order: the cancellation overtakes its contract on the bus.
        await tell(app, EventType.ORDER_CANCELLED, cancelled_before, _cancelled(cancelled_before, supplier_id))
        await tell(app, EventType.ORDER_CONTRACTED, cancelled_before, contracted(cancelled_before, supplier_id))

        async def settled() -> bool:
            return await consumed(client, EventType.ORDER_CONTRACTED, "applied") == 3 and (
                await consumed(client, EventType.ORDER_CANCELLED, "applied") == 2
            )

        await eventually(settled, what="contracts and cancellations applied")
        body = (await client.get("/api/v1/analytics/diversification", headers=AUDITOR)).json()
        repair = next(row for row in body["categories"] if row["category"] == "repair")
        scorecard = (await client.get(f"/api/v1/suppliers/{supplier_id}/scorecard", headers=AUDITOR)).json()

    assert repair["awarded_value_kzt"] == "300000.00"
    assert repair["hhi"] == 10000.0
    assert scorecard["orders_awarded"] == 3


def _cancelled(order_id: Any, supplier_id: str) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2026-000009",
        "status": "cancelled",
        "version": 6,
        "supplier_id": supplier_id,
        "from_status": "in_production",
        "reason": "requirement withdrawn",
    }
