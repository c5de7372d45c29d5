"""One ``on_<event>`` per consumed event type: each turns the event into a command for a handler.

The shared consumer has already claimed the event id in the inbox, so a redelivered event never
reaches these; the handlers also key each fact by what it is about (order, inspection), so the same
fact told twice under two event ids still counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from services.suppliers import handlers
from services.suppliers.domain.commands import (
    ApplyAmendment,
    CountContract,
    CountDelivery,
    CountDiscontinuation,
    CountDisposition,
    CountLot,
    CountShortDelivery,
    DecideAward,
    NoteCancellation,
    NoteResumption,
)
from services.suppliers.domain.facts import AwardRequirement
from services.suppliers.ports import SuppliersUnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.payloads import (
    InspectionDiscontinued,
    InspectionResumed,
    LotAccepted,
    LotRejected,
    NonconformanceDispositioned,
    OrderAmended,
    OrderAwardRequested,
    OrderCancelled,
    OrderContracted,
    OrderDelivered,
    OrderDeliveryShort,
)
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler

RestrictedCountries = Callable[[], Iterable[str]]
Timezone = Callable[[], str | None]


async def on_award_requested(
    event: CloudEvent,
    payload: OrderAwardRequested,
    uow: SuppliersUnitOfWork,
    restricted: Iterable[str],
    timezone: str | None = None,
) -> None:
    # Licenses and certifications must still be valid when the order is due, not just today.
    requirement = AwardRequirement(
        category=payload.category,
        on=payload.delivery_deadline,
        required_certifications=tuple(payload.required_certifications),
        min_local_content=payload.min_local_content,
        requires_security_clearance=payload.requires_security_clearance,
    )
    cmd = DecideAward(
        event.id, payload.order_id, payload.supplier_id, requirement, frozenset(restricted), timezone=timezone
    )
    await handlers.decide(uow, cmd)


async def on_order_contracted(event: CloudEvent, payload: OrderContracted, uow: SuppliersUnitOfWork) -> None:
    cmd = CountContract(payload.order_id, payload.supplier_id, payload.category, payload.contract_price_kzt)
    await handlers.count_contract(uow, cmd)


async def on_lot_accepted(event: CloudEvent, payload: LotAccepted, uow: SuppliersUnitOfWork) -> None:
    cmd = CountLot(
        payload.order_id, payload.inspection_id, payload.supplier_id, accepted=True, concession=payload.concession
    )
    await handlers.count_lot(uow, cmd)


async def on_lot_rejected(event: CloudEvent, payload: LotRejected, uow: SuppliersUnitOfWork) -> None:
    cmd = CountLot(payload.order_id, payload.inspection_id, payload.supplier_id, accepted=False)
    await handlers.count_lot(uow, cmd)


async def on_order_delivered(event: CloudEvent, payload: OrderDelivered, uow: SuppliersUnitOfWork) -> None:
    cmd = CountDelivery(payload.order_id, payload.supplier_id, payload.on_time, payload.lots, payload.lots_on_time)
    await handlers.count_delivery(uow, cmd)


async def on_delivery_short(event: CloudEvent, payload: OrderDeliveryShort, uow: SuppliersUnitOfWork) -> None:
    cmd = CountShortDelivery(
        payload.order_id, payload.supplier_id, payload.shipment_no, payload.shipped, payload.received
    )
    await handlers.count_short_delivery(uow, cmd)


async def on_nonconformance_dispositioned(
    event: CloudEvent, payload: NonconformanceDispositioned, uow: SuppliersUnitOfWork
) -> None:
    cmd = CountDisposition(
        payload.order_id,
        payload.nonconformance_id,
        payload.inspection_id,
        payload.supplier_id,
        payload.disposition,
        payload.price_reduction_kzt,
    )
    await handlers.count_disposition(uow, cmd)


async def on_inspection_discontinued(
    event: CloudEvent, payload: InspectionDiscontinued, uow: SuppliersUnitOfWork
) -> None:
    cmd = CountDiscontinuation(payload.order_id, payload.supplier_id, payload.lots_not_accepted)
    await handlers.count_discontinuation(uow, cmd)


async def on_inspection_resumed(event: CloudEvent, payload: InspectionResumed, uow: SuppliersUnitOfWork) -> None:
    await handlers.note_resumption(uow, NoteResumption(payload.order_id, payload.reason))


async def on_order_amended(event: CloudEvent, payload: OrderAmended, uow: SuppliersUnitOfWork) -> None:
    cmd = ApplyAmendment(payload.order_id, payload.amendment_number, payload.contract_price_kzt)
    await handlers.apply_amendment(uow, cmd)


async def on_order_cancelled(event: CloudEvent, payload: OrderCancelled, uow: SuppliersUnitOfWork) -> None:
    await handlers.note_cancellation(uow, NoteCancellation(payload.order_id, payload.reason))


def subscriptions(
    restricted_countries: RestrictedCountries, timezone: Timezone = lambda: None
) -> dict[str, EventHandler]:
    """The events this service consumes; the award decision reads the restricted countries and the
    ministry's calendar when it runs."""

    async def award_requested(event: CloudEvent, payload: OrderAwardRequested, uow: SuppliersUnitOfWork) -> None:
        await on_award_requested(event, payload, uow, restricted_countries(), timezone())

    return {
        EventType.ORDER_AWARD_REQUESTED: award_requested,
        EventType.ORDER_CONTRACTED: on_order_contracted,
        EventType.QUALITY_LOT_ACCEPTED: on_lot_accepted,
        EventType.QUALITY_LOT_REJECTED: on_lot_rejected,
        EventType.ORDER_DELIVERED: on_order_delivered,
        EventType.ORDER_CANCELLED: on_order_cancelled,
        EventType.ORDER_DELIVERY_SHORT: on_delivery_short,
        EventType.ORDER_AMENDED: on_order_amended,
        EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED: on_nonconformance_dispositioned,
        EventType.QUALITY_INSPECTION_DISCONTINUED: on_inspection_discontinued,
        EventType.QUALITY_INSPECTION_RESUMED: on_inspection_resumed,
    }
