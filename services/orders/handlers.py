"""One function per command: load the order, let it act, announce and save what it did.

A command dataclass (``domain/commands.py``) in, the order (or the rate) out, or a domain error.
Storage is reached through ``ports.py``; the unit of work the caller opened commits. No HTTP here.
"""

from __future__ import annotations

from uuid import UUID

from services.orders.domain.commands import (
    AcceptAmendment,
    AmendmentCommand,
    AwardOrder,
    CancelOrder,
    CloseOrder,
    ConfirmDelivery,
    CreateOrder,
    OrderCommand,
    ProposeAmendment,
    PublishOrder,
    RecordAwardConfirmed,
    RecordAwardDeclined,
    RecordDisposition,
    RecordFundProject,
    RecordInspectionDiscontinued,
    RecordInspectionResumed,
    RecordLotAccepted,
    RecordLotRejected,
    RejectAmendment,
    SetExchangeRate,
    ShipLot,
    StartProduction,
    SubmitForInspection,
    UpdateOrder,
    WithdrawAmendment,
)
from services.orders.domain.errors import EventNotApplicable, OrderNotFound
from services.orders.domain.funding import FundProject
from services.orders.domain.lifecycle import ORDER
from services.orders.domain.order import Order, announcements
from services.orders.domain.pricing import CurrencyRates, ExchangeRate, parse_rate
from services.orders.ports import OrdersUnitOfWork
from shared import clock
from shared.errors import InvalidInput
from shared.recorder import Recorder
from shared.versioning import check_version


async def create_order(uow: OrdersUnitOfWork, cmd: CreateOrder) -> Order:
    now = clock.now()
    spec = cmd.spec.checked(await uow.rates.in_force(), today=clock.today(cmd.timezone))  # 422 before a number is taken
    order = Order.create(spec, number=await uow.orders.next_number(now.year), by=uow.actor, at=now)
    return await _save(uow, order)


async def update_order(uow: OrdersUnitOfWork, cmd: UpdateOrder) -> Order:
    if not cmd.changes:
        raise InvalidInput("body", "names no field to change")
    order = await _order(uow, cmd)
    rates, today = await uow.rates.in_force(), clock.today(cmd.timezone)
    order.update(cmd.changes, rates, today=today, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def publish(uow: OrdersUnitOfWork, cmd: PublishOrder) -> Order:
    order = await _order(uow, cmd)
    project_id = order.spec.fund_project_id
    project = None if project_id is None else await uow.fund_projects.get(project_id)
    order.publish(
        today=clock.today(cmd.timezone), fund_project=project, roles=cmd.actor.effective_roles, at=clock.now()
    )
    return await _save(uow, order)


async def award(uow: OrdersUnitOfWork, cmd: AwardOrder) -> Order:
    order = await _order(uow, cmd)
    now = clock.now()
    rates = await uow.rates.in_force(now)  # the rates in force now; the order keeps the one it used
    order.award(cmd.supplier_id, cmd.price, rates, roles=cmd.actor.effective_roles, at=now)
    return await _save(uow, order)


async def start_production(uow: OrdersUnitOfWork, cmd: StartProduction) -> Order:
    order = await _order(uow, cmd)
    order.start_production(roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def submit_for_inspection(uow: OrdersUnitOfWork, cmd: SubmitForInspection) -> Order:
    order = await _order(uow, cmd)
    order.submit_for_inspection(cmd.lot_size, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def ship(uow: OrdersUnitOfWork, cmd: ShipLot) -> Order:
    order = await _order(uow, cmd)
    order.ship(cmd.waybill, cmd.quantity, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def confirm_delivery(uow: OrdersUnitOfWork, cmd: ConfirmDelivery) -> Order:
    order = await _order(uow, cmd)
    roles, today = cmd.actor.effective_roles, clock.today(cmd.timezone)
    order.confirm_delivery(cmd.received_quantity, cmd.shipment_no, today=today, roles=roles, at=clock.now())
    return await _save(uow, order)


async def close(uow: OrdersUnitOfWork, cmd: CloseOrder) -> Order:
    order = await _order(uow, cmd)
    order.close(roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def cancel(uow: OrdersUnitOfWork, cmd: CancelOrder) -> Order:
    order = await _order(uow, cmd)
    order.cancel(cmd.reason, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def propose_amendment(uow: OrdersUnitOfWork, cmd: ProposeAmendment) -> Order:
    order = await _order(uow, cmd)
    now = clock.now()
    rates = await uow.rates.in_force(now)
    roles, today = cmd.actor.effective_roles, clock.today(cmd.timezone)
    order.propose_amendment(cmd.changes, cmd.reason, rates, today=today, by=uow.actor, roles=roles, at=now)
    return await _save(uow, order)


async def accept_amendment(uow: OrdersUnitOfWork, cmd: AcceptAmendment) -> Order:
    order = await _amended(uow, cmd)
    now = clock.now()
    rates = await uow.rates.in_force(now)  # an amended price converts at the rates in force when it applies
    roles, today = cmd.actor.effective_roles, clock.today(cmd.timezone)
    order.accept_amendment(cmd.number, rates, today=today, by=uow.actor, roles=roles, at=now)
    return await _save(uow, order)


async def reject_amendment(uow: OrdersUnitOfWork, cmd: RejectAmendment) -> Order:
    order = await _amended(uow, cmd)
    order.reject_amendment(cmd.number, cmd.reason, by=uow.actor, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def withdraw_amendment(uow: OrdersUnitOfWork, cmd: WithdrawAmendment) -> Order:
    order = await _amended(uow, cmd)
    order.withdraw_amendment(cmd.number, cmd.reason, by=uow.actor, roles=cmd.actor.effective_roles, at=clock.now())
    return await _save(uow, order)


async def set_exchange_rate(uow: OrdersUnitOfWork, cmd: SetExchangeRate) -> ExchangeRate:
    code, kzt_per_unit = parse_rate(cmd.currency, cmd.kzt_per_unit, cmd.field)
    now = clock.now()
    rates = await uow.rates.get_for_change(code) or CurrencyRates(code)
    check_version(cmd.expected, rates.version)  # a default not yet overridden is version 0
    entry, previous = rates.set(
        kzt_per_unit,
        effective_from=cmd.effective_from,
        by=uow.actor,
        at=now,
        max_change=cmd.max_change,
        field=cmd.field,
    )
    await uow.rates.save(rates)
    details = {
        "from": None if previous is None else str(previous),
        "to": str(kzt_per_unit),
        "effective_from": entry.effective_from.isoformat(),
        "version": entry.version,
    }
    uow.record("exchange_rate.set", "exchange_rate", code, details)
    rate = rates.as_of(now)
    assert rate is not None, "a currency just set has a rate from now on, or a default until then"
    return rate


# --- the other services' answers: a late or mismatched one raises and changes nothing ------------


async def record_award_confirmed(uow: OrdersUnitOfWork, cmd: RecordAwardConfirmed) -> Order:
    order = await _answered(uow, cmd.order_id)
    order.award_confirmed(cmd.supplier_id, cmd.supplier_country, cmd.local_content_share, at=clock.now())
    return await _save(uow, order)


async def record_award_declined(uow: OrdersUnitOfWork, cmd: RecordAwardDeclined) -> Order:
    order = await _answered(uow, cmd.order_id)
    order.award_declined(cmd.supplier_id, cmd.reasons, at=clock.now())
    return await _save(uow, order)


async def record_lot_accepted(uow: OrdersUnitOfWork, cmd: RecordLotAccepted) -> Order:
    order = await _answered(uow, cmd.order_id)
    at = clock.now()
    order.lot_accepted(
        cmd.inspection_id,
        cmd.certificate_id,
        supplier_id=cmd.supplier_id,
        round=cmd.round,
        at=at,
        concession=cmd.concession,
        price_reduction_kzt=cmd.price_reduction_kzt,
        nonconformance_id=cmd.nonconformance_id,
    )
    return await _save(uow, order)


async def record_lot_rejected(uow: OrdersUnitOfWork, cmd: RecordLotRejected) -> Order:
    order = await _answered(uow, cmd.order_id)
    at = clock.now()
    order.lot_rejected(cmd.inspection_id, cmd.nonconformities, supplier_id=cmd.supplier_id, round=cmd.round, at=at)
    return await _save(uow, order)


async def record_disposition(uow: OrdersUnitOfWork, cmd: RecordDisposition) -> Order:
    order = await _answered(uow, cmd.order_id)
    order.nonconformance_dispositioned(
        cmd.inspection_id, cmd.nonconformance_id, cmd.disposition, supplier_id=cmd.supplier_id, at=clock.now()
    )
    return await _save(uow, order)


async def record_inspection_discontinued(uow: OrdersUnitOfWork, cmd: RecordInspectionDiscontinued) -> Order:
    order = await _answered(uow, cmd.order_id)
    order.inspection_stopped(cmd.lots_not_accepted, supplier_id=cmd.supplier_id, at=clock.now())
    return await _save(uow, order)


async def record_fund_project(uow: OrdersUnitOfWork, cmd: RecordFundProject) -> FundProject:
    """Keep what the fund says of a project; an announcement that would not move it on is not applicable."""
    now = clock.now()
    project = await uow.fund_projects.get_for_change(cmd.project_id)
    if project is None:
        project = FundProject(cmd.project_id, cmd.status, cmd.enterprise_id, cmd.category, cmd.budget_kzt, now)
    elif not project.learned(
        cmd.status, enterprise_id=cmd.enterprise_id, category=cmd.category, budget_kzt=cmd.budget_kzt, at=now
    ):
        raise EventNotApplicable(f"fund project {cmd.project_id} is {project.status}; {cmd.status} changes nothing")
    await uow.fund_projects.save(project)
    details = {"status": str(project.status), "enterprise_id": str(cmd.enterprise_id), "category": cmd.category}
    uow.record(f"fund_project.{project.status}", "fund_project", project.id, details)
    return project


async def record_inspection_resumed(uow: OrdersUnitOfWork, cmd: RecordInspectionResumed) -> Order:
    order = await _answered(uow, cmd.order_id)
    order.inspection_resumed(cmd.reason, supplier_id=cmd.supplier_id, at=clock.now())
    return await _save(uow, order)


# --- the steps every command shares --------------------------------------------------------------


async def _order(uow: OrdersUnitOfWork, cmd: OrderCommand) -> Order:
    """The caller's order, held for the change: 404 when it is not the caller's, 412 when ``If-Match`` is stale."""
    order = await uow.orders.get_for_change(cmd.order_ref, cmd.actor.supplier_scope)
    if order is None:
        raise OrderNotFound(cmd.order_ref)
    check_version(cmd.expected, order.version)
    return order


async def _amended(uow: OrdersUnitOfWork, cmd: AmendmentCommand) -> Order:
    """The caller's order for a decision on one of its amendments: ``If-Match`` is the amendment's version."""
    order = await uow.orders.get_for_change(cmd.order_ref, cmd.actor.supplier_scope)
    if order is None:
        raise OrderNotFound(cmd.order_ref)
    check_version(cmd.expected, order.amendment(cmd.number).version)
    return order


async def _answered(uow: OrdersUnitOfWork, order_id: UUID) -> Order:
    """The order another service's event names; it may not (or no longer) exist here."""
    order = await uow.orders.get_for_change(order_id)
    if order is None:
        raise EventNotApplicable("unknown order")
    return order


async def _save(uow: OrdersUnitOfWork, order: Order) -> Order:
    _announce(uow, order)
    await uow.orders.save(order)
    return order


def _announce(uow: Recorder, order: Order) -> None:
    """Queue the events and the audit entry of each move the order made; its history row names the event."""
    for move in order.pending:
        announced = announcements(order, move.from_status, move.reason, move.extra)
        events = [uow.emit(kind, order.id, data) for kind, data in announced]
        move.event_id = events[0].id
        uow.record(f"{ORDER.resource}.{move.action}", ORDER.resource, order.id, move.audit(order.number))
