"""Queries of the read side: Core selects of the columns each answer needs, no ORM objects.

Every read takes the caller's supplier scope: a supplier sees only rows that name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.orders.db.repository import order_key
from services.orders.db.tables import ExchangeRate, Order, OrderChange, OrderHistory
from services.orders.domain.kpi import COUNTED_STATUSES, KPI_CATEGORIES, ContractedOrder
from shared.db import Database

orders = Order.__table__
history = OrderHistory.__table__
changes = OrderChange.__table__
rates = ExchangeRate.__table__

Executor = AsyncConnection | AsyncSession


def poll_engine(db: Database) -> AsyncEngine:
    """The engine for the pollers' one-statement reads (no transaction around the SELECT)."""
    return db.single_statement_engine


def _scoped(query, supplier_scope: UUID | None, table=orders):  # type: ignore[no-untyped-def]
    return query if supplier_scope is None else query.where(table.c.supplier_id == supplier_scope)


async def order_status(conn: Executor, ref: str, supplier_scope: UUID | None) -> Row | None:
    """The poller's five columns, by primary key (or the unique number)."""
    key = order_key(ref)
    if key is None:
        return None
    query = select(orders.c.id, orders.c.number, orders.c.status, orders.c.version, orders.c.updated_at).where(key)
    return (await conn.execute(_scoped(query, supplier_scope))).first()


async def order_row(conn: Executor, ref: str, supplier_scope: UUID | None) -> Row | None:
    key = order_key(ref)
    if key is None:
        return None
    return (await conn.execute(_scoped(select(orders).where(key), supplier_scope))).first()


async def order_id_visible(conn: Executor, ref: str, supplier_scope: UUID | None) -> UUID | None:
    key = order_key(ref)
    if key is None:
        return None
    return (await conn.execute(_scoped(select(orders.c.id).where(key), supplier_scope))).scalar_one_or_none()


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    category: str | None = None
    supplier_id: UUID | None = None
    updated_since: datetime | None = None


async def list_orders(
    conn: Executor, where: OrderFilter, supplier_scope: UUID | None, limit: int, before_number: str | None
) -> Sequence[Row]:
    """Newest first (numbers grow with creation), keyset-paged on the unique number."""
    query = _scoped(select(orders), supplier_scope).order_by(orders.c.number.desc()).limit(limit + 1)
    if where.status:
        query = query.where(orders.c.status == where.status)
    if where.category:
        query = query.where(orders.c.category == where.category)
    if where.supplier_id:
        query = query.where(orders.c.supplier_id == where.supplier_id)
    if where.updated_since:
        query = query.where(orders.c.updated_at >= where.updated_since)
    if before_number:
        query = query.where(orders.c.number < before_number)
    return (await conn.execute(query)).all()


async def order_history(conn: Executor, order_id: UUID, limit: int, after_id: int | None) -> Sequence[Row]:
    query = select(history).where(history.c.order_id == order_id).order_by(history.c.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(history.c.id > after_id)
    return (await conn.execute(query)).all()


async def changes_after(conn: Executor, after: int, limit: int, supplier_scope: UUID | None) -> Sequence[Row]:
    """Feed rows with seq > after, oldest first. Seqs are taken in commit order, so none appears later below."""
    query = select(
        changes.c.seq, changes.c.order_id, changes.c.number, changes.c.status, changes.c.version, changes.c.at
    ).where(changes.c.seq > after)
    query = _scoped(query, supplier_scope, changes).order_by(changes.c.seq).limit(limit)
    return (await conn.execute(query)).all()


async def contracted_totals(conn: Executor) -> list[ContractedOrder]:
    """Contracted value in KZT per KPI category and supplier country, summed in the database."""
    query = (
        select(orders.c.category, orders.c.supplier_country, func.sum(orders.c.contract_price_kzt).label("total"))
        .where(orders.c.status.in_([str(s) for s in COUNTED_STATUSES]))
        .where(orders.c.category.in_([str(c) for c in KPI_CATEGORIES]))
        .group_by(orders.c.category, orders.c.supplier_country)
    )
    rows = (await conn.execute(query)).all()
    return [ContractedOrder(r.category, r.total, r.supplier_country or "") for r in rows if r.total is not None]


async def stored_rates(conn: Executor) -> Sequence[Row]:
    return (await conn.execute(select(rates).order_by(rates.c.currency))).all()
