"""One ``on_<event>`` per consumed event type: the award decision and the scorecard.

The shared consumer has already claimed the event id in the inbox, so a redelivered event never
reaches these handlers; the scorecard is also keyed by its facts (order, inspection), so the same
fact told twice under two event ids still counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID, uuid4

import structlog

from services.suppliers.db import repository
from services.suppliers.db.tables import AwardDecisionRow, AwardRow, DeliveryRow, LotResultRow, SupplierRow
from services.suppliers.domain.eligibility import AwardRequirement, Eligibility, SupplierFacts, assess_registered
from services.suppliers.handlers import utc_now
from shared.events.envelope import CloudEvent
from shared.events.payloads import (
    LotAccepted,
    LotRejected,
    OrderAwardRequested,
    OrderCancelled,
    OrderContracted,
    OrderDelivered,
    Payload,
    SupplierAwardConfirmed,
    SupplierAwardDeclined,
)
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler
from shared.uow import UnitOfWork

log = structlog.get_logger("sdo.suppliers.consumers")

RestrictedCountries = Callable[[], Iterable[str]]


async def on_award_requested(
    event: CloudEvent, payload: OrderAwardRequested, uow: UnitOfWork, restricted: Iterable[str]
) -> None:
    """Decide with the eligibility rules at the order's delivery deadline; answer confirm or decline."""
    supplier = await repository.get_supplier(uow.session, payload.supplier_id)
    facts = await repository.facts_of(uow.session, supplier) if supplier else None
    verdict = assess_registered(facts, _requirement_of(payload), restricted)
    answer = uow.emit(*_award_answer(payload, verdict, facts))
    uow.session.add(
        AwardDecisionRow(
            id=uuid4(),
            request_event_id=event.id,
            order_id=payload.order_id,
            supplier_id=payload.supplier_id,
            category=payload.category,
            eligible=verdict.eligible,
            reasons=verdict.reasons,
            decided_at=utc_now(),
            event_id=answer.id,
        )
    )
    details = {"supplier_id": str(payload.supplier_id), "reasons": verdict.reasons, "request_event_id": str(event.id)}
    uow.record("award_confirmed" if verdict.eligible else "award_declined", "order", payload.order_id, details)


def _requirement_of(payload: OrderAwardRequested) -> AwardRequirement:
    # Licenses and certifications must still be valid when the order is due, not just today.
    return AwardRequirement(
        category=payload.category,
        on=payload.delivery_deadline,
        required_certifications=tuple(payload.required_certifications),
        min_local_content=payload.min_local_content,
        requires_security_clearance=payload.requires_security_clearance,
    )


def _award_answer(
    payload: OrderAwardRequested, verdict: Eligibility, facts: SupplierFacts | None
) -> tuple[EventType, UUID, Payload]:
    """The event type, subject (the order) and data of the answer to an award request."""
    if verdict.eligible and facts is not None:
        confirmed = SupplierAwardConfirmed(
            order_id=payload.order_id,
            supplier_id=payload.supplier_id,
            supplier_country=facts.country,
            local_content_share=facts.local_content_share,
        )
        return EventType.SUPPLIER_AWARD_CONFIRMED, payload.order_id, confirmed
    declined = SupplierAwardDeclined(
        order_id=payload.order_id,
        supplier_id=payload.supplier_id,
        reasons=verdict.reasons,
        missing_certifications=verdict.missing_certifications,
    )
    return EventType.SUPPLIER_AWARD_DECLINED, payload.order_id, declined


async def on_order_contracted(event: CloudEvent, payload: OrderContracted, uow: UnitOfWork) -> None:
    """Count the award and keep its value for diversification; lots seen before the contract count now."""
    await repository.lock_order(uow.session, payload.order_id)
    if await repository.award_of(uow.session, payload.order_id) is not None:
        return
    supplier = await repository.get_supplier(uow.session, payload.supplier_id, for_update=True)
    if supplier is None:
        log.warning(
            "contract_for_unknown_supplier", order_id=str(payload.order_id), supplier_id=str(payload.supplier_id)
        )
        return
    now = utc_now()
    uow.session.add(_award_row(payload, supplier, now))
    counters = repository.counters_of(supplier).with_award()
    for lot in await repository.uncounted_lots(uow.session, payload.order_id):
        lot.supplier_id, lot.counted = supplier.id, True
        counters = counters.with_lot(accepted=lot.accepted)
    repository.store_counters(supplier, counters, now)
    details = {"order_id": str(payload.order_id), "contract_price_kzt": str(payload.contract_price_kzt)}
    uow.record("scorecard_award_counted", "supplier", supplier.id, details)


def _award_row(payload: OrderContracted, supplier: SupplierRow, at: datetime) -> AwardRow:
    # The supplier's country is taken now: a later move of its seat does not rewrite past shares.
    return AwardRow(
        order_id=payload.order_id,
        supplier_id=supplier.id,
        category=payload.category.strip().lower(),
        country=supplier.country,
        value_tiyn=repository.kzt_to_tiyn(payload.contract_price_kzt),
        contracted_at=at,
    )


async def on_lot_accepted(event: CloudEvent, payload: LotAccepted, uow: UnitOfWork) -> None:
    await _record_lot(uow, payload.order_id, payload.inspection_id, payload.supplier_id, accepted=True)


async def on_lot_rejected(event: CloudEvent, payload: LotRejected, uow: UnitOfWork) -> None:
    await _record_lot(uow, payload.order_id, payload.inspection_id, payload.supplier_id, accepted=False)


async def _record_lot(
    uow: UnitOfWork, order_id: UUID, inspection_id: UUID, supplier_id: UUID | None, *, accepted: bool
) -> None:
    await repository.lock_order(uow.session, order_id)
    if await uow.session.get(LotResultRow, inspection_id) is not None:
        return
    if supplier_id is None:
        # The verdict may not name the supplier; the contract recorded from order.contracted does.
        award = await repository.award_of(uow.session, order_id)
        supplier_id = award.supplier_id if award else None
    supplier = await repository.get_supplier(uow.session, supplier_id, for_update=True) if supplier_id else None
    now = utc_now()
    lot = LotResultRow(
        inspection_id=inspection_id,
        order_id=order_id,
        supplier_id=supplier_id,
        accepted=accepted,
        counted=supplier is not None,
        recorded_at=now,
    )
    uow.session.add(lot)
    if supplier is not None:
        repository.store_counters(supplier, repository.counters_of(supplier).with_lot(accepted=accepted), now)
        details = {"order_id": str(order_id), "inspection_id": str(inspection_id), "accepted": accepted}
        uow.record("scorecard_lot_counted", "supplier", supplier.id, details)


async def on_order_delivered(event: CloudEvent, payload: OrderDelivered, uow: UnitOfWork) -> None:
    await repository.lock_order(uow.session, payload.order_id)
    if await uow.session.get(DeliveryRow, payload.order_id) is not None:
        return
    now = utc_now()
    uow.session.add(
        DeliveryRow(
            order_id=payload.order_id, supplier_id=payload.supplier_id, on_time=payload.on_time, recorded_at=now
        )
    )
    supplier = await repository.get_supplier(uow.session, payload.supplier_id, for_update=True)
    if supplier is not None:
        repository.store_counters(
            supplier, repository.counters_of(supplier).with_delivery(on_time=payload.on_time), now
        )
        details = {"order_id": str(payload.order_id), "on_time": payload.on_time}
        uow.record("scorecard_delivery_counted", "supplier", supplier.id, details)


async def on_order_cancelled(event: CloudEvent, payload: OrderCancelled, uow: UnitOfWork) -> None:
    """A cancelled contract leaves the diversification figures (the scorecard keeps the award it counted)."""
    await repository.lock_order(uow.session, payload.order_id)
    if await repository.note_cancelled(uow.session, payload.order_id, utc_now()):
        details = {"order_id": str(payload.order_id), "reason": payload.reason}
        uow.record("contract_cancelled", "order", payload.order_id, details)


def subscriptions(restricted_countries: RestrictedCountries) -> dict[str, EventHandler]:
    """The events this service consumes; the award decision reads the restricted countries when it runs."""

    async def award_requested(event: CloudEvent, payload: OrderAwardRequested, uow: UnitOfWork) -> None:
        await on_award_requested(event, payload, uow, restricted_countries())

    return {
        EventType.ORDER_AWARD_REQUESTED: award_requested,
        EventType.ORDER_CONTRACTED: on_order_contracted,
        EventType.QUALITY_LOT_ACCEPTED: on_lot_accepted,
        EventType.QUALITY_LOT_REJECTED: on_lot_rejected,
        EventType.ORDER_DELIVERED: on_order_delivered,
        EventType.ORDER_CANCELLED: on_order_cancelled,
    }
