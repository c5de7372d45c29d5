"""Events the quality service consumes: one ``on_<event>`` per type, each in the consumer's transaction.

Handlers never assume arrival order: a replayed event changes nothing, and an event that needs
the acceptance plan before ``order.contracted`` was applied raises, so it is redelivered later.
"""

from __future__ import annotations

from uuid import uuid4

from services.quality import handlers
from services.quality.domain.commands import ApplyAmendment, ReturnUnits
from services.quality.domain.inspection import CONTRACTED_ORDER_STATUSES, ClosedReason
from services.quality.domain.plan import OrderPlan
from services.quality.handlers import PlanNotYetReceived, close_reports_by_resubmission, record_opened
from services.quality.ports import QualityUnitOfWork
from shared import clock
from shared.events.envelope import CloudEvent
from shared.events.payloads import (
    OrderAmended,
    OrderCancelled,
    OrderContracted,
    OrderDeliveryShort,
    OrderSubmittedForInspection,
)
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler

# The order status a resubmitted (reworked) lot comes from.
REWORK = "rework"


async def on_order_contracted(event: CloudEvent, payload: OrderContracted, uow: QualityUnitOfWork) -> None:
    if await uow.plans.get(payload.order_id) is not None:
        return  # one plan per order: a repeated contract event changes nothing
    plan = OrderPlan.contract(
        order_id=payload.order_id,
        supplier_id=payload.supplier_id,
        category=payload.category,
        quantity=payload.quantity,
        aql=payload.aql,
        technical_requirements=payload.technical_requirements,
        now=clock.now(),
        order_number=payload.number,
        contract_price_kzt=payload.contract_price_kzt,
    )
    await uow.plans.add(plan)
    details = {"aql": str(plan.rules.aql), "codes": list(plan.rules.codes), "supplier_id": str(plan.supplier_id)}
    uow.record("plan.created", "acceptance_plan", plan.order_id, details)


async def on_order_submitted_for_inspection(
    event: CloudEvent, payload: OrderSubmittedForInspection, uow: QualityUnitOfWork
) -> None:
    """A lot to inspect. A resubmission after rework (``from_status`` ``rework``) is inspected but
    does not count in the switching rules; while inspection is discontinued nothing opens, and the
    submission is recorded and kept for the resumption."""
    plan = await uow.plans.get(payload.order_id, for_change=True)
    if plan is None:
        raise PlanNotYetReceived(payload.order_id)
    if plan.is_cancelled:
        return  # the order was cancelled after this submission: nothing is left to inspect
    if await uow.inspections.of_round(payload.order_id, payload.round) is not None:
        return  # this round is already open (or closed)
    original = payload.from_status != REWORK
    now = clock.now()
    if plan.is_discontinued:
        if (plan.pending_submission or {}).get("round") == payload.round:
            return  # already held
        plan.hold_submission(round_=payload.round, lot_size=payload.lot_size, original=original, now=now)
        await uow.plans.save(plan)
        details = {"round": payload.round, "lot_size": payload.lot_size, "reason": "inspection_discontinued"}
        uow.record("inspection.refused", "acceptance_plan", payload.order_id, details)
        return
    if not original:
        await close_reports_by_resubmission(uow, payload.order_id, payload.round)
    inspection = plan.open_inspection(
        uuid4(), round_=payload.round, lot_size=payload.lot_size, now=now, original=original
    )
    await uow.inspections.add(inspection)
    await uow.plans.save(plan)
    record_opened(uow, inspection)


async def on_order_cancelled(event: CloudEvent, payload: OrderCancelled, uow: QualityUnitOfWork) -> None:
    plan = await uow.plans.get(payload.order_id)
    if plan is None:
        if payload.from_status in CONTRACTED_ORDER_STATUSES:
            raise PlanNotYetReceived(payload.order_id)  # the contract event is still on its way
        return  # cancelled before it was contracted: quality never knew it
    now = clock.now()
    if not plan.is_cancelled:
        plan.cancel(payload.reason, now)
        await uow.plans.save(plan)
        uow.record("plan.cancelled", "acceptance_plan", payload.order_id, {"reason": payload.reason})
    for inspection in await uow.inspections.open_of_order(payload.order_id):
        # Contract statuses are open/accepted/rejected: the lot was not accepted; the reason says why.
        inspection.close_for_cancellation(now)
        await uow.inspections.save(inspection)
        details = {"reason": ClosedReason.ORDER_CANCELLED.value, "order_reason": payload.reason}
        uow.record("inspection.closed", "inspection", inspection.id, details)


async def on_order_amended(event: CloudEvent, payload: OrderAmended, uow: QualityUnitOfWork) -> None:
    """An accepted amendment: the plan follows the quantity and price in force it states."""
    cmd = ApplyAmendment(
        order_id=payload.order_id,
        number=payload.amendment_number,
        at=event.time,
        quantity=payload.quantity,
        accepted_quantity=payload.accepted_quantity,
        contract_price_kzt=payload.contract_price_kzt,
        order_changes=tuple(payload.after),
    )
    await handlers.apply_amendment(uow, cmd)


async def on_order_delivery_short(event: CloudEvent, payload: OrderDeliveryShort, uow: QualityUnitOfWork) -> None:
    """A short receipt: the missing units go back to production, to be accepted again."""
    cmd = ReturnUnits(payload.order_id, payload.shipment_no, payload.shipped, payload.received)
    await handlers.return_units(uow, cmd)


SUBSCRIPTIONS: dict[str, EventHandler] = {
    EventType.ORDER_CONTRACTED: on_order_contracted,
    EventType.ORDER_SUBMITTED_FOR_INSPECTION: on_order_submitted_for_inspection,
    EventType.ORDER_CANCELLED: on_order_cancelled,
    EventType.ORDER_AMENDED: on_order_amended,
    EventType.ORDER_DELIVERY_SHORT: on_order_delivery_short,
}
