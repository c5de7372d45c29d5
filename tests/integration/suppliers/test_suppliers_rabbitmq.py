"""The suppliers service on a real RabbitMQ broker: award answers, and redelivered events counted once."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from supplier_fixtures import (
    AUDITOR,
    active_supplier,
    add_certification,
    award_requested,
    consumed,
    contracted,
    delivered,
    foreign_body,
    lot_verdict,
    suppliers_app,
    tell,
)

from shared.events.types import EventType
from tests.support import EventTap, eventually, running

pytestmark = pytest.mark.rabbitmq


async def test_award_requests_are_answered_and_redelivered_events_count_once_over_rabbitmq(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = suppliers_app(postgres_url, rabbitmq_url)
    async with running(app) as client, EventTap(rabbitmq_url) as tap:
        eligible = (await active_supplier(client))["id"]
        await add_certification(client, eligible, "ISO 9001")
        restricted = (await active_supplier(client, foreign_body("RU", categories=["repair"])))["id"]
        confirmed_order, declined_order = uuid4(), uuid4()

        for order_id, supplier_id in [(confirmed_order, eligible), (declined_order, restricted)]:
            data = award_requested(order_id, supplier_id, required_certifications=["ISO 9001"])
            await tell(app, EventType.ORDER_AWARD_REQUESTED, order_id, data)

        answers = await eventually(lambda: _answers(tap, 2), what="two award answers")
        by_order = {a["data"]["order_id"]: a for a in answers}
        assert by_order[str(confirmed_order)]["type"] == EventType.SUPPLIER_AWARD_CONFIRMED
        assert by_order[str(confirmed_order)]["data"]["supplier_country"] == "KZ"
        declined = by_order[str(declined_order)]
        assert declined["type"] == EventType.SUPPLIER_AWARD_DECLINED
        assert declined["data"]["reasons"] == [
            "missing_certification",
            "local_content_below_minimum",
            "country_restricted",
            "no_security_clearance",
        ]

        # Each event published twice with the same id, as a relay that died before marking it sent would.
        inspection_id = uuid4()
        facts = [
            (EventType.ORDER_CONTRACTED, contracted(confirmed_order, eligible)),
            (EventType.QUALITY_LOT_ACCEPTED, lot_verdict(confirmed_order, inspection_id, accepted=True)),
            (EventType.ORDER_DELIVERED, delivered(confirmed_order, eligible, on_time=False)),
        ]
        for event_type, data in facts:
            event_id = str(uuid4())
            for _ in range(2):
                await tell(app, event_type, confirmed_order, data, id=event_id)
        await eventually(lambda: _duplicates_seen(client, [t for t, _ in facts]), what="every second copy skipped")

        card = (await client.get(f"/api/v1/suppliers/{eligible}/scorecard", headers=AUDITOR)).json()
        assert card == {
            "supplier_id": eligible,
            "orders_awarded": 1,
            "lots_inspected": 1,
            "lots_accepted": 1,
            "acceptance_rate": 100.0,
            "deliveries": 1,
            "on_time_deliveries": 0,
            "on_time_rate": 0.0,
            "short_deliveries": 0,
            "concessions": 0,
            "discontinuations": 0,
        }


async def _answers(tap: EventTap, n: int) -> list[dict[str, Any]] | None:
    answers = [e for e in tap.events if e["type"].startswith("kz.sdo.supplier.award_")]
    return answers if len(answers) >= n else None


async def _duplicates_seen(client: httpx.AsyncClient, event_types: list[str]) -> bool:
    for event_type in event_types:
        if await consumed(client, event_type, "duplicate") < 1 or await consumed(client, event_type, "applied") < 1:
            return False
    return True
