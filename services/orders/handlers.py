"""One function per command: load, check, change through the lifecycle table, return the answer.

No framework here: each handler runs inside the unit of work the route opened, and only that
unit of work commits.
"""

from __future__ import annotations

from typing import Any

from services.orders import clock
from services.orders.api.schemas import (
    AwardRequest,
    Cancellation,
    DeliveryConfirmation,
    ExchangeRatePublic,
    LotSubmission,
    OrderCreate,
    OrderPatch,
    OrderPublic,
    RateUpdate,
    Shipment,
)
from services.orders.db.repository import OrderRepository
from services.orders.db.tables import ExchangeRate, Order
from services.orders.domain.lifecycle import INITIAL_STATUS, Action, apply_action
from services.orders.domain.money import Money
from services.orders.domain.on_time import is_on_time
from services.orders.domain.pricing import DEFAULT_RATES, check_within_ceiling, parse_rate, to_kzt
from services.orders.domain.specification import check_delivery_deadline, check_lot_size, check_requirements
from services.orders.transitions import RESOURCE, announce, move, note_change
from shared.auth import Principal
from shared.http.commands import CommandResult
from shared.http.conditional import check_if_match
from shared.http.problems import ValidationProblem
from shared.uow import UnitOfWork


def _answer(order: Order, status: int = 200, location: str | None = None) -> CommandResult:
    return CommandResult(body=OrderPublic.of(order), status=status, location=location, version=order.version)


async def _current(uow: UnitOfWork, ref: str, principal: Principal, if_match: str | None) -> Order:
    """The caller's order, locked for the change: 404 when it is not the caller's, 412 when ``If-Match`` is stale."""
    order = await OrderRepository(uow.session).get_for_update(ref, principal.supplier_scope)
    check_if_match(if_match, order.version)
    return order


async def _spec_columns(repo: OrderRepository, spec: OrderCreate | OrderPatch, names: set[str]) -> dict[str, Any]:
    """The table columns for the named specification fields, after the rules spanning fields."""
    columns: dict[str, Any] = {name: getattr(spec, name) for name in names}
    if "technical_requirements" in names:
        check_requirements(spec.technical_requirements)
        columns["technical_requirements"] = [r.stored() for r in spec.technical_requirements]
    if "price_ceiling" in names:
        ceiling = columns.pop("price_ceiling").to_money()
        to_kzt(ceiling, await repo.rates(), field="price_ceiling.currency")  # a ceiling must be comparable in KZT
        columns.update(price_ceiling_amount=ceiling.amount, price_ceiling_currency=ceiling.currency)
    return columns


async def create_order(uow: UnitOfWork, spec: OrderCreate) -> CommandResult:
    repo = OrderRepository(uow.session)
    columns = await _spec_columns(repo, spec, set(OrderCreate.model_fields))
    now = clock.now()
    number = await repo.next_number(now.year)
    order = Order(**columns, number=number, status=INITIAL_STATUS, created_by=uow.actor, created_at=now, updated_at=now)
    repo.add(order)
    event_id = announce(uow, order, None, None)
    note_change(uow, order)
    uow.record("order.create", RESOURCE, order.id, {"number": number, "to": order.status, "event_id": str(event_id)})
    return _answer(order, 201, f"/api/v1/orders/{order.id}")


async def update_order(
    uow: UnitOfWork, ref: str, patch: OrderPatch, principal: Principal, if_match: str | None
) -> CommandResult:
    if not patch.model_fields_set:
        raise ValidationProblem([{"field": "body", "message": "names no field to change"}])
    repo = OrderRepository(uow.session)
    order = await _current(uow, ref, principal, if_match)
    apply_action(order.status, Action.UPDATE, principal.effective_roles)  # draft only: 409 otherwise
    fields = sorted(patch.model_fields_set)
    for name, value in (await _spec_columns(repo, patch, set(fields))).items():
        setattr(order, name, value)
    await move(uow, order, Action.UPDATE, principal.effective_roles, reason=f"changed {', '.join(fields)}")
    return _answer(order)


async def publish(uow: UnitOfWork, ref: str, principal: Principal, if_match: str | None) -> CommandResult:
    order = await _current(uow, ref, principal, if_match)
    apply_action(order.status, Action.PUBLISH, principal.effective_roles)
    check_delivery_deadline(order.delivery_deadline, clock.today())  # a draft may have outlived its deadline
    await move(uow, order, Action.PUBLISH, principal.effective_roles)
    return _answer(order)


async def simple_move(
    uow: UnitOfWork, ref: str, action: Action, principal: Principal, if_match: str | None
) -> CommandResult:
    """Moves that take no input: start-production, close."""
    order = await _current(uow, ref, principal, if_match)
    await move(uow, order, action, principal.effective_roles)
    return _answer(order)


async def award(
    uow: UnitOfWork, ref: str, cmd: AwardRequest, principal: Principal, if_match: str | None
) -> CommandResult:
    repo = OrderRepository(uow.session)
    order = await _current(uow, ref, principal, if_match)
    apply_action(order.status, Action.AWARD, principal.effective_roles)
    price = cmd.contract_price.to_money()
    ceiling = Money(order.price_ceiling_amount, order.price_ceiling_currency)
    price_kzt = check_within_ceiling(price, ceiling, await repo.rates())
    order.supplier_id, order.contract_price_kzt, order.award_decline_reason = cmd.supplier_id, price_kzt, None
    order.contract_price_amount, order.contract_price_currency = price.amount, price.currency
    details = {"supplier_id": str(cmd.supplier_id), "contract_price": price.to_dict(), "kzt": str(price_kzt)}
    await move(uow, order, Action.AWARD, principal.effective_roles, details=details)
    return _answer(order)


async def submit_for_inspection(
    uow: UnitOfWork, ref: str, cmd: LotSubmission, principal: Principal, if_match: str | None
) -> CommandResult:
    order = await _current(uow, ref, principal, if_match)
    apply_action(order.status, Action.SUBMIT_FOR_INSPECTION, principal.effective_roles)
    order.lot_size = check_lot_size(cmd.lot_size, order.quantity)
    order.inspection_rounds += 1
    reason = f"round {order.inspection_rounds}, lot of {order.lot_size}"
    await move(uow, order, Action.SUBMIT_FOR_INSPECTION, principal.effective_roles, reason=reason)
    return _answer(order)


async def ship(uow: UnitOfWork, ref: str, cmd: Shipment, principal: Principal, if_match: str | None) -> CommandResult:
    order = await _current(uow, ref, principal, if_match)
    order.waybill = cmd.waybill
    await move(uow, order, Action.SHIP, principal.effective_roles, reason=f"waybill {cmd.waybill}")
    return _answer(order)


async def confirm_delivery(
    uow: UnitOfWork, ref: str, cmd: DeliveryConfirmation, principal: Principal, if_match: str | None
) -> CommandResult:
    order = await _current(uow, ref, principal, if_match)
    apply_action(order.status, Action.CONFIRM_DELIVERY, principal.effective_roles)
    order.received_quantity = check_lot_size(cmd.received_quantity, order.quantity, "received_quantity")
    order.delivered_on = clock.today()
    order.on_time = is_on_time(order.delivered_on, order.delivery_deadline)
    reason = f"received {order.received_quantity} of {order.quantity}, {'on time' if order.on_time else 'late'}"
    await move(uow, order, Action.CONFIRM_DELIVERY, principal.effective_roles, reason=reason)
    return _answer(order)


async def cancel(
    uow: UnitOfWork, ref: str, cmd: Cancellation, principal: Principal, if_match: str | None
) -> CommandResult:
    order = await _current(uow, ref, principal, if_match)
    order.cancel_reason = cmd.reason
    await move(uow, order, Action.CANCEL, principal.effective_roles, reason=cmd.reason)
    return _answer(order)


async def set_exchange_rate(uow: UnitOfWork, currency: str, cmd: RateUpdate, if_match: str | None) -> CommandResult:
    code, rate = parse_rate(currency, cmd.kzt_per_unit)
    repo = OrderRepository(uow.session)
    row = await repo.rate_for_update(code)
    check_if_match(if_match, row.version if row else 0)  # a default not yet overridden is version 0
    previous = None if row is None else str(row.kzt_per_unit)
    created = row is None and code not in DEFAULT_RATES
    if row is None:
        row = ExchangeRate(currency=code, kzt_per_unit=rate, version=0, updated_at=clock.now(), updated_by=uow.actor)
        uow.session.add(row)
    row.kzt_per_unit, row.version, row.updated_at, row.updated_by = rate, row.version + 1, clock.now(), uow.actor
    uow.record("exchange_rate.set", "exchange_rate", code, {"from": previous, "to": str(rate)})
    body = ExchangeRatePublic.of(code, rate, row.version, row.updated_at, row.updated_by)
    return CommandResult(body=body, status=201 if created else 200, version=row.version)
