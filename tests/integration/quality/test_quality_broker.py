"""Over a real RabbitMQ: order events open an inspection sized from the tables, the verdict goes out
once; amendments reach the plan once and in amendment order."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from quality_fixtures import (
    INSPECTOR,
    OFFICER,
    amended,
    consumed,
    contracted,
    inspections_of,
    measure,
    quality_app,
    submitted,
)

from shared.events.types import EventType
from tests.support import EventTap, eventually, inject, running


async def test_order_events_over_rabbitmq_open_one_inspection_and_its_verdict_is_published_once(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = quality_app(postgres_url, rabbitmq_url)
    async with running(app) as client, EventTap(rabbitmq_url) as tap:
        order_id, supplier_id = uuid4(), uuid4()
        contract_id = await inject(
            app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=1.0)
        )
        submission = submitted(order_id, supplier_id, lot_size=1000)
        submission_id = await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submission)
        # The broker redelivers; the orders relay may publish twice: both arrive with the same event id.
        await inject(
            app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=1.0), id=contract_id
        )
        await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submission, id=submission_id)

        async def duplicates_skipped() -> bool:
            return consumed(app, EventType.ORDER_CONTRACTED, "duplicate") == 1 and (
                consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "duplicate") == 1
            )

        await eventually(duplicates_skipped, what="duplicates skipped")
        inspections = await inspections_of(client, order_id)
        assert len(inspections) == 1
        inspection = inspections[0]
        # ISO 2859-1: lot 1000, level II -> J; AQL 1.0 -> n 80, Ac 2, Re 3.
        assert [inspection[k] for k in ("code_letter", "sample_size", "accept", "reject")] == ["J", 80, 2, 3]

        await measure(client, inspection["id"], "U-001", {"DIAM": 10.2, "PRESS": 120})
        await measure(client, inspection["id"], "U-002", {"DIAM": 9.0, "PRESS": 120})
        for n in range(3, 81):
            assert (await measure(client, inspection["id"], f"U-{n:03d}")).status_code == 201
        done = await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)
        assert (done.json()["status"], done.json()["defective_units"]) == ("accepted", 2)

        async def verdicts() -> list[dict[str, Any]]:
            return tap.of_type(EventType.QUALITY_LOT_ACCEPTED)

        event = (await eventually(verdicts, what="lot_accepted on RabbitMQ"))[0]
        assert event["subject"] == str(order_id) and event["source"] == "sdo/quality"
        assert event["data"]["certificate_id"] == done.json()["certificate_id"]
        certificate = await client.get(f"/api/v1/certificates/{event['data']['certificate_id']}", headers=OFFICER)
        assert certificate.status_code == 200
        assert [e["id"] for e in tap.of_type(EventType.QUALITY_LOT_ACCEPTED)] == [event["id"]]


async def test_a_rejected_lot_its_disposition_and_a_concession_travel_over_rabbitmq_once(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = quality_app(postgres_url, rabbitmq_url)
    async with running(app) as client, EventTap(rabbitmq_url) as tap:
        order_id, supplier_id = uuid4(), uuid4()
        await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=10))
        submission = submitted(order_id, supplier_id, lot_size=2)
        submission_id = await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submission)
        await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submission, id=submission_id)
        inspection = (await eventually(lambda: inspections_of(client, order_id), what="inspection opened"))[0]
        await measure(client, inspection["id"], "A", {"DIAM": 10.2, "PRESS": 120})
        await measure(client, inspection["id"], "B", {"DIAM": 9.9, "PRESS": 120})
        done = await client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)
        assert done.json()["status"] == "rejected"
        reports = await client.get("/api/v1/nonconformances", params={"order_id": str(order_id)}, headers=OFFICER)
        (report,) = reports.json()["items"]
        body = {
            "disposition": "use_as_is",
            "reason": "Bore within the design margin",
            "price_reduction": {"amount": "2500.00", "currency": "KZT"},
        }
        headers = OFFICER | {"Idempotency-Key": "disposition-1"}
        url = f"/api/v1/nonconformances/{report['id']}/disposition"
        first = await client.post(url, json=body, headers=headers)
        replay = await client.post(url, json=body, headers=headers)
        assert first.status_code == replay.status_code == 200
        assert replay.headers.get("Idempotent-Replayed") == "true" and replay.json() == first.json()

        async def settled() -> bool:
            return bool(tap.of_type(EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED)) and bool(
                tap.of_type(EventType.QUALITY_LOT_ACCEPTED)
            )

        await eventually(settled, what="disposition and concession on RabbitMQ")
        assert consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "duplicate") == 1
        (rejected,) = tap.of_type(EventType.QUALITY_LOT_REJECTED)
        (accepted,) = tap.of_type(EventType.QUALITY_LOT_ACCEPTED)
        (dispositioned,) = tap.of_type(EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED)
        assert rejected["data"]["nonconformance_id"] == report["id"]
        assert accepted["data"]["concession"] is True and accepted["data"]["price_reduction_kzt"] == "2500.00"
        assert dispositioned["data"]["disposition"] == "use_as_is" and dispositioned["subject"] == str(order_id)


async def test_amendments_over_rabbitmq_reach_the_plan_once_and_in_amendment_order(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = quality_app(postgres_url, rabbitmq_url)
    async with running(app) as client:
        order_id, supplier_id = uuid4(), uuid4()
        await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id))

        async def plan_made() -> bool:
            return (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).status_code == 200

        await eventually(plan_made, what="plan made")
        price = {"amount": "640000.00", "currency": "KZT"}
        later = amended(order_id, supplier_id, 2, changes={"contract_price": price}, quantity=600, price="640000.00")
        later_id = await inject(app, EventType.ORDER_AMENDED, order_id, later)

        async def later_applied() -> bool:
            return consumed(app, EventType.ORDER_AMENDED, "applied") == 1

        await eventually(later_applied, what="amendment 2 applied")
        await inject(app, EventType.ORDER_AMENDED, order_id, later, id=later_id)  # redelivered
        earlier = amended(order_id, supplier_id, 1, changes={"quantity": 600}, quantity=600)
        await inject(app, EventType.ORDER_AMENDED, order_id, earlier)  # overtaken: changes nothing

        async def settled() -> bool:
            return (
                consumed(app, EventType.ORDER_AMENDED, "applied") == 2
                and consumed(app, EventType.ORDER_AMENDED, "duplicate") == 1
            )

        await eventually(settled, what="amendments consumed")
        plan = (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).json()
    assert (plan["quantity"], plan["remaining_quantity"], plan["amendment_number"]) == (600, 600, 2)
    assert plan["contract_price"] == price
    assert [(a["number"], a["order_changes"]) for a in plan["amendments"]] == [(2, ["contract_price"])]
    assert plan["amendments"][0]["after"] == {"quantity": 600, "remaining_quantity": 600, "contract_price": price}
