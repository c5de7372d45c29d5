"""Events the quality service consumes: one ``on_<event>`` per type, each in the consumer's transaction.

Handlers never assume arrival order: a replayed event changes nothing, and an event that needs
the acceptance plan before ``order.contracted`` was applied raises, so it is redelivered later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from services.quality.db import repository
from services.quality.db.tables import AcceptancePlanRow, InspectionRow
from services.quality.domain.inspection import CONTRACTED_ORDER_STATUSES, ClosedReason, InspectionStatus
from services.quality.domain.plan import AcceptancePlan
from shared.events.envelope import CloudEvent
from shared.events.payloads import OrderCancelled, OrderContracted, OrderSubmittedForInspection
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler
from shared.uow import UnitOfWork


class PlanNotYetReceived(RuntimeError):
    """The order's ``order.contracted`` has not been applied yet; retrying will find it."""

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"no acceptance plan for order {order_id} yet")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stored_requirements(plan: AcceptancePlan) -> list[dict[str, object]]:
    # Limits kept as decimal strings so they round-trip exactly (JSON numbers would go through float).
    return [
        r.as_dict() | {"min": None if r.min is None else str(r.min), "max": None if r.max is None else str(r.max)}
        for r in plan.requirements
    ]


async def on_order_contracted(event: CloudEvent, payload: OrderContracted, uow: UnitOfWork) -> None:
    if await repository.get_plan(uow.session, payload.order_id) is not None:
        return  # one plan per order: a repeated contract event changes nothing
    plan = AcceptancePlan.build(aql=payload.aql, technical_requirements=payload.technical_requirements)
    now = _utcnow()
    uow.session.add(
        AcceptancePlanRow(
            order_id=payload.order_id,
            supplier_id=payload.supplier_id,
            category=payload.category,
            quantity=payload.quantity,
            aql=str(plan.aql),
            inspection_level=plan.inspection_level,
            requirements=_stored_requirements(plan),
            created_at=now,
            updated_at=now,
        )
    )
    uow.record(
        "plan.created",
        "acceptance_plan",
        payload.order_id,
        {"aql": str(plan.aql), "codes": list(plan.codes), "supplier_id": str(payload.supplier_id)},
    )


async def on_order_submitted_for_inspection(
    event: CloudEvent, payload: OrderSubmittedForInspection, uow: UnitOfWork
) -> None:
    plan_row = await repository.get_plan(uow.session, payload.order_id)
    if plan_row is None:
        raise PlanNotYetReceived(payload.order_id)
    if plan_row.cancelled_at is not None:
        return  # the order was cancelled after this submission: nothing is left to inspect
    if await repository.inspection_for_round(uow.session, payload.order_id, payload.round) is not None:
        return  # this round is already open (or closed)
    sampling = repository.acceptance_plan(plan_row).sampling_for(payload.lot_size)
    now = _utcnow()
    inspection = InspectionRow(
        id=uuid4(),
        order_id=payload.order_id,
        supplier_id=plan_row.supplier_id,
        round=payload.round,
        lot_size=payload.lot_size,
        **sampling.as_dict(),
        status=InspectionStatus.OPEN.value,
        opened_at=now,
        updated_at=now,
    )
    uow.session.add(inspection)
    uow.record(
        "inspection.opened",
        "inspection",
        inspection.id,
        {"order_id": str(payload.order_id), "round": payload.round, **sampling.as_dict()},
    )


async def on_order_cancelled(event: CloudEvent, payload: OrderCancelled, uow: UnitOfWork) -> None:
    plan_row = await repository.get_plan(uow.session, payload.order_id)
    if plan_row is None:
        if payload.from_status in CONTRACTED_ORDER_STATUSES:
            raise PlanNotYetReceived(payload.order_id)  # the contract event is still on its way
        return  # cancelled before it was contracted: quality never knew it
    now = _utcnow()
    if plan_row.cancelled_at is None:
        plan_row.cancelled_at, plan_row.cancel_reason = now, payload.reason
        plan_row.version += 1
        plan_row.updated_at = now
        uow.record("plan.cancelled", "acceptance_plan", payload.order_id, {"reason": payload.reason})
    for inspection in await repository.open_inspections(uow.session, payload.order_id):
        # Contract statuses are open/accepted/rejected: the lot was not accepted; the reason says why.
        inspection.status = InspectionStatus.REJECTED.value
        inspection.closed_reason = ClosedReason.ORDER_CANCELLED.value
        inspection.closed_at = inspection.updated_at = now
        inspection.version += 1
        uow.record(
            "inspection.closed",
            "inspection",
            inspection.id,
            {"reason": ClosedReason.ORDER_CANCELLED.value, "order_reason": payload.reason},
        )


SUBSCRIPTIONS: dict[str, EventHandler] = {
    EventType.ORDER_CONTRACTED: on_order_contracted,
    EventType.ORDER_SUBMITTED_FOR_INSPECTION: on_order_submitted_for_inspection,
    EventType.ORDER_CANCELLED: on_order_cancelled,
}
