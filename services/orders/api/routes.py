"""Orders endpoints (contract section 3): thin routes over the handlers and the read queries."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from services.orders import handlers
from services.orders.api import export
from services.orders.api.schemas import (
    AwardRequest,
    Cancellation,
    ChangesFeed,
    DeliveryConfirmation,
    HistoryEntry,
    LotSubmission,
    OrderCreate,
    OrderPatch,
    OrderPublic,
    OrderStatusPublic,
    Shipment,
    ShipmentPublic,
    UtcMoment,
)
from services.orders.db import reads
from services.orders.domain.commands import (
    AwardOrder,
    CancelOrder,
    CloseOrder,
    ConfirmDelivery,
    CreateOrder,
    PublishOrder,
    ShipLot,
    StartProduction,
    SubmitForInspection,
    UpdateOrder,
)
from services.orders.domain.errors import OrderNotFound
from services.orders.domain.lifecycle import ORDER, Action, OrderStatus
from services.orders.domain.order import Order
from services.orders.domain.specification import Category
from shared.auth import Principal, allow, allow_all
from shared.http import csv
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import etag, json_with_etag, none_match, not_modified
from shared.http.deps import IfNoneMatch, ReadSessionDep, RuntimeDep
from shared.http.hot import HotCall, hot
from shared.http.longpoll import WaitQuery
from shared.http.pagination import MAX_LIMIT, CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.responses import json_response
from shared.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["orders"])

Anyone = Annotated[Principal, allow_all()]
ORDER_REF_LENGTH = 64
OrderRef = Annotated[
    str, Path(max_length=ORDER_REF_LENGTH, description="The order's id (UUID) or its number (`SDO-2030-000042`).")
]

# `seq` is a BIGINT: a larger `after` is bad input (422), not a value the database fails on (500).
MAX_SEQ = 2**63 - 1
# Orders per read when an export streams every page.
EXPORT_PAGE = 500

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current."}
}
_SEES = "A supplier sees only its own orders (another supplier's order answers 404)."


def may(action: Action) -> Any:
    """The route's role rule, read from the lifecycle table: the one statement of who may act."""
    return allow(*ORDER.roles_for(action))


def answer(order: Order) -> CommandResult:
    return CommandResult(body=OrderPublic.of(order), version=order.version)


def created(order: Order) -> CommandResult:
    return CommandResult(OrderPublic.of(order), 201, f"/api/v1/orders/{order.id}", order.version)


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderPublic,
    summary="Create an order (draft)",
    description="Creates the order in `draft` with its specification and a new number; `delivery_schedule` "
    "(optional) splits the quantity into lots with due dates (default: one lot due on `delivery_deadline`). "
    "Roles: mod_officer, integration. Answers 201 with `Location` and `ETag`.",
)
async def create_order(
    body: OrderCreate, principal: Annotated[Principal, may(Action.CREATE)], cmd: CommandDep
) -> Response:
    command = CreateOrder(body.to_specification(), timezone=cmd.runtime.settings.timezone)
    return await cmd.run(principal, lambda uow: handlers.create_order(uow, command), present=created)


@router.get(
    "/orders",
    response_model=Page[OrderPublic],
    responses={
        200: {
            "description": "A page of orders as JSON or, with `Accept: text/csv`, every matching order as CSV.",
            "content": csv.csv_content(
                export.ORDERS_EXAMPLE, "UTF-8 CSV with a header row, one row per order, every page."
            ),
        }
    },
    summary="List orders",
    description="Newest first, filtered by `status`, `category`, `supplier_id`, `updated_since`. With `Accept: "
    "text/csv` the same filters answer one CSV table of every matching order (all pages, streamed; `limit` and "
    "`cursor` do not apply), UTF-8 with titles in Cyrillic as they were written, a header row, money as decimal "
    f"strings. All roles. {_SEES}",
)
async def list_orders(
    request: Request,
    principal: Anyone,
    session: ReadSessionDep,
    runtime: RuntimeDep,
    status: OrderStatus | None = None,
    category: Category | None = None,
    supplier_id: UUID | None = None,
    updated_since: Annotated[UtcMoment | None, Query(description="RFC 3339; orders changed at or after.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Response:
    where = reads.OrderFilter(status, category, supplier_id, updated_since)
    if csv.wants_csv(request):
        rows = _every_order(runtime, where, principal.supplier_scope)
        return csv.csv_response(csv.csv_stream(export.ORDERS_HEADER, rows), "orders.csv")
    before = decode_cursor(cursor, str)
    found = await reads.list_orders(session, where, principal.supplier_scope, limit, before[0] if before else None)
    page, next_cursor = split_page(found, limit, lambda order: [order.number])
    body = Page[OrderPublic](items=[OrderPublic.of(order) for order in page], next_cursor=next_cursor)
    return json_response(body.model_dump(mode="json"), headers={"Vary": "Accept"})


async def _every_order(
    runtime: Runtime, where: reads.OrderFilter, supplier_scope: UUID | None
) -> AsyncIterator[tuple[Any, ...]]:
    """Every matching order's CSV row, newest first, a page per read (each its own short read)."""
    before: str | None = None
    while True:
        async with runtime.db.read_session() as session:
            found = await reads.list_orders(session, where, supplier_scope, EXPORT_PAGE, before)
        for order in found[:EXPORT_PAGE]:
            yield export.order_row(order)
        if len(found) <= EXPORT_PAGE:
            return
        before = found[EXPORT_PAGE - 1].number


_DIGITS = re.compile(r"[0-9]{1,19}")


async def _feed_page(runtime: Runtime, after: int, limit: int, scope: UUID | None) -> reads.ChangesPage:
    known, key = runtime.known_versions, ("changes", after, limit, scope)
    page: reads.ChangesPage | None = known.get(key)
    if page is None:
        stamp = known.stamp()
        page = await reads.poll_changes(runtime.db, after, limit, scope)
        if page.count == limit:
            # Seqs are taken in commit order, so a full page never changes: later commits come after it.
            known.keep_final(key, page)
        else:
            known.keep(key, page, stamp)
    return page


async def _changes(
    runtime: Runtime, principal: Principal, after: int, limit: int, wait: int, if_none_match: str | None
) -> Response:
    async def changes() -> reads.ChangesPage:
        return await _feed_page(runtime, after, limit, principal.supplier_scope)

    page = await runtime.commits.wait_for(changes, wait) if wait else await changes()
    if none_match(if_none_match, page.last_seq):
        return not_modified(page.last_seq)
    return Response(page.body, headers={"ETag": etag(page.last_seq)}, media_type="application/json")


async def _hot_changes(call: HotCall) -> Response | None:
    """A page without waiting, its query plain digits in range; anything else: the route's validation."""
    query = call.query
    if not query.keys() <= {"after", "limit"} or not all(_DIGITS.fullmatch(v) for v in query.values()):
        return None
    after, limit = int(query.get("after", 0)), int(query.get("limit", 50))
    if after > MAX_SEQ or not 1 <= limit <= MAX_LIMIT:
        return None
    return await _changes(call.runtime, call.principal, after, limit, 0, call.if_none_match)


@router.get(
    "/orders/changes",
    response_model=ChangesFeed,
    responses=_NOT_MODIFIED,
    summary="The changes feed",
    description="Every new version of an order with `seq > after`, oldest first, `seq` strictly increasing. "
    "Keep `last_seq` and pass it back as `after`: nothing committed is ever skipped, even with concurrent "
    "writers. ETag is the `last_seq`. With `wait`, an empty answer waits (long-polling) until a change "
    f"commits or the time is up. All roles. {_SEES}",
)
@hot(_hot_changes)
async def changes_feed(
    principal: Anyone,
    runtime: RuntimeDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="The `last_seq` of the previous call; 0 from the start.")
    ] = 0,
    limit: LimitQuery = 50,
    wait: WaitQuery = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return await _changes(runtime, principal, after, limit, wait, if_none_match)


@router.get(
    "/orders/{order_id}",
    response_model=OrderPublic,
    responses=_NOT_MODIFIED,
    summary="Read an order",
    description=f"The whole order with `ETag`; `If-None-Match` answers 304 when unchanged. All roles. {_SEES}",
)
async def get_order(
    request: Request, order_id: OrderRef, principal: Anyone, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    order = await reads.find_order(session, order_id, principal.supplier_scope)
    if order is None:
        raise OrderNotFound(order_id)
    return json_with_etag(request, OrderPublic.of(order), order.version)


async def _status(runtime: Runtime, principal: Principal, order_id: str, if_none_match: str | None) -> Response:
    scope = principal.supplier_scope
    known, key = runtime.known_versions, ("order-status", order_id, scope)
    # The answer this process last read, still current (the commit signal says so): no query.
    found: reads.StatusAnswer | None = known.get(key)
    if found is None:
        stamp = known.stamp()
        found = await reads.poll_status(runtime.db, order_id, scope)
        if found is None:
            raise OrderNotFound(order_id)
        known.keep(key, found, stamp)
    if none_match(if_none_match, found.version):
        return not_modified(found.version)
    return Response(found.body, headers={"ETag": etag(found.version)}, media_type="application/json")


async def _hot_status(call: HotCall) -> Response | None:
    order_id = call.path["order_id"]
    if len(order_id) > ORDER_REF_LENGTH:
        return None  # the route's 422
    return await _status(call.runtime, call.principal, order_id, call.if_none_match)


@router.get(
    "/orders/{order_id}/status",
    response_model=OrderStatusPublic,
    responses=_NOT_MODIFIED,
    summary="Poll an order's status",
    description="`{id, number, status, version, updated_at}` from one indexed lookup, with `ETag`; "
    f"`If-None-Match` answers 304 when unchanged. The cheapest call to poll. All roles. {_SEES}",
)
@hot(_hot_status)
async def get_status(
    order_id: OrderRef, principal: Anyone, runtime: RuntimeDep, if_none_match: IfNoneMatch = None
) -> Response:
    return await _status(runtime, principal, order_id, if_none_match)


@router.get(
    "/orders/{order_id}/history",
    response_model=Page[HistoryEntry],
    summary="An order's history",
    description=f"Every status change, oldest first: from, to, when, who, why, and the event id. All roles. {_SEES}",
)
async def get_history(
    order_id: OrderRef, principal: Anyone, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    visible_id = await reads.order_id_visible(session, order_id, principal.supplier_scope)
    if visible_id is None:
        raise OrderNotFound(order_id)
    after = decode_cursor(cursor, int)
    rows = await reads.order_history(session, visible_id, limit, after[0] if after else None)
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.id])
    items = [HistoryEntry.model_validate(r, from_attributes=True) for r in page]
    return json_response(Page[HistoryEntry](items=items, next_cursor=next_cursor).model_dump(mode="json"))


@router.get(
    "/orders/{order_id}/shipments",
    response_model=Page[ShipmentPublic],
    summary="An order's shipments",
    description="Every shipment by number: units, waybill, when shipped, and its receipt (received units, when, on "
    f"time). All roles. {_SEES}",
)
async def get_shipments(
    order_id: OrderRef, principal: Anyone, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    visible_id = await reads.order_id_visible(session, order_id, principal.supplier_scope)
    if visible_id is None:
        raise OrderNotFound(order_id)
    after = decode_cursor(cursor, int)
    rows = await reads.order_shipments(session, visible_id, limit, after[0] if after else None)
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.shipment_no])
    items = [ShipmentPublic.of(r) for r in page]
    return json_response(Page[ShipmentPublic](items=items, next_cursor=next_cursor).model_dump(mode="json"))


@router.patch(
    "/orders/{order_id}",
    response_model=OrderPublic,
    summary="Change a draft",
    description="Changes specification fields while the order is `draft` (409 after publish), incl. "
    "`delivery_schedule`; changing `quantity` or `delivery_deadline` alone keeps a default schedule consistent "
    "(an explicit one must still sum to the quantity, else 422). Send `If-Match` "
    "with the ETag you read: a stale one answers 412. Roles: mod_officer, integration.",
)
async def update_order(
    order_id: OrderRef, body: OrderPatch, principal: Annotated[Principal, may(Action.UPDATE)], cmd: CommandDep
) -> Response:
    command = UpdateOrder(
        order_ref=order_id,
        actor=principal,
        expected=cmd.expected,
        changes=body.changes(),
        timezone=cmd.runtime.settings.timezone,
    )
    return await cmd.run(principal, lambda uow: handlers.update_order(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/publish",
    response_model=OrderPublic,
    summary="Publish an order",
    description="`draft` -> `published`; the specification is frozen. A draft whose delivery deadline has "
    "passed answers 422. Roles: mod_officer, integration.",
)
async def publish(
    order_id: OrderRef, principal: Annotated[Principal, may(Action.PUBLISH)], cmd: CommandDep
) -> Response:
    command = PublishOrder(
        order_ref=order_id, actor=principal, expected=cmd.expected, timezone=cmd.runtime.settings.timezone
    )
    return await cmd.run(principal, lambda uow: handlers.publish(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/award",
    response_model=OrderPublic,
    summary="Award an order to a supplier",
    description="`published` -> `award_pending`; the suppliers service then confirms (-> `contracted`) or "
    "declines (-> `published`, reason kept). A contract price above the ceiling, compared in KZT at the current "
    "rates, answers 422 at once. Roles: mod_officer, integration.",
)
async def award(
    order_id: OrderRef, body: AwardRequest, principal: Annotated[Principal, may(Action.AWARD)], cmd: CommandDep
) -> Response:
    price = body.contract_price.to_money()
    command = AwardOrder(
        order_ref=order_id, actor=principal, expected=cmd.expected, supplier_id=body.supplier_id, price=price
    )
    return await cmd.run(principal, lambda uow: handlers.award(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/start-production",
    response_model=OrderPublic,
    summary="Start production",
    description="`contracted` -> `in_production`. Role: supplier, on its own order.",
)
async def start_production(
    order_id: OrderRef, principal: Annotated[Principal, may(Action.START_PRODUCTION)], cmd: CommandDep
) -> Response:
    command = StartProduction(order_ref=order_id, actor=principal, expected=cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.start_production(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/submit-for-inspection",
    response_model=OrderPublic,
    summary="Submit a lot for inspection",
    description="`in_production` or `rework` -> `inspection`, opening the next inspection round. Units, not lots, "
    "are accepted: `lot_size` is at most the units not yet accepted (`quantity - accepted_quantity`, else 422). "
    "While the quality service has discontinued inspection of the order it answers 409 "
    "`urn:sdo:problem:inspection_discontinued`. Role: supplier, on its own order.",
)
async def submit_for_inspection(
    order_id: OrderRef,
    body: LotSubmission,
    principal: Annotated[Principal, may(Action.SUBMIT_FOR_INSPECTION)],
    cmd: CommandDep,
) -> Response:
    command = SubmitForInspection(order_ref=order_id, actor=principal, expected=cmd.expected, lot_size=body.lot_size)
    return await cmd.run(principal, lambda uow: handlers.submit_for_inspection(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/ship",
    response_model=OrderPublic,
    summary="Ship accepted units",
    description="From `in_production` or `accepted`: a shipment of `quantity` accepted, unshipped units (left out: "
    "all of them) with the waybill (`GET .../shipments`). More than are waiting answers 422 (field `quantity`); "
    "none waiting answers 409 `urn:sdo:problem:nothing-to-ship`. The order goes to `shipped` once every unit is "
    "shipped, else stays where it is. Role: supplier, on its own order.",
)
async def ship(
    order_id: OrderRef, body: Shipment, principal: Annotated[Principal, may(Action.SHIP)], cmd: CommandDep
) -> Response:
    command = ShipLot(
        order_ref=order_id, actor=principal, expected=cmd.expected, waybill=body.waybill, quantity=body.quantity
    )
    return await cmd.run(principal, lambda uow: handlers.ship(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/confirm-delivery",
    response_model=OrderPublic,
    summary="Confirm delivery",
    description="Receives a shipment (`shipment_no`, which may be left out while exactly one is waiting; else 422) "
    "in `in_production`, `accepted` or `shipped`; `received_quantity` is at most the shipment's quantity (422). "
    "A short receipt returns the missing units to production (neither accepted nor shipped: `accepted`/`shipped` "
    "-> `in_production`) and publishes `kz.sdo.order.delivery_short.v1`. The order is `delivered` once every unit "
    "is received. A shipment is on time when received, on the calendar of `SDO_TIMEZONE` (default Asia/Almaty), "
    "no later than the earliest due date of the lots it fills; the order's `on_time` only if every shipment was. "
    "No shipment waiting answers 409 `urn:sdo:problem:no-shipment-in-transit`. Roles: mod_officer, integration.",
)
async def confirm_delivery(
    order_id: OrderRef,
    body: DeliveryConfirmation,
    principal: Annotated[Principal, may(Action.CONFIRM_DELIVERY)],
    cmd: CommandDep,
) -> Response:
    command = ConfirmDelivery(
        order_ref=order_id,
        actor=principal,
        expected=cmd.expected,
        received_quantity=body.received_quantity,
        shipment_no=body.shipment_no,
        timezone=cmd.runtime.settings.timezone,
    )
    return await cmd.run(principal, lambda uow: handlers.confirm_delivery(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/close",
    response_model=OrderPublic,
    summary="Close a delivered order",
    description="`delivered` -> `closed`. Roles: mod_officer, integration.",
)
async def close(order_id: OrderRef, principal: Annotated[Principal, may(Action.CLOSE)], cmd: CommandDep) -> Response:
    command = CloseOrder(order_ref=order_id, actor=principal, expected=cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.close(uow, command), present=answer)


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderPublic,
    summary="Cancel an order",
    description="From any status up to `inspection` or `rework`, with a reason. Roles: mod_officer, integration.",
)
async def cancel(
    order_id: OrderRef, body: Cancellation, principal: Annotated[Principal, may(Action.CANCEL)], cmd: CommandDep
) -> Response:
    command = CancelOrder(order_ref=order_id, actor=principal, expected=cmd.expected, reason=body.reason)
    return await cmd.run(principal, lambda uow: handlers.cancel(uow, command), present=answer)
