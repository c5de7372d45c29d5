"""Tables of the orders service, on a registry of its own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Text
from sqlmodel import Field

from services.orders.db.types import DecimalText, Tiyn, UtcDateTime
from shared.db import service_model_base

OrdersTable = service_model_base("orders")
metadata = OrdersTable.metadata

_BigId = BigInteger().with_variant(Integer, "sqlite")


class Order(OrdersTable, table=True):
    """One state defense order: its specification, where it stands and what was agreed."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status", "status"),
        Index("ix_orders_category", "category"),
        Index("ix_orders_supplier", "supplier_id"),
        Index("ix_orders_updated_at", "updated_at"),
    )

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    number: str = Field(sa_type=String(20), unique=True)
    # The specification (frozen at publish).
    title: str = Field(sa_type=String(500))
    category: str = Field(sa_type=String(20))
    quantity: int
    unit: str = Field(sa_type=String(500))
    delivery_deadline: date
    delivery_location: str = Field(sa_type=String(500))
    price_ceiling_amount: Decimal = Field(sa_type=Tiyn)
    price_ceiling_currency: str = Field(sa_type=String(3))
    funding_source: str = Field(sa_type=String(20))
    min_local_content: Decimal = Field(sa_type=DecimalText)
    required_certifications: list[str] = Field(default_factory=list, sa_type=JSON)
    requires_security_clearance: bool = True
    aql: Decimal = Field(sa_type=DecimalText)
    # [{code, name, unit, min, max, critical}], bounds as decimal strings so they stay exact.
    technical_requirements: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # Where it stands.
    status: str = Field(sa_type=String(20))
    version: int = 1
    # The award and what followed.
    supplier_id: UUID | None = None
    contract_price_amount: Decimal | None = Field(default=None, sa_type=Tiyn)
    contract_price_currency: str | None = Field(default=None, sa_type=String(3))
    contract_price_kzt: Decimal | None = Field(default=None, sa_type=Tiyn)
    supplier_country: str | None = Field(default=None, sa_type=String(2))
    local_content_share: Decimal | None = Field(default=None, sa_type=DecimalText)
    award_decline_reason: str | None = Field(default=None, sa_type=Text)
    inspection_rounds: int = 0
    lot_size: int | None = None
    last_inspection_id: UUID | None = None
    waybill: str | None = Field(default=None, sa_type=String(500))
    received_quantity: int | None = None
    delivered_on: date | None = None
    on_time: bool | None = None
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    created_by: str = Field(sa_type=String(200))
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class OrderHistory(OrdersTable, table=True):
    """One row per status change: from, to, when, who, why, and the event that announced it."""

    __tablename__ = "order_history"
    __table_args__ = (Index("ix_order_history_order", "order_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(_BigId, primary_key=True, autoincrement=True))
    order_id: UUID
    from_status: str | None = Field(default=None, sa_type=String(20))
    to_status: str = Field(sa_type=String(20))
    at: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(sa_type=String(200))
    reason: str | None = Field(default=None, sa_type=Text)
    event_id: UUID | None = None


class OrderChange(OrdersTable, table=True):
    """The pollers' feed: one row per new version of an order.

    ``seq`` is taken at commit under the writer lock, so seq order is commit order and a reader
    that keeps the last seq it saw never skips a row committed late.
    """

    __tablename__ = "order_changes"
    __table_args__ = (Index("ix_order_changes_supplier", "supplier_id", "seq"),)

    seq: int | None = Field(default=None, sa_column=Column(_BigId, primary_key=True, autoincrement=True))
    order_id: UUID
    number: str = Field(sa_type=String(20))
    status: str = Field(sa_type=String(20))
    version: int
    at: datetime = Field(sa_type=UtcDateTime)
    # The supplier the change concerns (also the one a declined award is reported to).
    supplier_id: UUID | None = None


class OrderNumberSequence(OrdersTable, table=True):
    """Last order number used per year; bumped in the creating transaction, so numbers have no gaps."""

    __tablename__ = "order_number_sequences"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_value: int = 0


class ExchangeRate(OrdersTable, table=True):
    """A rate set through the API (KZT per unit); currencies without a row use the defaults."""

    __tablename__ = "exchange_rates"

    currency: str = Field(sa_type=String(3), primary_key=True)
    kzt_per_unit: Decimal = Field(sa_type=DecimalText)
    version: int = 1
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str = Field(sa_type=String(200))
