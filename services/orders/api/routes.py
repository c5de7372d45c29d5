"""Orders endpoints (contract section 3): thin routes over the handlers and the read queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import AfterValidator, BeforeValidator
from starlette.responses import Response

from services.orders import handlers
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
)
from services.orders.db import reads
from services.orders.db.repository import not_found
from services.orders.domain.lifecycle import Action, OrderStatus
from services.orders.domain.specification import Category
from shared.auth import Principal, Role, allow, allow_all
from shared.http.commands import CommandDep
from shared.http.conditional import etag, is_not_modified, json_with_etag
from shared.http.deps import IfNoneMatch, ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.responses import json_response

router = APIRouter(prefix="/api/v1", tags=["orders"])

Ministry = Annotated[Principal, allow(Role.MOD_OFFICER, Role.INTEGRATION)]
Supplier = Annotated[Principal, allow(Role.SUPPLIER)]
Anyone = Annotated[Principal, allow_all()]
OrderRef = Annotated[str, Path(max_length=64, description="The order's id (UUID) or its number (`SDO-2030-000042`).")]

# `seq` is a BIGINT: a larger `after` is bad input (422), not a value the database fails on (500).
MAX_SEQ = 2**63 - 1


def _in_utc(moment: datetime) -> datetime:
    # Compared with UTC columns: an instant with no UTC date (year 1 at +14:00) is bad input, not a 500.
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("is outside the range of representable UTC timestamps") from None


# RFC 3339 as the document says (format date-time): pydantic alone would also read "0.5" or "1700000000"
# as Unix time, or a date-time without an offset as local time.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T09:00:00Z")
    return value


UtcMoment = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]

_NOT_MODIFIED = {304: {"description": "Not modified: the `If-None-Match` ETag is current."}}
_SEES = "A supplier sees only its own orders (another supplier's order answers 404)."


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderPublic,
    summary="Create an order (draft)",
    description="Creates the order in `draft` with its specification and a new number. "
    "Roles: mod_officer, integration. Answers 201 with `Location` and `ETag`.",
)
async def create_order(body: OrderCreate, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.create_order(uow, body))


@router.get(
    "/orders",
    response_model=Page[OrderPublic],
    summary="List orders",
    description=f"Newest first, filtered by `status`, `category`, `supplier_id`, `updated_since`. All roles. {_SEES}",
)
async def list_orders(
    principal: Anyone,
    session: ReadSessionDep,
    status: OrderStatus | None = None,
    category: Category | None = None,
    supplier_id: UUID | None = None,
    updated_since: Annotated[UtcMoment | None, Query(description="RFC 3339; orders changed at or after.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Response:
    before = decode_cursor(cursor, str)
    where = reads.OrderFilter(status, category, supplier_id, updated_since)
    rows = await reads.list_orders(session, where, principal.supplier_scope, limit, before[0] if before else None)
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.number])
    body = Page[OrderPublic](items=[OrderPublic.of(r) for r in page], next_cursor=next_cursor)
    return json_response(body.model_dump(mode="json"))


@router.get(
    "/orders/changes",
    response_model=ChangesFeed,
    responses=_NOT_MODIFIED,
    summary="The changes feed",
    description="Every new version of an order with `seq > after`, oldest first, `seq` strictly increasing. "
    "Keep `last_seq` and pass it back as `after`: nothing committed is ever skipped, even with concurrent "
    f"writers. ETag is the `last_seq`. All roles. {_SEES}",
)
async def changes_feed(
    request: Request,
    principal: Anyone,
    runtime: RuntimeDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="The `last_seq` of the previous call; 0 from the start.")
    ] = 0,
    limit: LimitQuery = 50,
    if_none_match: IfNoneMatch = None,  # declared for the documentation; read by is_not_modified
) -> Response:
    async with reads.poll_engine(runtime.db).connect() as conn:
        rows = await reads.changes_after(conn, after, limit, principal.supplier_scope)
    last_seq = rows[-1].seq if rows else after
    if is_not_modified(request, last_seq):
        return Response(status_code=304, headers={"ETag": etag(last_seq)})
    body = {"changes": [row._asdict() for row in rows], "last_seq": last_seq}
    return json_response(body, headers={"ETag": etag(last_seq)})


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
    row = await reads.order_row(session, order_id, principal.supplier_scope)
    if row is None:
        raise not_found(order_id)
    return json_with_etag(request, OrderPublic.of(row), row.version)


@router.get(
    "/orders/{order_id}/status",
    response_model=OrderStatusPublic,
    responses=_NOT_MODIFIED,
    summary="Poll an order's status",
    description="`{id, number, status, version, updated_at}` from one indexed lookup, with `ETag`; "
    f"`If-None-Match` answers 304 when unchanged. The cheapest call to poll. All roles. {_SEES}",
)
async def get_status(
    request: Request, order_id: OrderRef, principal: Anyone, runtime: RuntimeDep, if_none_match: IfNoneMatch = None
) -> Response:
    async with reads.poll_engine(runtime.db).connect() as conn:
        row = await reads.order_status(conn, order_id, principal.supplier_scope)
    if row is None:
        raise not_found(order_id)
    return json_with_etag(request, row._asdict(), row.version)


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
        raise not_found(order_id)
    after = decode_cursor(cursor, int)
    rows = await reads.order_history(session, visible_id, limit, after[0] if after else None)
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.id])
    items = [HistoryEntry.model_validate(r, from_attributes=True) for r in page]
    return json_response(Page[HistoryEntry](items=items, next_cursor=next_cursor).model_dump(mode="json"))


@router.patch(
    "/orders/{order_id}",
    response_model=OrderPublic,
    summary="Change a draft",
    description="Changes specification fields while the order is `draft` (409 after publish). Send `If-Match` "
    "with the ETag you read: a stale one answers 412. Roles: mod_officer, integration.",
)
async def update_order(order_id: OrderRef, body: OrderPatch, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.update_order(uow, order_id, body, principal, cmd.if_match))


@router.post(
    "/orders/{order_id}/publish",
    response_model=OrderPublic,
    summary="Publish an order",
    description="`draft` -> `published`; the specification is frozen. A draft whose delivery deadline has "
    "passed answers 422. Roles: mod_officer, integration.",
)
async def publish(order_id: OrderRef, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.publish(uow, order_id, principal, cmd.if_match))


@router.post(
    "/orders/{order_id}/award",
    response_model=OrderPublic,
    summary="Award an order to a supplier",
    description="`published` -> `award_pending`; the suppliers service then confirms (-> `contracted`) or "
    "declines (-> `published`, reason kept). A contract price above the ceiling, compared in KZT at the current "
    "rates, answers 422 at once. Roles: mod_officer, integration.",
)
async def award(order_id: OrderRef, body: AwardRequest, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.award(uow, order_id, body, principal, cmd.if_match))


@router.post(
    "/orders/{order_id}/start-production",
    response_model=OrderPublic,
    summary="Start production",
    description="`contracted` -> `in_production`. Role: supplier, on its own order.",
)
async def start_production(order_id: OrderRef, principal: Supplier, cmd: CommandDep) -> Response:
    return await cmd.run(
        principal, lambda uow: handlers.simple_move(uow, order_id, Action.START_PRODUCTION, principal, cmd.if_match)
    )


@router.post(
    "/orders/{order_id}/submit-for-inspection",
    response_model=OrderPublic,
    summary="Submit a lot for inspection",
    description="`in_production` or `rework` -> `inspection`, opening the next inspection round; `lot_size` "
    "at most the ordered quantity. Role: supplier, on its own order.",
)
async def submit_for_inspection(
    order_id: OrderRef, body: LotSubmission, principal: Supplier, cmd: CommandDep
) -> Response:
    return await cmd.run(
        principal, lambda uow: handlers.submit_for_inspection(uow, order_id, body, principal, cmd.if_match)
    )


@router.post(
    "/orders/{order_id}/ship",
    response_model=OrderPublic,
    summary="Ship an accepted lot",
    description="`accepted` -> `shipped`, with the waybill. Role: supplier, on its own order.",
)
async def ship(order_id: OrderRef, body: Shipment, principal: Supplier, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.ship(uow, order_id, body, principal, cmd.if_match))


@router.post(
    "/orders/{order_id}/confirm-delivery",
    response_model=OrderPublic,
    summary="Confirm delivery",
    description="`shipped` -> `delivered`; `on_time` is whether today (UTC) is on or before the delivery "
    "deadline. Roles: mod_officer, integration.",
)
async def confirm_delivery(
    order_id: OrderRef, body: DeliveryConfirmation, principal: Ministry, cmd: CommandDep
) -> Response:
    return await cmd.run(principal, lambda uow: handlers.confirm_delivery(uow, order_id, body, principal, cmd.if_match))


@router.post(
    "/orders/{order_id}/close",
    response_model=OrderPublic,
    summary="Close a delivered order",
    description="`delivered` -> `closed`. Roles: mod_officer, integration.",
)
async def close(order_id: OrderRef, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(
        principal, lambda uow: handlers.simple_move(uow, order_id, Action.CLOSE, principal, cmd.if_match)
    )


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderPublic,
    summary="Cancel an order",
    description="From any status up to `inspection` or `rework`, with a reason. Roles: mod_officer, integration.",
)
async def cancel(order_id: OrderRef, body: Cancellation, principal: Ministry, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.cancel(uow, order_id, body, principal, cmd.if_match))
