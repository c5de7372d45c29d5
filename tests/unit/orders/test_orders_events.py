"""What an order announces on each status: the plain status event, and the extra ones other services act on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.order import Order, announcements
from services.orders.domain.specification import Category, FundingSource, Specification
from shared.events.types import EventType
from shared.requirements import TechnicalRequirement


def order(status: str, **fields: object) -> Order:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    spec = Specification(
        title="Radios",
        category=Category.PRODUCTION,
        quantity=50,
        unit="pcs",
        delivery_deadline=date(2030, 6, 30),
        delivery_location="Astana",
        price_ceiling=Money(Decimal("1000.00"), "KZT"),
        funding_source=FundingSource.STATE_BUDGET,
        min_local_content=Decimal("30"),
        required_certifications=("AQAP-2110",),
        requires_security_clearance=True,
        aql=Decimal("0.65"),
        technical_requirements=(TechnicalRequirement("F", "Freq", "MHz", Decimal("30"), Decimal("88"), critical=True),),
    )
    values: dict[str, object] = {
        "id": uuid4(),
        "number": "SDO-2030-000001",
        "spec": spec,
        "status": OrderStatus(status),
        "version": 4,
        "supplier_id": uuid4(),
        "contract_price": Money(Decimal("900.00"), "KZT"),
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
    return Order(**values)  # type: ignore[arg-type]


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


def test_a_move_that_stays_put_announces_only_its_status_event_and_its_extras() -> None:
    # A note while in inspection must never ask the quality service for a second inspection.
    assert [t for t, _ in announcements(order("inspection"), "inspection")] == [EventType.ORDER_INSPECTION]
    short = (EventType.ORDER_DELIVERY_SHORT, {"shipment_no": 2, "shipped": 40, "received": 35})
    ((_, status), (kind, data)) = announcements(order("in_production"), "shipped", "short", [short])
    assert (status.status, kind) == ("in_production", EventType.ORDER_DELIVERY_SHORT)
    assert (data.shipment_no, data.shipped, data.received, data.from_status) == (2, 40, 35, "shipped")


def test_a_delivery_counts_its_lots_and_those_on_time() -> None:
    ((_, delivered),) = announcements(order("delivered", received_quantity=50), "shipped")
    assert (delivered.lots, delivered.lots_on_time) == (1, 0)
