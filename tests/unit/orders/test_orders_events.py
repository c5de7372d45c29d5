"""What an order announces on each status: the plain status event, and the extra ones other services act on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from services.orders.db.tables import Order
from services.orders.domain.lifecycle import OrderStatus
from services.orders.events import announcements
from shared.events.types import EventType


def order(status: str, **fields: object) -> Order:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    values: dict[str, object] = {
        "number": "SDO-2030-000001",
        "title": "Radios",
        "category": "production",
        "quantity": 50,
        "unit": "pcs",
        "delivery_deadline": date(2030, 6, 30),
        "delivery_location": "Astana",
        "price_ceiling_amount": Decimal("1000.00"),
        "price_ceiling_currency": "KZT",
        "funding_source": "state_budget",
        "min_local_content": Decimal("30"),
        "required_certifications": ["AQAP-2110"],
        "aql": Decimal("0.65"),
        "technical_requirements": [
            {"code": "F", "name": "Freq", "unit": "MHz", "min": "30", "max": "88", "critical": True}
        ],
        "status": status,
        "version": 4,
        "supplier_id": uuid4(),
        "contract_price_amount": Decimal("900.00"),
        "contract_price_currency": "KZT",
        "contract_price_kzt": Decimal("900.00"),
        "inspection_rounds": 1,
        "lot_size": 10,
        "on_time": True,
        "cancel_reason": "withdrawn",
        "created_by": "officer",
        "created_at": now,
        "updated_at": now,
        **fields,
    }
    return Order(**values)


@pytest.mark.parametrize("status", [s for s in OrderStatus])
def test_every_status_is_announced_first_by_its_own_status_event(status: OrderStatus) -> None:
    first_type, first = announcements(order(status), "draft")[0]
    assert first_type == f"kz.sdo.order.{status}.v1"
    assert (first.status, first.version, first.from_status) == (status, 4, "draft")


def test_an_award_also_asks_the_suppliers_service_with_what_eligibility_needs() -> None:
    announced = dict(announcements(order("award_pending"), "published"))
    requested = announced[EventType.ORDER_AWARD_REQUESTED]
    assert requested.contract_price_kzt == Decimal("900.00")
    assert requested.required_certifications == ["AQAP-2110"]
    assert requested.min_local_content == Decimal("30") and requested.delivery_deadline == date(2030, 6, 30)
    assert EventType.ORDER_AWARD_PENDING in announced


def test_a_contract_carries_the_requirements_and_sampling_inputs_for_quality() -> None:
    ((event_type, contracted),) = announcements(order("contracted"), "award_pending")
    assert event_type == EventType.ORDER_CONTRACTED
    assert (contracted.quantity, contracted.aql) == (50, Decimal("0.65"))
    assert contracted.technical_requirements[0].min == Decimal("30")
    assert contracted.technical_requirements[0].critical is True


def test_a_submitted_lot_announces_its_round_and_size() -> None:
    announced = dict(announcements(order("inspection", inspection_rounds=2, lot_size=20), "rework"))
    submitted = announced[EventType.ORDER_SUBMITTED_FOR_INSPECTION]
    assert (submitted.round, submitted.lot_size) == (2, 20)
    assert EventType.ORDER_INSPECTION in announced


def test_a_delivery_says_whether_it_was_on_time_and_a_cancellation_why() -> None:
    ((_, delivered),) = announcements(order("delivered", on_time=False, received_quantity=50), "shipped")
    assert delivered.on_time is False and delivered.received_quantity == 50
    ((_, cancelled),) = announcements(order("cancelled", cancel_reason="budget cut"), "published", "budget cut")
    assert cancelled.reason == "budget cut"
