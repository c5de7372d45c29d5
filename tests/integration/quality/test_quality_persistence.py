"""The persistence-critical path on SQLite and PostgreSQL: from contract to certificate, and a cancellation."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
from quality_fixtures import INSPECTOR, OFFICER, cancelled, inspections_of, measure, open_inspection, quality_app

from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually, inject, running


async def test_a_lot_goes_from_contract_to_certificate_and_a_second_round_is_cancelled(
    database_url: str, memory_url: str
) -> None:
    app = quality_app(database_url, memory_url)
    async with running(app) as client, EventTap(memory_url) as tap:
        supplier_id = uuid4()
        inspection = await open_inspection(app, client, lot_size=50, aql=10, supplier_id=supplier_id)  # D: 8, Re 3
        await measure(client, inspection["id"], "SN-01", {"DIAM": 10.051, "PRESS": 120})
        await measure(client, inspection["id"], "SN-02", {"DIAM": 9.95, "PRESS": 100})  # limits are inclusive
        for n in range(3, 9):
            assert (await measure(client, inspection["id"], f"SN-{n:02d}")).status_code == 201
        assert_problem(await measure(client, inspection["id"], "SN-02"), 409)
        done = (await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)).json()
        assert (done["status"], done["units_measured"], done["defective_units"]) == ("accepted", 8, 1)
        assert done["nonconformities"][0]["units"] == [{"unit_serial": "SN-01", "value": 10.051}]
        certificate = (await client.get(f"/api/v1/certificates/{done['certificate_id']}", headers=OFFICER)).json()
        again = (await client.get(f"/api/v1/certificates/{done['certificate_id']}", headers=OFFICER)).json()
        assert again == certificate and certificate["number"].endswith("-000001")
        await eventually(lambda: _published(tap, EventType.QUALITY_LOT_ACCEPTED), what="lot_accepted published")

        order_id = inspection["order_id"]
        second = {
            "order_id": order_id,
            "number": "SDO-2025-000001",
            "status": "inspection",
            "version": 12,
            "supplier_id": str(supplier_id),
            "round": 2,
            "lot_size": 10,
        }
        await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, second)
        await eventually(lambda: _count(client, order_id, 2), what="round two")
        await inject(app, EventType.ORDER_CANCELLED, order_id, cancelled(order_id, supplier_id))

        async def round_two_closed() -> bool:
            items = await inspections_of(client, order_id)
            return [(i["status"], i["closed_reason"]) for i in items] == [
                ("accepted", "verdict"),
                ("rejected", "order_cancelled"),
            ]

        await eventually(round_two_closed, what="round two closed by the cancellation")
        verify = await client.get("/api/v1/audit/verify", headers=auth("auditor"))
        assert verify.json() == {"valid": True, "entries": 15}


async def _published(tap: EventTap, event_type: str) -> list[dict[str, object]]:
    return tap.of_type(event_type)


async def _count(client: httpx.AsyncClient, order_id: str, expected: int) -> bool:
    return len(await inspections_of(client, order_id)) == expected


async def test_concurrent_measurements_are_all_counted_and_racing_completions_certify_once(
    database_url: str, memory_url: str
) -> None:
    app = quality_app(database_url, memory_url)
    async with running(app) as client:
        inspection = await open_inspection(app, client, lot_size=50, aql=10)  # 8 units
        serials = [f"SN-{n}" for n in range(8)] + ["SN-0"]
        answers = await asyncio.gather(*(measure(client, inspection["id"], s) for s in serials))
        assert sorted(a.status_code for a in answers) == [201] * 8 + [409]
        url = f"/api/v1/inspections/{inspection['id']}/complete"
        completions = await asyncio.gather(*(client.post(url, headers=INSPECTOR) for _ in range(3)))
        assert sorted(c.status_code for c in completions) == [200, 409, 409]
        after = (await client.get(f"/api/v1/inspections/{inspection['id']}", headers=OFFICER)).json()
        assert (after["units_measured"], after["status"]) == (8, "accepted")
        page = await client.get("/api/v1/certificates", params={"order_id": inspection["order_id"]}, headers=OFFICER)
        assert len(page.json()["items"]) == 1
