"""Deliveries in lots through the real app (contract section 7): the schedule, units accepted one
inspection at a time, partial shipments and receipts, short receipts, concessions, dispositions and
discontinued inspection. Every bad input answers a 4xx problem+json and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from shared import clock
from shared.events.types import EventType
from tests.integration.orders.orders_helpers import (
    AUDITOR,
    MOD,
    Api,
    confirm_award,
    create,
    lot_verdict,
    orders_app,
    seen,
    spec,
    status_of,
    supplier,
)
from tests.support import EventTap, assert_problem, eventually, inject, running

SOON = date.today() + timedelta(days=60)
LATER = date.today() + timedelta(days=120)
TWO_LOTS = [{"quantity": 60, "due_date": SOON.isoformat()}, {"quantity": 40, "due_date": LATER.isoformat()}]


@pytest.fixture
async def both(database_url: str, memory_url: str) -> AsyncIterator[Api]:
    """The orders service on SQLite and on PostgreSQL."""
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)


class Walk:
    """One contracted order and its supplier, with the verbs of a delivery in lots."""

    def __init__(self, api: Api, order: dict[str, Any], supplier_id: UUID) -> None:
        self.api, self.id, self.supplier_id = api, order["id"], supplier_id
        self.url, self.me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)

    async def get(self) -> dict[str, Any]:
        response = await self.api.client.get(self.url, headers=AUDITOR)
        assert response.status_code == 200, response.text
        return response.json()

    async def reaches(self, status: str) -> dict[str, Any]:
        async def probe() -> bool:
            return await status_of(self.api.client, self.id) == status

        await eventually(probe, what=status)
        return await self.get()

    async def post(self, action: str, body: dict[str, Any] | None = None, role: dict[str, str] | None = None) -> Any:
        return await self.api.client.post(f"{self.url}/{action}", json=body, headers=role or self.me)

    async def submit(self, lot_size: int) -> dict[str, Any]:
        response = await self.post("submit-for-inspection", {"lot_size": lot_size})
        assert response.status_code == 200, response.text
        return response.json()

    async def inspect(self, lot_size: int, accepted: bool = True, **extra: Any) -> dict[str, Any]:
        """Submit a lot and let the quality service's verdict arrive."""
        submitted = await self.submit(lot_size)
        inspection_id = extra.pop("inspection_id", uuid4())
        await lot_verdict(
            self.api.app, self.id, accepted, round=submitted["inspection_rounds"], inspection_id=inspection_id
        )

        async def decided() -> bool:
            return await status_of(self.api.client, self.id) != "inspection"

        await eventually(decided, what="the verdict applied")
        return await self.get()

    async def ship(self, waybill: str, quantity: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"waybill": waybill, **({} if quantity is None else {"quantity": quantity})}
        response = await self.post("ship", body)
        assert response.status_code == 200, response.text
        return response.json()

    async def receive(self, received: int, shipment_no: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"received_quantity": received}
        if shipment_no is not None:
            body["shipment_no"] = shipment_no
        response = await self.post("confirm-delivery", body, MOD)
        assert response.status_code == 200, response.text
        return response.json()

    async def shipments(self) -> list[dict[str, Any]]:
        return (await self.api.client.get(f"{self.url}/shipments", headers=self.me)).json()["items"]

    async def history(self) -> list[dict[str, Any]]:
        return (await self.api.client.get(f"{self.url}/history", params={"limit": 500}, headers=AUDITOR)).json()[
            "items"
        ]


async def in_production(api: Api, **overrides: Any) -> Walk:
    supplier_id = uuid4()
    order = await create(api.client, **overrides)
    assert (await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)).status_code == 200
    body = {"supplier_id": str(supplier_id), "contract_price": {"amount": "900000.00", "currency": "KZT"}}
    assert (await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)).status_code == 200
    await confirm_award(api.app, order["id"], supplier_id)
    walk = Walk(api, order, supplier_id)
    await walk.reaches("contracted")
    assert (await walk.post("start-production")).status_code == 200
    return walk


def lots(order: dict[str, Any], field: str) -> list[Any]:
    return [lot[field] for lot in order["delivery_schedule"]]


# --- the schedule --------------------------------------------------------------------------------


async def test_an_order_without_a_schedule_has_one_lot_of_everything_due_on_the_deadline(api: Api) -> None:
    order = await create(api.client)
    assert order["delivery_schedule"] == [
        {
            "lot_no": 1,
            "quantity": 100,
            "due_date": order["delivery_deadline"],
            "accepted_quantity": 0,
            "shipped_quantity": 0,
            "received_quantity": 0,
            "on_time": None,
        }
    ]
    assert (order["accepted_quantity"], order["shipped_quantity"], order["received_quantity"]) == (0, 0, None)


async def test_a_schedule_is_kept_lot_by_lot_and_follows_the_default_when_quantity_or_deadline_change(
    api: Api,
) -> None:
    order = await create(api.client, delivery_schedule=TWO_LOTS)
    assert [(lot["lot_no"], lot["quantity"], lot["due_date"]) for lot in order["delivery_schedule"]] == [
        (1, 60, SOON.isoformat()),
        (2, 40, LATER.isoformat()),
    ]
    default = await create(api.client)
    url = f"/api/v1/orders/{default['id']}"
    changed = (await api.client.patch(url, json={"quantity": 30}, headers=MOD)).json()
    assert [(lot["quantity"], lot["due_date"]) for lot in changed["delivery_schedule"]] == [
        (30, default["delivery_deadline"])
    ]
    changed = (await api.client.patch(url, json={"delivery_deadline": SOON.isoformat()}, headers=MOD)).json()
    assert lots(changed, "due_date") == [SOON.isoformat()]


async def test_a_patch_of_the_quantity_alone_under_an_explicit_schedule_is_422_and_changes_nothing(api: Api) -> None:
    order = await create(api.client, delivery_schedule=TWO_LOTS)
    url = f"/api/v1/orders/{order['id']}"
    problem = assert_problem(await api.client.patch(url, json={"quantity": 120}, headers=MOD), 422)
    assert problem["errors"][0]["field"] == "delivery_schedule"
    assert "sum to 100" in problem["errors"][0]["message"]
    after = (await api.client.get(url, headers=MOD)).json()
    assert (after["version"], after["quantity"]) == (order["version"], 100)
    both = {"quantity": 120, "delivery_schedule": [*TWO_LOTS, {"quantity": 20, "due_date": LATER.isoformat()}]}
    assert lots((await api.client.patch(url, json=both, headers=MOD)).json(), "quantity") == [60, 40, 20]


async def test_the_schedule_is_frozen_at_publish(api: Api) -> None:
    order = await create(api.client, delivery_schedule=TWO_LOTS)
    url = f"/api/v1/orders/{order['id']}"
    await api.client.post(f"{url}/publish", headers=MOD)
    one_lot = {"delivery_schedule": [{"quantity": 100, "due_date": SOON.isoformat()}]}
    assert_problem(await api.client.patch(url, json=one_lot, headers=MOD), 409)
    assert lots((await api.client.get(url, headers=MOD)).json(), "quantity") == [60, 40]


BAD_SCHEDULES: list[tuple[str, Any, str]] = [
    ("empty", [], "delivery_schedule"),
    ("121 lots", [{"quantity": 1, "due_date": SOON.isoformat()}] * 121, "delivery_schedule"),
    ("short of the quantity", TWO_LOTS[:1], "delivery_schedule"),
    ("a lot of zero", [{"quantity": 0, "due_date": SOON.isoformat()}, TWO_LOTS[0]], "delivery_schedule[0].quantity"),
    (
        "due dates going back",
        [TWO_LOTS[1] | {"quantity": 60}, TWO_LOTS[0] | {"quantity": 40}],
        "delivery_schedule[1].due_date",
    ),
    (
        "due after the deadline",
        [TWO_LOTS[0], {"quantity": 40, "due_date": (LATER + timedelta(days=400)).isoformat()}],
        "delivery_schedule[1].due_date",
    ),
    ("not a date", [{"quantity": 100, "due_date": "soon"}], "delivery_schedule[0].due_date"),
    ("null", None, "delivery_schedule"),
]


@pytest.mark.parametrize(("case", "schedule", "field"), BAD_SCHEDULES, ids=[c[0] for c in BAD_SCHEDULES])
async def test_a_bad_schedule_is_422_naming_the_field_on_create_and_patch(
    api: Api, case: str, schedule: Any, field: str
) -> None:
    body = {"delivery_schedule": schedule}
    if schedule is not None:  # create takes null as "the default"; patch refuses it
        created = await api.client.post(
            "/api/v1/orders", json=spec(delivery_deadline=LATER.isoformat(), **body), headers=MOD
        )
        assert assert_problem(created, 422)["errors"][0]["field"] == field
    listed = (await api.client.get("/api/v1/orders", headers=AUDITOR)).json()["items"]
    assert listed == []
    order = await create(api.client)
    problem = assert_problem(await api.client.patch(f"/api/v1/orders/{order['id']}", json=body, headers=MOD), 422)
    assert problem["errors"][0]["field"] == field
    after = (await api.client.get(f"/api/v1/orders/{order['id']}", headers=MOD)).json()
    assert after["version"] == order["version"] and len(lots(after, "quantity")) == 1
    assert len((await api.client.get("/api/v1/orders", headers=AUDITOR)).json()["items"]) == len(listed) + 1


# --- units, shipments and receipts -----------------------------------------------------------------


async def test_two_lots_are_accepted_shipped_and_received_in_parts_with_a_short_receipt_replaced(both: Api) -> None:
    async with EventTap(both.bus) as tap:
        walk = await in_production(both, delivery_deadline=LATER.isoformat(), delivery_schedule=TWO_LOTS)
        first = await walk.inspect(60)
        assert (first["status"], first["accepted_quantity"]) == ("in_production", 60)
        assert lots(first, "accepted_quantity") == [60, 0]
        assert (await walk.ship("WB-1"))["status"] == "in_production"
        second = await walk.inspect(40)
        assert (second["status"], second["accepted_quantity"], second["shipped_quantity"]) == ("accepted", 100, 60)
        assert (await walk.ship("WB-2"))["status"] == "shipped"

        problem = assert_problem(await walk.post("confirm-delivery", {"received_quantity": 60}, MOD), 422)
        assert problem["errors"][0]["field"] == "shipment_no"
        received = await walk.receive(60, shipment_no=1)
        assert (received["status"], received["received_quantity"]) == ("shipped", 60)
        short = await walk.receive(35, shipment_no=2)
        assert (short["status"], short["accepted_quantity"], short["shipped_quantity"]) == ("in_production", 95, 95)
        assert lots(short, "received_quantity") == [60, 35] and lots(short, "on_time") == [True, None]
        event = (await eventually(lambda: seen(tap, EventType.ORDER_DELIVERY_SHORT, walk.id)))[0]["data"]
        assert (event["shipment_no"], event["shipped"], event["received"]) == (2, 40, 35)

        replaced = await walk.inspect(5)
        assert replaced["status"] == "accepted"
        assert (await walk.ship("WB-3"))["status"] == "shipped"
        delivered = await walk.receive(5)
        assert (delivered["status"], delivered["received_quantity"], delivered["on_time"]) == ("delivered", 100, True)
        assert lots(delivered, "on_time") == [True, True]
        shipments = await walk.shipments()
        assert [
            (s["shipment_no"], s["quantity"], s["waybill"], s["received_quantity"], s["on_time"]) for s in shipments
        ] == [
            (1, 60, "WB-1", 60, True),
            (2, 40, "WB-2", 35, True),
            (3, 5, "WB-3", 5, True),
        ]
        done = (await eventually(lambda: seen(tap, EventType.ORDER_DELIVERED, walk.id)))[0]["data"]
        assert (done["lots"], done["lots_on_time"], done["on_time"], done["received_quantity"]) == (2, 2, True, 100)
    walked = [h["to_status"] for h in await walk.history()]
    assert walked[4:] == [
        "in_production", "inspection", "in_production", "in_production", "inspection", "accepted", "shipped",
        "shipped", "in_production", "inspection", "accepted", "shipped", "delivered",
    ]  # fmt: skip
    audit = (
        await both.client.get("/api/v1/audit", params={"resource_id": walk.id, "limit": 500}, headers=AUDITOR)
    ).json()
    assert len(audit["items"]) == len(walked)
    assert (await both.client.get("/api/v1/audit/verify", headers=AUDITOR)).json()["valid"] is True


async def test_the_shipments_list_is_paged_and_another_suppliers_is_not_found(api: Api) -> None:
    walk = await in_production(api)
    await walk.inspect(100)
    for n in range(3):
        await walk.ship(f"WB-{n}", quantity=10)
    page = (await api.client.get(f"{walk.url}/shipments", params={"limit": 2}, headers=walk.me)).json()
    assert [s["shipment_no"] for s in page["items"]] == [1, 2] and page["next_cursor"]
    rest = await api.client.get(f"{walk.url}/shipments", params={"cursor": page["next_cursor"]}, headers=walk.me)
    assert [s["shipment_no"] for s in rest.json()["items"]] == [3] and rest.json()["next_cursor"] is None
    assert_problem(await api.client.get(f"{walk.url}/shipments", headers=supplier(uuid4())), 404)


async def test_a_receipt_is_dated_on_the_ministrys_calendar_not_utc(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    due = date.today() + timedelta(days=30)
    walk = await in_production(api, delivery_deadline=due.isoformat())
    await walk.inspect(100)
    await walk.ship("WB-1")
    # 20:00 UTC on the due date is already the next day in Almaty (UTC+5).
    monkeypatch.setattr(clock, "now", lambda: datetime(due.year, due.month, due.day, 20, 0, tzinfo=UTC))
    late = await walk.receive(100)
    assert (late["status"], late["on_time"], late["delivered_on"]) == (
        "delivered",
        False,
        (due + timedelta(days=1)).isoformat(),
    )


async def test_on_utc_calendar_the_same_receipt_is_on_time(
    tmp_path: Any, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = orders_app(f"sqlite+aiosqlite:///{tmp_path / 'utc.db'}", memory_url, timezone="UTC")
    async with running(app) as client:
        api = Api(app, client, memory_url)
        due = date.today() + timedelta(days=30)
        walk = await in_production(api, delivery_deadline=due.isoformat())
        await walk.inspect(100)
        await walk.ship("WB-1")
        monkeypatch.setattr(clock, "now", lambda: datetime(due.year, due.month, due.day, 20, 0, tzinfo=UTC))
        assert (await walk.receive(100))["on_time"] is True


# --- bad input: a clear 4xx, and nothing changes ------------------------------------------------------


async def unchanged(walk: Walk, before: dict[str, Any], response: httpx.Response, status: int) -> dict[str, Any]:
    """The refusal's problem body, after checking the order (and its shipments) are as they were."""
    problem = assert_problem(response, status)
    assert await walk.get() == before, "a refused request changed the order"
    return problem


async def test_a_lot_larger_than_the_units_not_yet_accepted_is_422_naming_lot_size(api: Api) -> None:
    walk = await in_production(api)
    await walk.inspect(70)
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post("submit-for-inspection", {"lot_size": 31}), 422)
    assert problem["errors"] == [
        {"field": "lot_size", "message": "must not exceed the 30 units not yet accepted (70 of 100 are)"}
    ]
    assert (await walk.submit(30))["lot_size"] == 30


async def test_shipping_more_than_the_accepted_unshipped_units_is_422_and_nothing_left_is_409(api: Api) -> None:
    walk = await in_production(api)
    await walk.inspect(40)
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post("ship", {"waybill": "WB-1", "quantity": 41}), 422)
    assert problem["errors"][0]["field"] == "quantity"
    assert await walk.shipments() == []
    await walk.ship("WB-1", 40)
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post("ship", {"waybill": "WB-2"}), 409)
    assert problem["type"] == "urn:sdo:problem:nothing-to-ship"
    assert len(await walk.shipments()) == 1
    for body, field in (({"waybill": "WB-2", "quantity": 0}, "quantity"), ({"quantity": 5}, "waybill")):
        assert assert_problem(await walk.post("ship", body), 422)["errors"][0]["field"] == field


async def test_nothing_ships_from_inspection_rework_or_before_production(api: Api) -> None:
    walk = await in_production(api)
    await walk.submit(50)
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post("ship", {"waybill": "WB-1"}), 409)
    assert problem["current_status"] == "inspection"


async def test_bad_receipts_are_refused_and_change_nothing(both: Api) -> None:
    walk = await in_production(both)
    receipt = "confirm-delivery"
    assert_problem(await walk.post(receipt, {"received_quantity": 1}, MOD), 409)  # nothing shipped yet
    await walk.inspect(100)
    await walk.ship("WB-1", 30)
    await walk.ship("WB-2", 20)
    before = await walk.get()
    cases = [
        ({"received_quantity": 10}, 422, "shipment_no"),  # two waiting: say which
        ({"received_quantity": 10, "shipment_no": 3}, 422, "shipment_no"),
        ({"received_quantity": 31, "shipment_no": 1}, 422, "received_quantity"),
        ({"received_quantity": 0, "shipment_no": 1}, 422, "received_quantity"),
        ({"received_quantity": 10, "shipment_no": 0}, 422, "shipment_no"),
        ({"shipment_no": 1}, 422, "received_quantity"),
    ]
    for body, status, field in cases:
        problem = await unchanged(walk, before, await walk.post(receipt, body, MOD), status)
        assert problem["errors"][0]["field"] == field, body
    await walk.receive(30, 1)
    before = await walk.get()
    problem = await unchanged(
        walk, before, await walk.post(receipt, {"received_quantity": 5, "shipment_no": 1}, MOD), 409
    )
    assert problem["type"] == "urn:sdo:problem:shipment-already-received"
    await walk.receive(20)
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post(receipt, {"received_quantity": 5}, MOD), 409)
    assert problem["type"] == "urn:sdo:problem:no-shipment-in-transit"


# --- the quality service's decisions on rejected lots ------------------------------------------------


async def rejected(api: Api, lot_size: int = 100, **overrides: Any) -> tuple[Walk, UUID]:
    walk = await in_production(api, **overrides)
    inspection_id = uuid4()
    assert (await walk.inspect(lot_size, accepted=False, inspection_id=inspection_id))["status"] == "rework"
    return walk, inspection_id


async def test_a_lot_accepted_under_concession_reduces_the_price_and_says_why(both: Api) -> None:
    walk, inspection_id = await rejected(both, 100)
    nonconformance_id = uuid4()
    data = {
        "order_id": walk.id,
        "inspection_id": str(inspection_id),
        "certificate_id": str(uuid4()),
        "lot_size": 100,
        "concession": True,
        "price_reduction_kzt": "90000.00",
        "nonconformance_id": str(nonconformance_id),
    }
    await inject(both.app, EventType.QUALITY_LOT_ACCEPTED, walk.id, data)
    order = await walk.reaches("accepted")
    assert order["accepted_quantity"] == 100
    assert order["contract_price"] == {"amount": "810000.00", "currency": "KZT"}
    assert order["contract_price_kzt"] == "810000.00"
    last = (await walk.history())[-1]
    assert (last["from_status"], last["to_status"]) == ("rework", "accepted")
    assert "concession" in last["reason"] and "90000.00 KZT" in last["reason"]
    audit = (
        await both.client.get("/api/v1/audit", params={"resource_id": walk.id, "limit": 500}, headers=AUDITOR)
    ).json()
    details = audit["items"][-1]["details"]
    assert (details["concession"], details["price_reduction_kzt"], details["nonconformance_id"]) == (
        True,
        "90000.00",
        str(nonconformance_id),
    )
    kpi = (await both.client.get("/api/v1/analytics/kpi", headers=AUDITOR)).json()["categories"]
    assert next(c for c in kpi if c["category"] == "repair")["contracted_value_kzt"] == "810000.00"


async def test_a_scrapped_lot_goes_back_to_production_and_a_rework_disposition_keeps_the_order_in_rework(
    api: Api,
) -> None:
    walk, inspection_id = await rejected(api, 50)
    data = {"order_id": walk.id, "nonconformance_id": str(uuid4()), "inspection_id": str(inspection_id)}
    await inject(api.app, EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED, walk.id, {**data, "disposition": "rework"})
    await inject(api.app, EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED, walk.id, {**data, "disposition": "scrap"})
    order = await walk.reaches("in_production")
    assert order["accepted_quantity"] == 0
    assert [h["to_status"] for h in await walk.history()][-2:] == ["rework", "in_production"]
    assert (await walk.submit(100))["status"] == "inspection"


async def test_a_discontinued_inspection_refuses_new_lots_until_it_is_resumed(both: Api) -> None:
    walk, _ = await rejected(both, 50)
    await inject(
        both.app, EventType.QUALITY_INSPECTION_DISCONTINUED, walk.id, {"order_id": walk.id, "lots_not_accepted": 5}
    )

    async def stopped() -> bool:
        return (await walk.get())["inspection_discontinued"]

    await eventually(stopped, what="discontinued")
    before = await walk.get()
    problem = await unchanged(walk, before, await walk.post("submit-for-inspection", {"lot_size": 50}), 409)
    assert problem["type"] == "urn:sdo:problem:inspection_discontinued"
    await inject(both.app, EventType.QUALITY_INSPECTION_RESUMED, walk.id, {"order_id": walk.id, "reason": "CAPA done"})

    async def resumed() -> bool:
        return not (await walk.get())["inspection_discontinued"]

    await eventually(resumed, what="resumed")
    assert (await walk.submit(50))["status"] == "inspection"
    assert "inspection resumed: CAPA done" in [h["reason"] for h in await walk.history()]


async def test_the_openapi_document_draws_the_new_edges(api: Api) -> None:
    schema = (await api.client.get("/openapi.json")).json()
    ship = schema["paths"]["/api/v1/orders/{order_id}/ship"]["post"]["description"]
    receive = schema["paths"]["/api/v1/orders/{order_id}/confirm-delivery"]["post"]["description"]
    assert "`in_production` or `accepted`" in ship and "`in_production`" in receive and "delivery_short" in receive
    assert "/api/v1/orders/{order_id}/shipments" in schema["paths"]
    assert "delivery_schedule" in schema["components"]["schemas"]["OrderCreate"]["properties"]
