"""The scorecard counts lots and what happened to them, and the awarded value follows the price in force:
events from the orders and quality services on the in-process bus, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
from supplier_fixtures import (
    AUDITOR,
    active_supplier,
    consumed,
    contracted,
    delivered,
    foreign_body,
    kz_body,
    lot_verdict,
    suppliers_app,
    tell,
)

from shared.events.types import EventType
from tests.support import eventually, running


def delivery_short(order_id: UUID, supplier_id: str, shipment_no: int, shipped: int, received: int) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "in_production",
        "version": 11,
        "supplier_id": supplier_id,
        "from_status": "shipped",
        "shipment_no": shipment_no,
        "shipped": shipped,
        "received": received,
    }


def dispositioned(
    order_id: UUID, inspection_id: UUID, disposition: str, *, reduction: str | None = None
) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "nonconformance_id": str(uuid4()),
        "inspection_id": str(inspection_id),
        "disposition": disposition,
        "price_reduction_kzt": reduction,
        "reason": "dimension within the drawing's tolerance for use",
    }


def amended(order_id: UUID, number: int, price: str | None) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "in_production",
        "version": 7 + number,
        "amendment_number": number,
        "before": {"contract_price_kzt": "1000000.00"},
        "after": {"contract_price_kzt": price},
        "contract_price_kzt": price,
    }


async def scorecard(client: httpx.AsyncClient, supplier_id: str) -> dict[str, Any]:
    return (await client.get(f"/api/v1/suppliers/{supplier_id}/scorecard", headers=AUDITOR)).json()


async def repair_row(client: httpx.AsyncClient) -> dict[str, Any]:
    body = (await client.get("/api/v1/analytics/diversification", headers=AUDITOR)).json()
    return next(row for row in body["categories"] if row["category"] == "repair")


async def applied(client: httpx.AsyncClient, counts: dict[str, int]) -> bool:
    for event_type, n in counts.items():
        if await consumed(client, event_type, "applied") < n:
            return False
    return True


async def test_an_order_in_three_lots_counts_its_lots_short_receipts_concession_and_discontinuation_once(
    database_url: str, memory_url: str
) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client:
        sid = (await active_supplier(client))["id"]
        order_id, rejected, first, second = uuid4(), uuid4(), uuid4(), uuid4()
        await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid))
        await tell(app, EventType.QUALITY_LOT_ACCEPTED, order_id, lot_verdict(order_id, first, accepted=True))
        await tell(app, EventType.QUALITY_LOT_REJECTED, order_id, lot_verdict(order_id, rejected, accepted=False))
        concession = dispositioned(order_id, rejected, "use_as_is", reduction="50000.00")
        await tell(app, EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED, order_id, concession)
        accepted_as_is = {
            **lot_verdict(order_id, rejected, accepted=True),
            "concession": True,
            "price_reduction_kzt": "50000.00",
            "nonconformance_id": concession["nonconformance_id"],
        }
        await tell(app, EventType.QUALITY_LOT_ACCEPTED, order_id, accepted_as_is)
        await tell(app, EventType.QUALITY_LOT_ACCEPTED, order_id, lot_verdict(order_id, second, accepted=True))
        short = delivery_short(order_id, sid, 1, shipped=40, received=38)
        await tell(app, EventType.ORDER_DELIVERY_SHORT, order_id, short)
        stop = {"order_id": str(order_id), "supplier_id": sid, "lots_not_accepted": 5}
        await tell(app, EventType.QUALITY_INSPECTION_DISCONTINUED, order_id, stop)
        resumed = {"order_id": str(order_id), "supplier_id": sid, "reason": "corrective action verified"}
        await tell(app, EventType.QUALITY_INSPECTION_RESUMED, order_id, resumed)
        done = {**delivered(order_id, sid, on_time=False), "lots": 3, "lots_on_time": 2}
        await tell(app, EventType.ORDER_DELIVERED, order_id, done)
        # The same facts told again under new event ids: each counts once.
        await tell(app, EventType.ORDER_DELIVERY_SHORT, order_id, short)
        await tell(app, EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED, order_id, concession)
        await tell(app, EventType.ORDER_DELIVERED, order_id, done)
        await eventually(
            lambda: applied(
                client,
                {
                    EventType.ORDER_DELIVERED: 2,
                    EventType.ORDER_DELIVERY_SHORT: 2,
                    EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED: 2,
                    EventType.QUALITY_LOT_ACCEPTED: 3,
                    EventType.QUALITY_INSPECTION_RESUMED: 1,
                },
            ),
            what="every event applied",
        )

        card = await scorecard(client, sid)
        row = await repair_row(client)
        trail = (await client.get("/api/v1/audit", params={"resource_id": sid}, headers=AUDITOR)).json()["items"]

    assert card == {
        "supplier_id": sid,
        "orders_awarded": 1,
        "lots_inspected": 3,
        "lots_accepted": 2,
        "acceptance_rate": 66.67,
        "deliveries": 3,
        "on_time_deliveries": 2,
        "on_time_rate": 66.67,
        "short_deliveries": 1,
        "concessions": 1,
        "discontinuations": 1,
    }
    # The concession's price reduction leaves the awarded value, as it leaves the contract price.
    assert row["awarded_value_kzt"] == "950000.00"
    assert sorted(e["action"] for e in trail if e["action"].startswith("scorecard_")) == [
        "scorecard_award_counted",
        "scorecard_concession_counted",
        "scorecard_delivery_counted",
        "scorecard_discontinuation_counted",
        "scorecard_lot_counted",
        "scorecard_lot_counted",
        "scorecard_lot_counted",
        "scorecard_short_delivery_counted",
    ]


async def test_a_discontinuation_told_again_counts_once_and_a_new_one_after_resumption_counts_again(
    app: Any, client: httpx.AsyncClient
) -> None:
    sid = (await active_supplier(client))["id"]
    order_id = uuid4()
    await tell(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, sid))
    stop = {"order_id": str(order_id), "lots_not_accepted": 5}  # no supplier named: the contract's
    resumed = {"order_id": str(order_id), "reason": "corrective action verified"}
    for event_type, data in [
        (EventType.QUALITY_INSPECTION_DISCONTINUED, stop),
        (EventType.QUALITY_INSPECTION_DISCONTINUED, stop),
        (EventType.QUALITY_INSPECTION_RESUMED, resumed),
        (EventType.QUALITY_INSPECTION_DISCONTINUED, stop),
    ]:
        await tell(app, event_type, order_id, data)
    await eventually(lambda: applied(client, {EventType.QUALITY_INSPECTION_DISCONTINUED: 3}), what="applied")

    assert (await scorecard(client, sid))["discontinuations"] == 2


async def test_diversification_follows_amended_prices_in_amendment_order(database_url: str, memory_url: str) -> None:
    app = suppliers_app(database_url, memory_url)
    async with running(app) as client:
        kz = (await active_supplier(client, kz_body(categories=["repair"])))["id"]
        tr = (await active_supplier(client, foreign_body("TR", categories=["repair"])))["id"]
        kz_order, tr_order = uuid4(), uuid4()
        await tell(app, EventType.ORDER_CONTRACTED, kz_order, contracted(kz_order, kz, price="1000000.00"))
        await tell(app, EventType.ORDER_CONTRACTED, tr_order, contracted(tr_order, tr, price="1000000.00"))
        await eventually(lambda: applied(client, {EventType.ORDER_CONTRACTED: 2}), what="contracts")
        assert (await repair_row(client))["by_country"] == {"KZ": 50.0, "TR": 50.0}

        # The second amendment overtakes the first on the bus; the first then changes nothing.
        await tell(app, EventType.ORDER_AMENDED, tr_order, amended(tr_order, 2, "250000.00"))
        await tell(app, EventType.ORDER_AMENDED, tr_order, amended(tr_order, 1, "500000.00"))
        # An amendment of the deadline only: the price stays.
        await tell(app, EventType.ORDER_AMENDED, kz_order, amended(kz_order, 1, None))
        await eventually(lambda: applied(client, {EventType.ORDER_AMENDED: 3}), what="amendments")
        row = await repair_row(client)
        trail = (await client.get("/api/v1/audit", params={"resource_id": str(tr_order)}, headers=AUDITOR)).json()

    assert row["awarded_value_kzt"] == "1250000.00"
    assert row["by_country"] == {"KZ": 80.0, "TR": 20.0}
    assert row["domestic_share"] == 80.0
    assert row["hhi"] == 6800.0
    assert [e["action"] for e in trail["items"]] == ["contract_repriced"]
