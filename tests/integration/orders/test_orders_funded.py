"""Orders funded by the Development Fund through the real app (contract section 9), on SQLite and
PostgreSQL: the project named on create and patch, publication refused until the fund's
`project_approved` arrives, a closed project final; and receipts while another lot is inspected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from shared.events.types import EventType
from tests.integration.orders.orders_helpers import AUDITOR, MOD, Api, create, orders_app, spec
from tests.integration.orders.test_orders_lots import in_production
from tests.support import assert_problem, eventually, inject, running

FUNDED = {"funding_source": "development_fund"}


@pytest.fixture
async def both(database_url: str, memory_url: str) -> AsyncIterator[Api]:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)


async def announce(api: Api, project_id: UUID, status: str) -> str:
    event_type = EventType.FUND_PROJECT_APPROVED if status == "approved" else EventType.FUND_PROJECT_CLOSED
    data = {
        "project_id": str(project_id),
        "enterprise_id": str(uuid4()),
        "category": "repair",
        "status": status,
        "budget_kzt": "300000000.00",
        "order_ids": [],
    }
    return await inject(api.app, event_type, project_id, data)


def applied(api: Api, event_type: str) -> float:
    registry = api.app.state.runtime.metrics.registry
    return registry.get_sample_value("sdo_events_consumed_total", {"type": event_type, "outcome": "applied"}) or 0.0


async def publish(api: Api, order: dict[str, Any]):  # type: ignore[no-untyped-def]
    return await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)


async def test_a_funded_order_is_published_once_its_project_is_approved(both: Api) -> None:
    project_id = uuid4()
    order = await create(both.client, **FUNDED, fund_project_id=str(project_id))
    assert (order["funding_source"], order["fund_project_id"]) == ("development_fund", str(project_id))
    refused = assert_problem(await publish(both, order), 409)
    assert (refused["type"], refused["fund_project_id"], refused["project_status"]) == (
        "urn:sdo:problem:fund_project_not_approved",
        str(project_id),
        None,
    )
    stored = (await both.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
    assert (stored["status"], stored["version"]) == ("draft", order["version"])
    await announce(both, project_id, "approved")

    async def publishable() -> bool:
        return (await publish(both, order)).status_code == 200

    await eventually(publishable, what="published once the project is approved")
    got = (await both.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
    assert (got["status"], got["fund_project_id"]) == ("published", str(project_id))


async def test_a_closed_project_stays_closed_whatever_arrives_after(both: Api) -> None:
    project_id = uuid4()
    await announce(both, project_id, "closed")
    await eventually(lambda: _applied(both, EventType.FUND_PROJECT_CLOSED), what="closed noted")
    await announce(both, project_id, "approved")  # late: must not reopen it
    order = await create(both.client, **FUNDED, fund_project_id=str(project_id))

    async def dropped() -> bool:
        registry = both.app.state.runtime.metrics.registry
        outcomes = [
            registry.get_sample_value(
                "sdo_events_consumed_total", {"type": EventType.FUND_PROJECT_APPROVED, "outcome": o}
            )
            for o in ("applied", "ignored", "not_applicable")
        ]
        return any(outcomes)

    await eventually(dropped, what="the late approval consumed")
    refused = assert_problem(await publish(both, order), 409)
    assert refused["project_status"] == "closed"


async def _applied(api: Api, event_type: str) -> bool:
    return applied(api, event_type) >= 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (FUNDED, "fund_project_id"),  # required with the fund
        ({"fund_project_id": str(uuid4())}, "fund_project_id"),  # not with the state budget
        ({**FUNDED, "fund_project_id": "not-a-uuid"}, "fund_project_id"),
        ({**FUNDED, "fund_project_id": None}, "fund_project_id"),
    ],
)
async def test_a_bad_funding_is_422_naming_fund_project_id_and_creates_nothing(
    both: Api, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await both.client.post("/api/v1/orders", json=spec(**body), headers=MOD), 422)
    assert problem["errors"][0]["field"] == field
    assert (await both.client.get("/api/v1/orders", headers=AUDITOR)).json()["items"] == []


async def test_a_patch_keeps_funding_and_project_together(both: Api) -> None:
    project_id = uuid4()
    order = await create(both.client, **FUNDED, fund_project_id=str(project_id))
    url = f"/api/v1/orders/{order['id']}"
    assert_problem(await both.client.patch(url, json={"fund_project_id": None}, headers=MOD), 422)
    other = uuid4()
    moved = (await both.client.patch(url, json={"fund_project_id": str(other)}, headers=MOD)).json()
    assert moved["fund_project_id"] == str(other)
    budget = (await both.client.patch(url, json={"funding_source": "state_budget"}, headers=MOD)).json()
    assert (budget["funding_source"], budget["fund_project_id"]) == ("state_budget", None)
    problem = assert_problem(
        await both.client.patch(url, json={"funding_source": "development_fund"}, headers=MOD), 422
    )
    assert problem["errors"][0]["field"] == "fund_project_id"
    assert (await both.client.get(url, headers=MOD)).json()["version"] == budget["version"]


async def test_the_document_names_the_project_and_the_refusal(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert "fund_project_id" in document["components"]["schemas"]["OrderCreate"]["properties"]
    assert "fund_project_id" in document["components"]["schemas"]["OrderPublic"]["properties"]
    assert "kz.sdo.fund.project_approved.v1" in document["info"]["description"]


# --- goods arrive while another lot is inspected (the status stays) ----------------------------------


async def test_a_shipment_is_received_while_the_next_lot_is_inspected_and_a_short_one_goes_back(both: Api) -> None:
    walk = await in_production(both)
    await walk.inspect(50)
    await walk.ship("WB-1", 30)
    await walk.ship("WB-2", 20)
    assert (await walk.submit(50))["status"] == "inspection"
    full = await walk.receive(30, 1)
    assert (full["status"], full["received_quantity"]) == ("inspection", 30)
    short = await walk.receive(18, 2)
    assert (short["status"], short["accepted_quantity"], short["shipped_quantity"]) == ("inspection", 48, 48)
    assert_problem(await walk.post("confirm-delivery", {"received_quantity": 1}, MOD), 409)  # nothing in transit
