"""Amendments on the fake unit of work: the plan follows the quantity and price in force, in
amendment order, once; lots are still sized by their own lot size."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from services.quality import handlers
from services.quality.consumers import PlanNotYetReceived, on_order_amended, on_order_cancelled, on_order_delivery_short
from services.quality.domain.commands import ApplyAmendment
from services.quality.domain.errors import DispositionError
from services.quality.domain.sampling import plan_for
from shared.events.envelope import CloudEvent
from shared.events.payloads import OrderAmended, OrderCancelled, OrderDeliveryShort
from tests.unit.quality.fakes import FakeQualityUnitOfWork
from tests.unit.quality.test_quality_lots_handlers import BURST, KZT, OFF_SIZE, Order, disposition

AMENDED_AT = datetime(2030, 4, 10, 9, 0, tzinfo=UTC)


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "KZT"}


async def amend(
    uow: FakeQualityUnitOfWork,
    order_id: UUID,
    number: int,
    *,
    changes: dict[str, Any] | None = None,
    quantity: int | None = None,
    accepted: int | None = None,
    price: str | None = None,
) -> None:
    """``order.amended`` as the orders service states it: what changed, and the figures in force after."""
    changes = changes if changes is not None else {"quantity": quantity} if quantity is not None else {}
    payload = OrderAmended.model_validate(
        {
            "order_id": order_id,
            "number": "SDO-2030-000007",
            "status": "in_production",
            "version": 10 + number,
            "amendment_number": number,
            "before": {key: None for key in changes},
            "after": changes,
            "quantity": quantity,
            "accepted_quantity": accepted,
            "contract_price_kzt": price,
            "category": "production",
        }
    )
    event = CloudEvent(
        source="sdo/orders", type="kz.sdo.order.amended.v1", subject=str(order_id), data={}, time=AMENDED_AT
    )
    await on_order_amended(event, payload, uow)


def audited(uow: FakeQualityUnitOfWork, action: str) -> list[dict[str, Any]]:
    return [r.details for r in uow.audit if r.action == action]


# --- the quantity in force -------------------------------------------------------------------------


async def test_a_quantity_cut_leaves_fewer_units_to_accept_and_the_largest_next_lot_is_planned_smaller() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()  # 2 units accepted
    assert (order.plan.quantity, order.plan.accepted_quantity, order.plan.remaining_quantity) == (1000, 2, 998)
    size, before = order.plan.largest_next_lot()
    assert (size, before) == (998, plan_for(998, 10))
    version = order.plan.version

    await amend(uow, order.id, 1, quantity=300, accepted=2)

    plan = order.plan
    assert (plan.quantity, plan.accepted_quantity, plan.remaining_quantity) == (300, 2, 298)
    size, after = plan.largest_next_lot()
    assert (size, before.code_letter, after.code_letter) == (298, "J", "H")
    assert (plan.amendment_number, plan.version) == (1, version + 1)
    (entry,) = plan.amendments
    assert entry == {
        "number": 1,
        "at": "2030-04-10T09:00:00Z",
        "applied_at": entry["applied_at"],
        "order_changes": ["quantity"],
        "before": {"quantity": 1000, "remaining_quantity": 998},
        "after": {"quantity": 300, "remaining_quantity": 298},
    }
    (details,) = audited(uow, "plan.amended")
    assert (details["number"], details["accepted_quantity"]) == (1, 2)
    assert uow.events[-1].type == "kz.sdo.quality.lot_accepted.v1"  # an amendment publishes nothing


async def test_a_lot_submitted_after_the_cut_is_still_sized_by_its_own_lot_size() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await amend(uow, order.id, 1, quantity=400)
    inspection = await order.submit(lot_size=90)
    assert inspection is not None
    expected = plan_for(90, 10)
    assert (inspection.code_letter, inspection.sample_size) == (expected.code_letter, expected.sample_size)
    assert (inspection.units_remaining, inspection.exceeds_remaining) == (400, False)
    assert audited(uow, "inspection.exceeds_remaining") == []


async def test_a_lot_larger_than_what_remains_after_a_cut_is_inspected_as_submitted_and_recorded() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()  # 2 accepted
    await amend(uow, order.id, 1, quantity=3, accepted=2)  # 1 unit left
    inspection = await order.submit(lot_size=2)
    assert inspection is not None
    assert (inspection.lot_size, inspection.sample_size, inspection.status) == (2, 2, "open")
    assert (inspection.units_remaining, inspection.exceeds_remaining) == (1, True)
    (excess,) = audited(uow, "inspection.exceeds_remaining")
    assert (excess["lot_size"], excess["units_remaining"], excess["amendment_number"]) == (2, 1, None)
    opened = audited(uow, "inspection.opened")[-1]
    assert opened["units_remaining"] == 1


async def test_an_open_lot_that_a_cut_leaves_too_large_keeps_its_sample_and_is_recorded() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    inspection = await order.submit(lot_size=90)
    assert inspection is not None
    sample = inspection.sampling
    await amend(uow, order.id, 1, quantity=50)
    assert (inspection.sampling, inspection.status, inspection.lot_size) == (sample, "open", 90)
    (excess,) = audited(uow, "inspection.exceeds_remaining")
    assert (excess["lot_size"], excess["units_remaining"], excess["amendment_number"]) == (90, 50, 1)


async def test_units_accepted_under_concession_count_and_the_order_s_higher_count_is_taken() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    assert order.plan.accepted_quantity == 0
    await disposition(uow, order.report(), "use_as_is", KZT)
    assert order.plan.accepted_quantity == 2
    # The order counted units this service does not know of (a plan older than the count): taken.
    await amend(uow, order.id, 1, changes={"delivery_deadline": "2031-01-31"}, accepted=10)
    assert order.plan.accepted_quantity == 10
    # A lower count (the order had not yet heard of a lot accepted here) takes nothing away.
    await order.lot()
    await amend(uow, order.id, 2, changes={"delivery_deadline": "2031-02-28"}, accepted=10)
    assert (order.plan.accepted_quantity, order.plan.remaining_quantity) == (12, 988)


async def test_a_quantity_at_or_below_the_units_accepted_leaves_nothing_and_no_next_lot() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()
    await order.lot()
    await amend(uow, order.id, 1, quantity=4, accepted=4)
    assert (order.plan.remaining_quantity, order.plan.largest_next_lot()) == (0, None)
    assert order.plan.amendments[-1]["after"] == {"quantity": 4, "remaining_quantity": 0}


# --- the price in force ---------------------------------------------------------------------------


async def test_a_concession_is_capped_by_the_amended_price_not_the_contract_s() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()  # 1,000,000.00 KZT
    await amend(uow, order.id, 1, changes={"contract_price": money("100000.00")}, price="100000.00")
    assert order.plan.price_in_force_kzt() == Decimal("100000.00")
    assert order.plan.amendments[-1]["before"] == {"contract_price": money("1000000.00")}
    assert order.plan.amendments[-1]["after"] == {"contract_price": money("100000.00")}
    await order.lot(OFF_SIZE, OFF_SIZE)
    with pytest.raises(DispositionError) as info:
        await disposition(uow, order.report(), "use_as_is", KZT)  # 150,000: within the old price, not the new
    assert info.value.field == "price_reduction.amount"
    assert "100000.00 KZT" in str(info.value.errors)
    assert order.report().status == "open" and order.plan.concessions_kzt == 0

    await disposition(uow, order.report(), "use_as_is", money("40000.00"))
    assert order.plan.price_in_force_kzt() == Decimal("60000.00")


async def test_concessions_granted_before_an_amendment_are_in_the_price_it_states() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    await disposition(uow, order.report(), "use_as_is", KZT)
    assert order.plan.price_in_force_kzt() == Decimal("850000.00")
    # A quantity amendment states the order's price in force, the concession already taken off.
    await amend(uow, order.id, 1, quantity=900, accepted=2, price="850000.00")
    assert order.plan.price_in_force_kzt() == Decimal("850000.00")
    assert "contract_price" not in order.plan.amendments[-1]["after"]
    await order.lot(OFF_SIZE, OFF_SIZE)
    await disposition(uow, order.report(), "use_as_is", money("100000.00"))
    assert order.plan.price_in_force_kzt() == Decimal("750000.00")
    assert order.plan.concessions_kzt == Decimal("250000.00")


async def test_an_amendment_that_changes_nothing_quality_uses_is_listed_with_what_it_changed() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await amend(uow, order.id, 1, changes={"delivery_deadline": "2031-01-31"}, price="1000000.00")
    (entry,) = order.plan.amendments
    assert (entry["order_changes"], entry["before"], entry["after"]) == (["delivery_deadline"], {}, {})
    assert (order.plan.quantity, order.plan.price_in_force_kzt()) == (1000, Decimal("1000000.00"))


# --- order and once --------------------------------------------------------------------------------


async def test_an_amendment_arriving_after_a_later_one_changes_nothing() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await amend(uow, order.id, 2, quantity=500, price="600000.00")
    version, amendments = order.plan.version, list(order.plan.amendments)
    await amend(uow, order.id, 1, quantity=800, price="900000.00")  # overtaken on the bus
    await amend(uow, order.id, 2, quantity=500, price="600000.00")  # published again under a new id
    plan = order.plan
    assert (plan.quantity, plan.price_in_force_kzt(), plan.amendment_number) == (500, Decimal("600000.00"), 2)
    assert (plan.version, plan.amendments) == (version, amendments)
    assert len(audited(uow, "plan.amended")) == 1


async def test_an_amendment_before_its_contract_event_is_retried() -> None:
    uow = FakeQualityUnitOfWork()
    order = Order(uow)  # not contracted here yet
    with pytest.raises(PlanNotYetReceived):
        await amend(uow, order.id, 1, quantity=10)
    assert uow.audit == []


async def test_a_cancelled_plan_takes_no_amendment() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    cancelled = OrderCancelled(
        order_id=order.id, number="SDO-2030-000007", status="cancelled", version=9, reason="withdrawn"
    )
    await on_order_cancelled(CloudEvent(source="sdo/orders", type="kz.sdo.order.cancelled.v1", data={}), cancelled, uow)
    version = order.plan.version
    await amend(uow, order.id, 1, quantity=10)
    assert (order.plan.quantity, order.plan.version, order.plan.amendments) == (1000, version, [])


async def test_a_discontinued_plan_takes_the_amendment_and_stays_discontinued() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    for _ in range(7):
        await order.lot(BURST)
    assert order.plan.is_discontinued
    await amend(uow, order.id, 1, quantity=600)
    assert (order.plan.status, order.plan.quantity) == ("discontinued", 600)


async def test_the_handler_answers_the_plan_it_amended_or_none() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    command = ApplyAmendment(order.id, 1, AMENDED_AT, quantity=10)
    assert await handlers.apply_amendment(uow, command) is order.plan
    assert await handlers.apply_amendment(uow, command) is None


# --- units a short receipt sent back to production -------------------------------------------------


async def short_receipt(uow: FakeQualityUnitOfWork, order_id: UUID, *, shipped: int, received: int) -> None:
    payload = OrderDeliveryShort.model_validate(
        {
            "order_id": order_id,
            "number": "SDO-2030-000007",
            "status": "in_production",
            "version": 30,
            "supplier_id": order_id,
            "shipment_no": 1,
            "shipped": shipped,
            "received": received,
        }
    )
    event = CloudEvent(source="sdo/orders", type="kz.sdo.order.delivery_short.v1", subject=str(order_id), data={})
    await on_order_delivery_short(event, payload, uow)


async def test_units_missing_from_a_short_receipt_are_to_be_accepted_again() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()
    await order.lot()  # 4 units accepted
    await short_receipt(uow, order.id, shipped=4, received=1)
    assert (order.plan.accepted_quantity, order.plan.remaining_quantity) == (1, 999)
    (details,) = audited(uow, "plan.units_returned")
    assert details == {"shipment_no": 1, "units": 3, "accepted_quantity": 1}
    # A resubmitted lot of the returned units no longer looks larger than what remains.
    inspection = await order.submit(lot_size=3)
    assert inspection is not None and inspection.exceeds_remaining is False


async def test_a_short_receipt_never_takes_back_more_units_than_were_accepted() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()  # 2 units accepted
    version = order.plan.version
    await short_receipt(uow, order.id, shipped=10, received=0)
    assert order.plan.accepted_quantity == 0 and order.plan.version == version + 1
    await short_receipt(uow, order.id, shipped=5, received=0)  # nothing left to take back: no change
    assert order.plan.version == version + 1 and len(audited(uow, "plan.units_returned")) == 1


async def test_a_short_receipt_before_the_plan_arrives_is_retried() -> None:
    with pytest.raises(PlanNotYetReceived):
        await short_receipt(FakeQualityUnitOfWork(), UUID(int=7), shipped=2, received=1)
