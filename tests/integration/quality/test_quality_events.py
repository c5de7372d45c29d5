"""Order events as the quality service receives them: out of order, repeated, cancelled, reworked."""

from __future__ import annotations

from uuid import uuid4

import httpx
from fastapi import FastAPI
from quality_fixtures import INSPECTOR, OFFICER, cancelled, consumed, contracted, inspections_of, measure, submitted

from shared.events.types import EventType
from shared.messaging.memory import MemoryTransport
from tests.support import assert_problem, eventually, inject


async def test_a_submission_that_overtakes_its_contract_waits_for_the_plan(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted(order_id, supplier_id, lot_size=50))
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=10))
    items = await eventually(lambda: inspections_of(client, order_id), what="inspection opened")
    assert [(i["round"], i["code_letter"], i["sample_size"]) for i in items] == [(1, "D", 8)]
    assert consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "retried") >= 1


async def test_repeated_events_are_applied_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    contract = contracted(order_id, supplier_id)
    event_id = await inject(app, EventType.ORDER_CONTRACTED, order_id, contract)
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contract, id=event_id)  # redelivered
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contract | {"aql": 1.0})  # re-sent under a new id
    for _ in range(2):  # the same round announced twice
        await inject(
            app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted(order_id, supplier_id, lot_size=50)
        )

    async def settled() -> bool:
        return consumed(app, EventType.ORDER_CONTRACTED, "duplicate") == 1 and (
            consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "applied") == 2
        )

    await eventually(settled, what="all five events consumed")
    assert len(await inspections_of(client, order_id)) == 1
    plan = (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).json()
    assert (plan["aql"], plan["version"]) == (10.0, 1)


async def test_a_rejected_lot_reworked_is_inspected_again_in_round_two(app: FastAPI, client: httpx.AsyncClient) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id))
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted(order_id, supplier_id, lot_size=2))
    first = (await eventually(lambda: inspections_of(client, order_id)))[0]
    await measure(client, first["id"], "A", {"DIAM": 10.0, "PRESS": 50})
    await measure(client, first["id"], "B")
    await client.post(f"/api/v1/inspections/{first['id']}/complete", headers=INSPECTOR)
    rework = submitted(order_id, supplier_id, lot_size=10, round_=2)
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, rework)

    async def two_rounds() -> list[dict[str, object]]:
        items = await inspections_of(client, order_id)
        return items if len(items) == 2 else []

    rounds = await eventually(two_rounds, what="round two opened")
    assert [(i["round"], i["status"], i["lot_size"], i["sample_size"]) for i in rounds] == [
        (1, "rejected", 2, 2),
        (2, "open", 10, 5),
    ]


async def test_a_cancelled_order_closes_its_open_inspection_without_a_verdict(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id))
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted(order_id, supplier_id, lot_size=10))
    inspection = (await eventually(lambda: inspections_of(client, order_id)))[0]
    await measure(client, inspection["id"], "A")
    await inject(app, EventType.ORDER_CANCELLED, order_id, cancelled(order_id, supplier_id))

    async def closed() -> dict[str, object] | None:
        body = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
        return body if body["status"] != "open" else None

    body = await eventually(closed, what="inspection closed")
    assert (body["status"], body["closed_reason"], body["nonconformities"]) == ("rejected", "order_cancelled", [])
    assert body["closed_at"] is not None and body["certificate_id"] is None
    refused = assert_problem(await measure(client, inspection["id"], "B"), 409)
    assert (refused["current_status"], refused["allowed_actions"]) == ("rejected", [])
    assert_problem(await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR), 409)
    plan = (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).json()
    assert plan["cancel_reason"] == "requirement withdrawn" and plan["cancelled_at"] is not None
    # A submission published before the cancellation but delivered after it opens nothing.
    late = submitted(order_id, supplier_id, lot_size=10, round_=2)
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, late)
    await eventually(
        lambda: _equals(consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "applied"), 2), what="late submission"
    )
    assert len(await inspections_of(client, order_id)) == 1


async def test_a_cancellation_before_the_contract_is_a_no_op_and_after_it_waits_for_the_plan(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    never_contracted, supplier_id = uuid4(), uuid4()
    await inject(
        app,
        EventType.ORDER_CANCELLED,
        never_contracted,
        cancelled(never_contracted, supplier_id, from_status="published"),
    )
    overtaken = uuid4()
    await inject(app, EventType.ORDER_CANCELLED, overtaken, cancelled(overtaken, supplier_id, from_status="contracted"))
    await inject(app, EventType.ORDER_CONTRACTED, overtaken, contracted(overtaken, supplier_id))

    async def plan_cancelled() -> bool:
        response = await client.get(f"/api/v1/plans/{overtaken}", headers=OFFICER)
        return response.status_code == 200 and response.json()["cancelled_at"] is not None

    await eventually(plan_cancelled, what="overtaken cancellation applied")
    assert_problem(await client.get(f"/api/v1/plans/{never_contracted}", headers=OFFICER), 404)


async def test_a_contract_with_requirements_the_plan_cannot_hold_is_dead_lettered(
    app: FastAPI, client: httpx.AsyncClient, memory_url: str
) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    broken = contracted(order_id, supplier_id) | {"aql": 0.3}
    await inject(app, EventType.ORDER_CONTRACTED, order_id, broken)
    transport: MemoryTransport = app.state.runtime.bus.transport
    await eventually(lambda: _equals(len(transport.dead_letters("quality")), 1), what="dead-lettered")
    assert_problem(await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER), 404)


async def _equals(actual: object, expected: object) -> bool:
    return actual == expected
