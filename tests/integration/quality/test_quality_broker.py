"""Over a real RabbitMQ: order events open an inspection sized from the tables, the verdict goes out once."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from quality_fixtures import INSPECTOR, OFFICER, contracted, inspections_of, measure, submitted

from services.quality.app import create_app
from services.quality.settings import QualitySettings
from shared.events.types import EventType
from tests.support import JWT_SECRET, EventTap, eventually, inject, running


async def test_order_events_over_rabbitmq_open_one_inspection_and_its_verdict_is_published_once(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = create_app(QualitySettings(database_url=postgres_url, amqp_url=rabbitmq_url, jwt_secret=JWT_SECRET))
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
            return _consumed(app, EventType.ORDER_CONTRACTED, "duplicate") == 1 and (
                _consumed(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, "duplicate") == 1
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


def _consumed(app: Any, event_type: str, outcome: str) -> float:
    value = app.state.runtime.metrics.registry.get_sample_value(
        "sdo_events_consumed_total", {"type": event_type, "outcome": outcome}
    )
    return value or 0.0
