"""Tables of the orders service, on a registry of its own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Text, false
from sqlmodel import Field

from services.orders.db.types import DecimalText, Tiyn, UtcDateTime
from shared.db import service_model_base

if TYPE_CHECKING:  # the checker sees the class the kernel derives the base from
    from sqlmodel import SQLModel as OrdersTable
else:
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
    # KZT per unit of the contract price's currency at the award or the amendment that set the price.
    rate_used: Decimal | None = Field(default=None, sa_type=DecimalText)
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
    # Deliveries in lots: [{quantity, due_date}], null for the default (every unit due on the deadline).
    delivery_schedule: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    accepted_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    inspection_discontinued: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The Development Fund's project backing the order (funding_source development_fund).
    fund_project_id: UUID | None = None
    created_by: str = Field(sa_type=String(200))
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class OrderShipment(OrdersTable, table=True):
    """Units sent with one waybill, and their receipt (fewer received: the rest went back to production)."""

    __tablename__ = "order_shipments"

    order_id: UUID = Field(primary_key=True)
    shipment_no: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    quantity: int
    waybill: str = Field(sa_type=String(500))
    shipped_at: datetime = Field(sa_type=UtcDateTime)
    received_quantity: int | None = None
    received_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The receipt's date on the ministry's calendar (SDO_TIMEZONE), and the order receipts came in.
    received_on: date | None = None
    receipt_no: int | None = None
    on_time: bool | None = None


class OrderAmendment(OrdersTable, table=True):
    """A proposed change of the contract and its decision (contract section 8)."""

    __tablename__ = "order_amendments"

    order_id: UUID = Field(primary_key=True)
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    status: str = Field(sa_type=String(20))
    version: int = 1
    # {quantity?, delivery_deadline?, delivery_schedule?, contract_price?} as proposed (JSON values).
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reason: str = Field(sa_type=Text)
    proposed_by: str = Field(sa_type=String(200))
    proposed_at: datetime = Field(sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, sa_type=String(200))
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_reason: str | None = Field(default=None, sa_type=Text)
    # On acceptance: the changed terms before and after, the price in KZT and the rate it was converted at.
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    contract_price_kzt: Decimal | None = Field(default=None, sa_type=Tiyn)
    rate_used: Decimal | None = Field(default=None, sa_type=DecimalText)


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
    """A currency whose rate was set through the API: its version and the last setting.

    ``kzt_per_unit`` is the last rate set, which may take effect later; what is in force when is
    ``exchange_rate_history``. Currencies without a row use the defaults.
    """

    __tablename__ = "exchange_rates"

    currency: str = Field(sa_type=String(3), primary_key=True)
    kzt_per_unit: Decimal = Field(sa_type=DecimalText)
    version: int = 1
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str = Field(sa_type=String(200))


class ExchangeRateHistory(OrdersTable, table=True):
    """Every rate set through the API: KZT per unit from ``effective_from`` on (contract section 8)."""

    __tablename__ = "exchange_rate_history"
    __table_args__ = (Index("ix_exchange_rate_history_currency", "currency", "effective_from"),)

    currency: str = Field(sa_type=String(3), primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kzt_per_unit: Decimal = Field(sa_type=DecimalText)
    effective_from: datetime = Field(sa_type=UtcDateTime)
    set_at: datetime = Field(sa_type=UtcDateTime)
    set_by: str = Field(sa_type=String(200))


class FundProject(OrdersTable, table=True):
    """A Development Fund project as the fund's events announced it (approved, then closed for good)."""

    __tablename__ = "fund_projects"

    id: UUID = Field(primary_key=True)
    status: str = Field(sa_type=String(20))
    enterprise_id: UUID
    category: str = Field(sa_type=String(20))
    budget_kzt: Decimal = Field(sa_type=Tiyn)
    noted_at: datetime = Field(sa_type=UtcDateTime)
