"""Contract amendments (contract section 8): propose, accept, reject, withdraw, and read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from services.orders import handlers
from services.orders.api.schemas import (
    AmendmentProposal,
    AmendmentPublic,
    AmendmentRejection,
    AmendmentWithdrawal,
)
from services.orders.db import reads
from services.orders.domain.amendment import AMENDMENT, AmendmentAction
from services.orders.domain.commands import AcceptAmendment, ProposeAmendment, RejectAmendment, WithdrawAmendment
from services.orders.domain.errors import AmendmentNotFound, OrderNotFound
from services.orders.domain.order import Order
from shared.auth import Principal, allow, allow_all
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import json_with_etag
from shared.http.deps import IfNoneMatch, ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.responses import json_response

router = APIRouter(prefix="/api/v1", tags=["amendments"])

OrderRef = Annotated[str, Path(max_length=64, description="The order's id (UUID) or its number (`SDO-2030-000042`).")]
Number = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="The amendment's number within the order (1, 2, ...).")
]
Anyone = Annotated[Principal, allow_all()]

_SEES = "A supplier sees only its own orders' amendments (another supplier's order answers 404)."
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current."}
}
_RULES_422 = (
    "The changes break a rule, naming the field (`changes.quantity`, `changes.delivery_deadline`, "
    "`changes.delivery_schedule[i]...`, `changes.contract_price`, `changes`): a quantity below the units "
    "accepted (and, in `inspection` or `rework`, those of the lot under inspection); a contract price above the "
    "ceiling compared in KZT at the rates in force, or in a currency without a rate; a schedule that does not sum "
    "to the quantity, is out of order, falls due after the deadline or changes a lot already received in full; "
    "an order with a schedule of its own whose quantity or deadline changes without a new schedule; a deadline in "
    "the past; no change named, or none that changes anything."
)
_DECIDED_409 = (
    "The amendment is no longer proposed (`urn:sdo:problem:illegal-transition`, `current_status`: accepted, "
    "rejected or withdrawn), or the same `Idempotency-Key` is still in flight."
)


def may(action: AmendmentAction) -> Any:
    """The route's role rule, read from the amendment table."""
    return allow(*AMENDMENT.roles_for(action))


def _amendment(number: int | None = None, status: int = 200) -> Callable[[Order], CommandResult]:
    """Render the order's amendment ``number`` (the one just proposed when None), with its version as ETag."""

    def present(order: Order) -> CommandResult:
        amendment = order.last_amendment if number is None else order.amendment(number)
        assert amendment is not None
        location = f"/api/v1/orders/{order.id}/amendments/{amendment.number}" if status == 201 else None
        return CommandResult(AmendmentPublic.of(order.id, amendment), status, location, amendment.version)

    return present


@router.post(
    "/orders/{order_id}/amendments",
    status_code=201,
    response_model=AmendmentPublic,
    responses={
        409: {
            "description": "The order is not between `contracted` and `shipped` (`urn:sdo:problem:illegal-transition`, "
            "`current_status`, `allowed_actions`); another amendment is still proposed "
            "(`urn:sdo:problem:amendment-already-proposed`, `open_amendment`: one open at a time); or the same "
            "`Idempotency-Key` is still in flight."
        },
        412: {"description": "`If-Match` is not the order's current version."},
        422: {"description": _RULES_422},
    },
    summary="Propose an amendment",
    description="After award the contract changes only by amendment, from `contracted` to `shipped`: `changes` "
    "names any of `quantity`, `delivery_deadline`, `delivery_schedule` and `contract_price`, and `reason` says why. "
    "The changes are checked against the order as it stands (422 naming the rule) and the amendment is `proposed` "
    "until the order's supplier accepts or rejects it, or the ministry withdraws it; one is open at a time. "
    "The order gets a new version and a history entry. `If-Match` is the order's ETag. Answers 201 with "
    "`Location` and the amendment's `ETag`. Roles: mod_officer, integration.",
)
async def propose(
    order_id: OrderRef,
    body: AmendmentProposal,
    principal: Annotated[Principal, may(AmendmentAction.PROPOSE)],
    cmd: CommandDep,
) -> Response:
    command = ProposeAmendment(
        order_ref=order_id,
        actor=principal,
        expected=cmd.expected,
        changes=body.changes.to_changes(),
        reason=body.reason,
        timezone=cmd.runtime.settings.timezone,
    )
    return await cmd.run(
        principal, lambda uow: handlers.propose_amendment(uow, command), present=_amendment(status=201)
    )


@router.get(
    "/orders/{order_id}/amendments",
    response_model=Page[AmendmentPublic],
    summary="An order's amendments",
    description=f"Every amendment of the order by number, whatever became of it. All roles. {_SEES}",
)
async def list_amendments(
    order_id: OrderRef, principal: Anyone, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    visible_id = await reads.order_id_visible(session, order_id, principal.supplier_scope)
    if visible_id is None:
        raise OrderNotFound(order_id)
    after = decode_cursor(cursor, int)
    found = await reads.order_amendments(session, visible_id, limit, after[0] if after else None)
    page, next_cursor = split_page(found, limit, lambda a: [a.number])
    items = [AmendmentPublic.of(visible_id, a) for a in page]
    return json_response(Page[AmendmentPublic](items=items, next_cursor=next_cursor).model_dump(mode="json"))


@router.get(
    "/orders/{order_id}/amendments/{number}",
    response_model=AmendmentPublic,
    responses=_NOT_MODIFIED,
    summary="Read an amendment",
    description="One amendment with its `ETag` (its version: 1 while proposed, 2 once decided); `If-None-Match` "
    f"answers 304 when unchanged. All roles. {_SEES}",
)
async def get_amendment(
    request: Request,
    order_id: OrderRef,
    number: Number,
    principal: Anyone,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    visible_id = await reads.order_id_visible(session, order_id, principal.supplier_scope)
    if visible_id is None:
        raise OrderNotFound(order_id)
    amendment = await reads.order_amendment(session, visible_id, number)
    if amendment is None:
        raise AmendmentNotFound(order_id, number)
    return json_with_etag(request, AmendmentPublic.of(visible_id, amendment), amendment.version)


@router.post(
    "/orders/{order_id}/amendments/{number}/accept",
    response_model=AmendmentPublic,
    responses={
        409: {
            "description": _DECIDED_409 + " Also: the order has left `contracted` ... `shipped` "
            "(`illegal-transition`), or it moved on since the proposal so that a change breaks a rule now "
            "(`urn:sdo:problem:amendment-no-longer-applies`, `errors` naming each rule): reject it, or have it "
            "withdrawn and proposed again."
        },
        412: {"description": "`If-Match` is not the amendment's current version."},
    },
    summary="Accept an amendment",
    description="The order's supplier agrees: the changes apply in one transaction (the order's new version, "
    "history and audit entries, and `kz.sdo.order.amended.v1` with the terms before and after). A new price is "
    "converted at the rates in force now and the order keeps that rate (`contract_price_kzt`, `rate_used`). A new "
    "quantity may complete the order's units: `in_production` with every unit already accepted goes to `accepted` "
    "(`shipped` when every unit is shipped, `delivered` when every unit is received); `accepted` or `shipped` with "
    "units added goes back to `in_production`; elsewhere the status stays. A default schedule follows the "
    "quantity and the deadline. Role: supplier, on its own order.",
)
async def accept(
    order_id: OrderRef,
    number: Number,
    principal: Annotated[Principal, may(AmendmentAction.ACCEPT)],
    cmd: CommandDep,
) -> Response:
    command = AcceptAmendment(
        order_ref=order_id,
        actor=principal,
        expected=cmd.expected,
        number=number,
        timezone=cmd.runtime.settings.timezone,
    )
    return await cmd.run(principal, lambda uow: handlers.accept_amendment(uow, command), present=_amendment(number))


@router.post(
    "/orders/{order_id}/amendments/{number}/reject",
    response_model=AmendmentPublic,
    responses={409: {"description": _DECIDED_409}, 412: {"description": "`If-Match` is not the amendment's version."}},
    summary="Reject an amendment",
    description="The order's supplier declines the proposal, with a `reason`; the contract stays as it is (the "
    "order gets a new version and a history entry). Role: supplier, on its own order.",
)
async def reject(
    order_id: OrderRef,
    number: Number,
    body: AmendmentRejection,
    principal: Annotated[Principal, may(AmendmentAction.REJECT)],
    cmd: CommandDep,
) -> Response:
    command = RejectAmendment(
        order_ref=order_id, actor=principal, expected=cmd.expected, number=number, reason=body.reason
    )
    return await cmd.run(principal, lambda uow: handlers.reject_amendment(uow, command), present=_amendment(number))


@router.post(
    "/orders/{order_id}/amendments/{number}/withdraw",
    response_model=AmendmentPublic,
    responses={409: {"description": _DECIDED_409}, 412: {"description": "`If-Match` is not the amendment's version."}},
    summary="Withdraw an amendment",
    description="The ministry takes a proposed amendment back before the supplier decides, optionally saying why; "
    "the contract stays as it is. Roles: mod_officer, integration.",
)
async def withdraw(
    order_id: OrderRef,
    number: Number,
    principal: Annotated[Principal, may(AmendmentAction.WITHDRAW)],
    cmd: CommandDep,
    body: AmendmentWithdrawal | None = None,
) -> Response:
    reason = None if body is None else body.reason
    command = WithdrawAmendment(
        order_ref=order_id, actor=principal, expected=cmd.expected, number=number, reason=reason
    )
    return await cmd.run(principal, lambda uow: handlers.withdraw_amendment(uow, command), present=_amendment(number))
