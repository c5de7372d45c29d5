"""The write side on SQL: orders and exchange rates loaded as domain objects, and saved back.

``order_from_row`` is the one mapping of a stored order (ORM object or Core row) to the aggregate;
the read side (``reads.py``) uses it too. ``save`` copies the aggregate back onto the tracked row
and writes down its pending transitions: a history row each, and a changes-feed row from the
order's publication on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.db.tables import ExchangeRate as RateRow
from services.orders.db.tables import ExchangeRateHistory as RateHistoryRow
from services.orders.db.tables import FundProject as FundProjectRow
from services.orders.db.tables import Order as OrderRow
from services.orders.db.tables import (
    OrderAmendment,
    OrderChange,
    OrderHistory,
    OrderNumberSequence,
    OrderShipment,
    metadata,
)
from services.orders.domain.amendment import Amendment, AmendmentStatus, Changes
from services.orders.domain.delivery import ScheduledLot, Shipment
from services.orders.domain.funding import FundProject, FundProjectStatus
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.numbering import format_order_number, is_order_number
from services.orders.domain.order import Order, Transition
from services.orders.domain.pricing import CurrencyRates, RateEntry, merge_rates
from services.orders.domain.specification import Category, FundingSource, Specification
from shared import clock
from shared.requirements import TechnicalRequirement
from shared.uow import UnitOfWork


def order_key(ref: str | UUID) -> ColumnElement[bool] | None:
    """The WHERE clause for an order named by its id or its number, or None when ``ref`` is neither."""
    if isinstance(ref, UUID):
        return OrderRow.id == ref  # type: ignore[return-value]
    if is_order_number(ref):
        return OrderRow.number == ref  # type: ignore[return-value]
    try:
        return OrderRow.id == UUID(ref)  # type: ignore[return-value]
    except ValueError:
        return None


def order_from_row(row: Any, shipments: Iterable[Any] = (), amendments: Iterable[Any] = ()) -> Order:
    """The aggregate of a stored order: an ORM object or a Core row with the table's columns.

    ``shipments`` and ``amendments``: the order's rows of each (ORM objects or Core rows), in any order.
    """
    spec = Specification(
        title=row.title,
        category=Category(row.category),
        quantity=row.quantity,
        unit=row.unit,
        delivery_deadline=row.delivery_deadline,
        delivery_location=row.delivery_location,
        price_ceiling=Money(row.price_ceiling_amount, row.price_ceiling_currency),
        funding_source=FundingSource(row.funding_source),
        min_local_content=row.min_local_content,
        required_certifications=tuple(row.required_certifications),
        requires_security_clearance=row.requires_security_clearance,
        aql=row.aql,
        technical_requirements=tuple(_requirement(r) for r in row.technical_requirements),
        delivery_schedule=None if row.delivery_schedule is None else tuple(_lot(lot) for lot in row.delivery_schedule),
        fund_project_id=row.fund_project_id,
    )
    contract_price = None
    if row.contract_price_amount is not None:
        contract_price = Money(row.contract_price_amount, row.contract_price_currency)
    return Order(
        **{name: getattr(row, name) for name in _STORED_AS_IS},
        spec=spec,
        status=OrderStatus(row.status),
        contract_price=contract_price,
        shipments=sorted((shipment_from_row(r) for r in shipments), key=lambda s: s.shipment_no),
        amendments=sorted((amendment_from_row(r) for r in amendments), key=lambda a: a.number),
    )


def shipment_from_row(row: Any) -> Shipment:
    return Shipment(**{name: getattr(row, name) for name in _SHIPMENT_COLUMNS})


def amendment_from_row(row: Any) -> Amendment:
    return Amendment(
        **{name: getattr(row, name) for name in _AMENDMENT_COLUMNS},
        changes=Changes.from_dict(row.changes),
        status=AmendmentStatus(row.status),
    )


def _amendment_columns(amendment: Amendment) -> dict[str, Any]:
    return {
        **{name: getattr(amendment, name) for name in _AMENDMENT_COLUMNS},
        "changes": amendment.changes.as_dict(),
        "status": amendment.status.value,
    }


_AMENDMENT_COLUMNS = (
    "number",
    "reason",
    "proposed_by",
    "proposed_at",
    "version",
    "decided_by",
    "decided_at",
    "decision_reason",
    "before",
    "after",
    "contract_price_kzt",
    "rate_used",
)


_SHIPMENT_COLUMNS = (
    "shipment_no",
    "quantity",
    "waybill",
    "shipped_at",
    "received_quantity",
    "received_at",
    "received_on",
    "receipt_no",
    "on_time",
)


def _lot(stored: Mapping[str, Any]) -> ScheduledLot:
    return ScheduledLot(int(stored["quantity"]), date.fromisoformat(stored["due_date"]))


_STORED_AS_IS = (
    "id",
    "number",
    "version",
    "created_by",
    "created_at",
    "updated_at",
    "supplier_id",
    "contract_price_kzt",
    "rate_used",
    "supplier_country",
    "local_content_share",
    "award_decline_reason",
    "inspection_rounds",
    "lot_size",
    "last_inspection_id",
    "waybill",
    "received_quantity",
    "delivered_on",
    "on_time",
    "cancel_reason",
    "accepted_quantity",
    "inspection_discontinued",
)


def _requirement(stored: Mapping[str, Any]) -> TechnicalRequirement:
    bounds = {key: None if stored.get(key) is None else Decimal(str(stored[key])) for key in ("min", "max")}
    return TechnicalRequirement(stored["code"], stored["name"], stored["unit"], critical=stored["critical"], **bounds)


def _exact(bound: Decimal | None) -> str | None:
    return None if bound is None else str(bound)


def _columns(order: Order) -> dict[str, Any]:
    """The table's columns for the aggregate."""
    spec, price = order.spec, order.contract_price
    return {
        **{name: getattr(order, name) for name in _STORED_AS_IS},
        "title": spec.title,
        "category": spec.category.value,
        "quantity": spec.quantity,
        "unit": spec.unit,
        "delivery_deadline": spec.delivery_deadline,
        "delivery_location": spec.delivery_location,
        "price_ceiling_amount": spec.price_ceiling.amount,
        "price_ceiling_currency": spec.price_ceiling.currency,
        "funding_source": spec.funding_source.value,
        "min_local_content": spec.min_local_content,
        "required_certifications": list(spec.required_certifications),
        "requires_security_clearance": spec.requires_security_clearance,
        "aql": spec.aql,
        # Bounds as decimal strings, so they stay exact in JSON.
        "technical_requirements": [
            {**r.as_dict(), "min": _exact(r.min), "max": _exact(r.max)} for r in spec.technical_requirements
        ],
        "delivery_schedule": None
        if spec.delivery_schedule is None
        else [lot.as_dict() for lot in spec.delivery_schedule],
        "fund_project_id": spec.fund_project_id,
        "status": order.status.value,
        "contract_price_amount": None if price is None else price.amount,
        "contract_price_currency": None if price is None else price.currency,
    }


class SqlOrderRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session: AsyncSession = uow.session
        self._rows: dict[UUID, OrderRow] = {}
        self._shipments: dict[tuple[UUID, int], OrderShipment] = {}
        self._amendments: dict[tuple[UUID, int], OrderAmendment] = {}

    async def get_for_change(self, ref: str | UUID, supplier_scope: UUID | None = None) -> Order | None:
        """The order, row-locked until commit (PostgreSQL), as the caller may see it.

        The lock serializes commands and event handlers on one order, so each sees the
        other's result instead of both moving the same status.
        """
        key = order_key(ref)
        if key is None:
            return None
        query = select(OrderRow).where(key).with_for_update()
        if supplier_scope is not None:
            query = query.where(OrderRow.supplier_id == supplier_scope)  # type: ignore[arg-type]
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        self._rows[row.id] = row
        of_order = select(OrderShipment).where(OrderShipment.order_id == row.id)  # type: ignore[arg-type]
        shipments = (await self.session.execute(of_order)).scalars().all()
        self._shipments.update({(row.id, s.shipment_no): s for s in shipments})
        amended = select(OrderAmendment).where(OrderAmendment.order_id == row.id)  # type: ignore[arg-type]
        amendments = (await self.session.execute(amended)).scalars().all()
        self._amendments.update({(row.id, a.number): a for a in amendments})
        return order_from_row(row, shipments, amendments)

    async def next_number(self, year: int) -> str:
        """The next number of ``year``, counted in this transaction: a rollback gives it back.

        The upsert locks the year's row until commit, so concurrent creators take turns
        and no number is skipped or used twice.
        """
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        upsert = pg_insert if dialect == "postgresql" else sqlite_insert
        table = metadata.tables[OrderNumberSequence.__tablename__]
        stmt = (
            upsert(table)
            .values(year=year, last_value=1)
            .on_conflict_do_update(index_elements=["year"], set_={"last_value": table.c.last_value + 1})
            .returning(table.c.last_value)
        )
        sequence = (await self.session.execute(stmt)).scalar_one()
        return format_order_number(year, sequence)

    async def save(self, order: Order) -> None:
        columns = _columns(order)
        row = self._rows.get(order.id)
        if row is None:
            row = self._rows[order.id] = OrderRow(**columns)
            self.session.add(row)
        else:
            for name, value in columns.items():
                setattr(row, name, value)
        for shipment in order.shipments:
            values = {name: getattr(shipment, name) for name in _SHIPMENT_COLUMNS}
            stored = self._shipments.get((order.id, shipment.shipment_no))
            if stored is None:
                stored = self._shipments[order.id, shipment.shipment_no] = OrderShipment(order_id=order.id, **values)
                self.session.add(stored)
            else:
                for name, value in values.items():
                    setattr(stored, name, value)
        for amendment in order.amendments:
            if not amendment.dirty:
                continue
            columns = _amendment_columns(amendment)
            known = self._amendments.get((order.id, amendment.number))
            if known is None:
                known = self._amendments[order.id, amendment.number] = OrderAmendment(order_id=order.id, **columns)
                self.session.add(known)
            else:
                for name, value in columns.items():
                    setattr(known, name, value)
            amendment.dirty = False
        for move in order.pending:
            self._write_down(order, move)
        order.pending.clear()

    def _write_down(self, order: Order, move: Transition) -> None:
        self.session.add(
            OrderHistory(
                order_id=order.id,
                from_status=move.from_status,
                to_status=move.to_status,
                at=move.at,
                actor=self.uow.actor,
                reason=move.reason,
                event_id=move.event_id,
            )
        )
        # Drafts stay off the feed: an order appears there from its publication on.
        if move.to_status == OrderStatus.DRAFT:
            return
        feed_row = {
            "order_id": order.id,
            "number": order.number,
            "status": move.to_status.value,
            "version": move.version,
            "supplier_id": move.concerns or order.supplier_id,
        }

        async def append(session: AsyncSession) -> None:
            # Written at commit under the writer lock, so the row's `seq` follows commit order.
            await session.execute(insert(metadata.tables[OrderChange.__tablename__]).values(**feed_row, at=clock.now()))

        self.uow.when_locked(append)


class SqlRateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[str, RateRow] = {}

    async def in_force(self, at: datetime | None = None) -> dict[str, Decimal]:
        """The latest rate of each currency to take effect by ``at`` (of two at once, the later set)."""
        moment = clock.now() if at is None else at
        table = metadata.tables[RateHistoryRow.__tablename__]
        query = (
            select(table.c.currency, table.c.kzt_per_unit)
            .where(table.c.effective_from <= moment)
            .order_by(table.c.currency, table.c.effective_from, table.c.version)
        )
        overrides = {row.currency: row.kzt_per_unit for row in (await self.session.execute(query)).all()}
        return merge_rates(overrides)

    async def get_for_change(self, currency: str) -> CurrencyRates | None:
        query = select(RateRow).where(RateRow.currency == currency).with_for_update()  # type: ignore[arg-type]
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        self._rows[currency] = row
        history = metadata.tables[RateHistoryRow.__tablename__]
        entries = (
            await self.session.execute(
                select(history).where(history.c.currency == currency).order_by(history.c.version)
            )
        ).all()
        return CurrencyRates(currency, [rate_entry(e) for e in entries], row.version, row.updated_at, row.updated_by)

    async def save(self, rates: CurrencyRates) -> None:
        assert rates.updated_at is not None and rates.updated_by is not None, "a saved currency has a rate set"
        last = rates.entries[-1]
        columns: dict[str, Any] = {
            "kzt_per_unit": last.kzt_per_unit,
            "version": rates.version,
            "updated_at": rates.updated_at,
            "updated_by": rates.updated_by,
        }
        row = self._rows.get(rates.currency)
        if row is None:
            row = self._rows[rates.currency] = RateRow(currency=rates.currency, **columns)
            self.session.add(row)
        else:
            for name, value in columns.items():
                setattr(row, name, value)
        for entry in rates.pending:
            self.session.add(
                RateHistoryRow(
                    currency=rates.currency,
                    version=entry.version,
                    kzt_per_unit=entry.kzt_per_unit,
                    effective_from=entry.effective_from,
                    set_at=entry.set_at,
                    set_by=entry.set_by,
                )
            )
        rates.pending.clear()


def rate_entry(row: Any) -> RateEntry:
    return RateEntry(row.kzt_per_unit, row.effective_from, row.version, row.set_at, row.set_by)


class SqlFundProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, FundProjectRow] = {}

    async def get(self, project_id: UUID) -> FundProject | None:
        row = await self.session.get(FundProjectRow, project_id)
        return None if row is None else _project(row)

    async def get_for_change(self, project_id: UUID) -> FundProject | None:
        query = select(FundProjectRow).where(FundProjectRow.id == project_id).with_for_update()  # type: ignore[arg-type]
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        self._rows[project_id] = row
        return _project(row)

    async def save(self, project: FundProject) -> None:
        columns: dict[str, Any] = {
            "status": project.status.value,
            "enterprise_id": project.enterprise_id,
            "category": project.category,
            "budget_kzt": project.budget_kzt,
            "noted_at": project.noted_at,
        }
        row = self._rows.get(project.id)
        if row is None:
            row = self._rows[project.id] = FundProjectRow(id=project.id, **columns)
            self.session.add(row)
        else:
            for name, value in columns.items():
                setattr(row, name, value)


def _project(row: FundProjectRow) -> FundProject:
    return FundProject(
        row.id, FundProjectStatus(row.status), row.enterprise_id, row.category, row.budget_kzt, row.noted_at
    )
