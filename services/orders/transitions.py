"""Moving a stored order through the lifecycle table and leaving every trace of it.

One move = new status and version, a history row, a changes-feed row, an audit entry and the
status event(s) in the outbox, all in the caller's unit of work (so all or none of them commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders import clock
from services.orders.db.tables import Order, OrderChange, OrderHistory
from services.orders.domain.lifecycle import Action, OrderStatus, apply_action
from services.orders.events import announcements
from shared.uow import UnitOfWork

RESOURCE = "order"


def note_change(uow: UnitOfWork, order: Order, supplier_id: UUID | None = None) -> None:
    """Append the order's new version to the changes feed.

    The row is written at commit under the writer lock, so its ``seq`` follows commit order.
    Drafts stay off the feed: an order appears there from its publication on.
    """
    if order.status == OrderStatus.DRAFT:
        return
    row = {
        "order_id": order.id,
        "number": order.number,
        "status": order.status,
        "version": order.version,
        "supplier_id": supplier_id or order.supplier_id,
    }

    async def append(session: AsyncSession) -> None:
        await session.execute(insert(OrderChange.__table__).values(**row, at=clock.now()))

    uow.when_locked(append)


def announce(uow: UnitOfWork, order: Order, from_status: str | None, reason: str | None) -> UUID:
    """Queue the status event(s) and the history row; returns the id of the status event."""
    events = [
        uow.emit(event_type, order.id, payload) for event_type, payload in announcements(order, from_status, reason)
    ]
    uow.session.add(
        OrderHistory(
            order_id=order.id,
            from_status=from_status,
            to_status=order.status,
            at=order.updated_at,
            actor=uow.actor,
            reason=reason,
            event_id=events[0].id,
        )
    )
    return events[0].id


async def move(
    uow: UnitOfWork,
    order: Order,
    action: Action,
    roles: Iterable[str],
    *,
    reason: str | None = None,
    concerns: UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Apply ``action`` (409/403 from the table when it may not happen) and record it everywhere.

    ``concerns`` names the supplier the feed row is shown to when the order no longer has one
    (a declined award).
    """
    from_status = order.status
    order.status = apply_action(order.status, action, roles)
    order.version += 1
    order.updated_at = clock.now()
    event_id = announce(uow, order, from_status, reason)
    note_change(uow, order, concerns)
    uow.record(
        f"order.{action}",
        RESOURCE,
        order.id,
        {
            "number": order.number,
            "from": from_status,
            "to": order.status,
            "version": order.version,
            "reason": reason,
            "event_id": str(event_id),
            **(details or {}),
        },
    )
