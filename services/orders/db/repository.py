"""Loading and numbering orders inside a unit of work (the write side)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.db.tables import ExchangeRate, Order, OrderNumberSequence
from services.orders.domain.numbering import format_order_number, is_order_number
from services.orders.domain.pricing import merge_rates
from shared.http.problems import NotFound


def order_key(ref: str | UUID) -> ColumnElement[bool] | None:
    """The WHERE clause for an order named by its id or its number, or None when ``ref`` is neither."""
    if isinstance(ref, UUID):
        return Order.id == ref  # type: ignore[return-value]
    if is_order_number(ref):
        return Order.number == ref  # type: ignore[return-value]
    try:
        return Order.id == UUID(ref)  # type: ignore[return-value]
    except ValueError:
        return None


def not_found(ref: str | UUID) -> NotFound:
    return NotFound(f"Order {ref} does not exist or is not visible to you.")


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(order)

    async def get_for_update(self, ref: str | UUID, supplier_scope: UUID | None = None) -> Order:
        """The order, row-locked until commit (PostgreSQL), as the caller may see it; else 404.

        The lock serializes commands and event handlers on one order, so each sees the
        other's result instead of both moving the same status.
        """
        key = order_key(ref)
        if key is None:
            raise not_found(ref)
        query = select(Order).where(key).with_for_update()
        if supplier_scope is not None:
            query = query.where(Order.supplier_id == supplier_scope)
        order = (await self.session.execute(query)).scalar_one_or_none()
        if order is None:
            raise not_found(ref)
        return order

    async def find_for_update(self, order_id: UUID) -> Order | None:
        """For event handlers: an order another service names may not (or no longer) exist here."""
        query = select(Order).where(Order.id == order_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def next_number(self, year: int) -> str:
        """The next number of ``year``, counted in this transaction: a rollback gives it back.

        The upsert locks the year's row until commit, so concurrent creators take turns
        and no number is skipped or used twice.
        """
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = OrderNumberSequence.__table__
        stmt = (
            insert(table)
            .values(year=year, last_value=1)
            .on_conflict_do_update(index_elements=["year"], set_={"last_value": table.c.last_value + 1})
            .returning(table.c.last_value)
        )
        sequence = (await self.session.execute(stmt)).scalar_one()
        return format_order_number(year, sequence)

    async def rates(self) -> dict[str, Decimal]:
        """KZT per unit: the defaults with every rate set through the API on top."""
        rows = (await self.session.execute(select(ExchangeRate.currency, ExchangeRate.kzt_per_unit))).all()
        return merge_rates({row.currency: row.kzt_per_unit for row in rows})

    async def rate_for_update(self, currency: str) -> ExchangeRate | None:
        query = select(ExchangeRate).where(ExchangeRate.currency == currency).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()
