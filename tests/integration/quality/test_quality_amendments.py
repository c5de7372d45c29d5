"""Amendments through the real app on SQLite and PostgreSQL: the plan's GET shows the quantity and
price in force and its amendments, taken once and in amendment order; the concession cap follows
the amended price; a lot larger than what remains is inspected as submitted and says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from quality_fixtures import (
    OFFICER,
    Order,
    amended,
    consumed,
    quality_app,
)

from services.quality.domain.sampling import plan_for
from shared.events.types import EventType
from tests.support import assert_problem, auth, eventually, inject, running

OFF_SIZE = {"DIAM": 10.2, "PRESS": 120}
AUDITOR = auth("auditor")


def kzt(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "KZT"}


@pytest.fixture
async def service(database_url: str, memory_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = quality_app(database_url, memory_url)
    async with running(app) as client:
        yield app, client


class AmendedOrder(Order):
    """An order contracted over the bus (1000 units, 1,000,000.00 KZT, AQL 10; lots of 2), then amended."""

    async def plan_response(self, **headers: str) -> httpx.Response:
        return await self.client.get(f"/api/v1/plans/{self.id}", headers=headers or OFFICER)

    async def amend(self, number: int, *, wait_for: int | None = None, **fields: Any) -> str:
        """Publish amendment ``number``; wait until ``wait_for`` amendment events were applied."""
        event_id = fields.pop("id", None)
        extra = {"id": UUID(event_id)} if event_id else {}
        body = amended(self.id, self.supplier_id, number, **fields)
        sent = await inject(self.app, EventType.ORDER_AMENDED, self.id, body, **extra)
        if wait_for is not None:
            await eventually(
                lambda: _at_least(consumed(self.app, EventType.ORDER_AMENDED, "applied"), wait_for),
                what=f"{wait_for} amendment(s) applied",
            )
        return sent


async def _at_least(value: float, n: int) -> bool:
    return value >= n


async def test_the_plan_shows_the_quantity_and_price_in_force_and_its_amendments_in_order_once(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    order = await AmendedOrder(app, client).contract()
    contracted_plan = (await order.plan_response()).json()
    assert (contracted_plan["quantity"], contracted_plan["remaining_quantity"]) == (1000, 1000)
    assert contracted_plan["contract_price"] == kzt("1000000.00")
    assert (contracted_plan["amendment_number"], contracted_plan["amendments"]) == (0, [])
    assert contracted_plan["largest_next_lot"]["lot_size"] == 1000
    await order.lot()  # 2 units accepted

    # Amendment 2 overtakes amendment 1 on the bus; 1 then changes nothing, nor does 2 published again.
    changes = {"quantity": 300, "contract_price": kzt("500000.00")}
    second = await order.amend(2, changes=changes, quantity=300, accepted=2, price="500000.00", wait_for=1)
    after_second = await order.plan_response()
    await order.amend(1, changes={"quantity": 800}, quantity=800, wait_for=2)
    await order.amend(2, changes=changes, quantity=300, accepted=2, price="500000.00", wait_for=3)
    await order.amend(2, changes=changes, quantity=300, accepted=2, price="500000.00", id=second)
    await eventually(lambda: _at_least(consumed(app, EventType.ORDER_AMENDED, "duplicate"), 1), what="duplicate")

    response = await order.plan_response()
    plan = response.json()
    assert plan == after_second.json() and response.headers["ETag"] == after_second.headers["ETag"]
    assert (plan["quantity"], plan["accepted_quantity"], plan["remaining_quantity"]) == (300, 2, 298)
    assert plan["contract_price"] == kzt("500000.00")
    assert plan["concessions_granted"] == kzt("0.00")
    # Lot 298 at AQL 10, level II, normal: H, 50 units, Ac 10, Re 11.
    largest = plan["largest_next_lot"]
    assert list(largest.values()) == [298, "H", 50, 10, 11]
    assert plan["amendment_number"] == 2
    (entry,) = plan["amendments"]
    assert (entry["number"], entry["order_changes"]) == (2, ["contract_price", "quantity"])
    assert entry["before"] == {"quantity": 1000, "remaining_quantity": 998, "contract_price": kzt("1000000.00")}
    assert entry["after"] == {"quantity": 300, "remaining_quantity": 298, "contract_price": kzt("500000.00")}
    assert plan["version"] == contracted_plan["version"] + 2  # the verdict, then amendment 2
    assert response.headers["ETag"] == f'"{plan["version"]}"'
    unchanged = await client.get(
        f"/api/v1/plans/{order.id}", headers=OFFICER | {"If-None-Match": response.headers["ETag"]}
    )
    assert unchanged.status_code == 304

    own = await order.plan_response(**auth("supplier", supplier_id=order.supplier_id))
    assert own.status_code == 200 and own.json()["amendments"] == plan["amendments"]
    assert_problem(await order.plan_response(**auth("supplier", supplier_id=uuid4())), 404)
    trail = await client.get("/api/v1/audit", params={"resource_id": str(order.id)}, headers=AUDITOR)
    assert [e["action"] for e in trail.json()["items"]].count("plan.amended") == 1


async def test_a_concession_is_capped_by_the_amended_price_and_a_refusal_changes_nothing(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    order = await AmendedOrder(app, client).contract()
    await order.amend(1, changes={"contract_price": kzt("100000.00")}, price="100000.00", wait_for=1)
    await order.lot(OFF_SIZE, OFF_SIZE)
    reports = await client.get("/api/v1/nonconformances", params={"order_id": str(order.id)}, headers=OFFICER)
    (report,) = reports.json()["items"]
    url = f"/api/v1/nonconformances/{report['id']}/disposition"
    before = (await order.plan_response()).json()

    # 150,000 was within the contract's price; it is not within the amended one.
    body = {"disposition": "use_as_is", "reason": "Within the design margin", "price_reduction": kzt("150000.00")}
    problem = assert_problem(await client.post(url, json=body, headers=OFFICER), 422)
    (error,) = problem["errors"]
    assert error["field"] == "price_reduction.amount" and "100000.00 KZT" in error["message"]
    assert (await client.get(f"/api/v1/nonconformances/{report['id']}", headers=OFFICER)).json() == report
    assert (await order.plan_response()).json() == before

    body["price_reduction"] = kzt("40000.00")
    settled = await client.post(url, json=body, headers=OFFICER)
    assert settled.status_code == 200, settled.text
    plan = (await order.plan_response()).json()
    assert (plan["contract_price"], plan["concessions_granted"]) == (kzt("60000.00"), kzt("40000.00"))
    assert (plan["accepted_quantity"], plan["remaining_quantity"]) == (2, 998)


async def test_a_lot_larger_than_what_remains_after_a_cut_is_inspected_as_submitted_and_says_so(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    order = await AmendedOrder(app, client).contract()
    await order.lot()  # 2 accepted
    await order.amend(1, changes={"quantity": 3}, quantity=3, accepted=2, wait_for=1)
    one_unit = plan_for(1, 10)
    assert (await order.plan_response()).json()["largest_next_lot"] == {"lot_size": 1} | one_unit.as_dict()

    # A lot of 2 submitted before the cut reaches quality after it (orders would refuse it now).
    too_large = await order.submit(lot_size=2)
    assert (too_large["lot_size"], too_large["sample_size"], too_large["status"]) == (2, 2, "open")
    assert (too_large["units_remaining"], too_large["exceeds_remaining"]) == (1, True)
    single = (await client.get(f"/api/v1/inspections/{too_large['id']}", headers=OFFICER)).json()
    assert single == too_large
    trail = await client.get("/api/v1/audit", params={"resource_id": too_large["id"]}, headers=AUDITOR)
    excess = [e for e in trail.json()["items"] if e["action"] == "inspection.exceeds_remaining"]
    assert [(e["details"]["lot_size"], e["details"]["units_remaining"]) for e in excess] == [(2, 1)]
