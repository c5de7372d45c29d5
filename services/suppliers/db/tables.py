"""Tables of the suppliers service, on a registry of its own.

Every row that changes carries an integer ``version`` for ETags. Times are stored in UTC. Exact
quantities are integers: money in tiyn (1/100 KZT), percentages in hundredths of a percent, so
sums stay exact on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field

from shared.db import service_model_base

SuppliersTable = service_model_base("suppliers")
metadata = SuppliersTable.metadata


def _utc_column(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class SupplierRow(SuppliersTable, table=True):
    """A registered supplier with its status and the scorecard counters kept from events."""

    __tablename__ = "suppliers"
    __table_args__ = (
        UniqueConstraint("country", "registration_number", name="uq_suppliers_country_registration"),
        Index("ix_suppliers_created", "created_at", "id"),
    )

    id: UUID = Field(primary_key=True)
    name: str = Field(max_length=300)
    country: str = Field(max_length=2, index=True)
    # Unique on its own: one BIN is one legal entity, whatever country it is registered under.
    bin: str | None = Field(default=None, max_length=12, unique=True)
    registration_number: str | None = Field(default=None, max_length=100)
    local_content_hundredths: int
    security_clearance: bool
    status: str = Field(max_length=20, index=True)
    status_reason: str | None = Field(default=None, max_length=1000)
    orders_awarded: int = 0
    lots_inspected: int = 0
    lots_accepted: int = 0
    deliveries: int = 0
    on_time_deliveries: int = 0
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    version: int = 1


class SupplierCategoryRow(SuppliersTable, table=True):
    """The order categories a supplier declared; a table so filters and counts stay in SQL."""

    __tablename__ = "supplier_categories"

    supplier_id: UUID = Field(primary_key=True, foreign_key="suppliers.id")
    category: str = Field(primary_key=True, max_length=40, index=True)


class LicenseRow(SuppliersTable, table=True):
    __tablename__ = "supplier_licenses"
    __table_args__ = (UniqueConstraint("supplier_id", "number", name="uq_supplier_licenses_number"),)

    id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(foreign_key="suppliers.id", index=True)
    category: str = Field(max_length=40)
    number: str = Field(max_length=100)
    valid_from: date
    valid_until: date
    created_at: datetime = _utc_column()
    version: int = 1


class CertificationRow(SuppliersTable, table=True):
    __tablename__ = "supplier_certifications"
    __table_args__ = (UniqueConstraint("supplier_id", "standard", "number", name="uq_supplier_certifications_number"),)

    id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(foreign_key="suppliers.id", index=True)
    standard: str = Field(max_length=100)
    number: str = Field(max_length=100)
    valid_until: date
    created_at: datetime = _utc_column()
    version: int = 1


class StatusChangeRow(SuppliersTable, table=True):
    """Every status change with its reason, creation included (``from_status`` null)."""

    __tablename__ = "supplier_status_changes"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: UUID = Field(foreign_key="suppliers.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    actor: str = Field(max_length=200)
    at: datetime = _utc_column()
    event_id: UUID


class AwardDecisionRow(SuppliersTable, table=True):
    """The answer given to one ``order.award_requested`` event."""

    __tablename__ = "supplier_award_decisions"

    id: UUID = Field(primary_key=True)
    request_event_id: UUID = Field(unique=True)
    order_id: UUID = Field(index=True)
    supplier_id: UUID = Field(index=True)
    category: str = Field(max_length=40)
    eligible: bool
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_at: datetime = _utc_column()
    event_id: UUID


class AwardRow(SuppliersTable, table=True):
    """A contracted order (from ``order.contracted``): scorecard input and diversification value.

    Keyed by order, so the same contract counts once whatever the event id. ``country`` is the
    supplier's country when the contract was made.
    """

    __tablename__ = "supplier_awards"
    __table_args__ = (Index("ix_supplier_awards_category_supplier", "category", "supplier_id"),)

    order_id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(index=True)
    category: str = Field(max_length=40)
    country: str = Field(max_length=2)
    value_tiyn: int = Field(sa_column=Column(BigInteger, nullable=False))
    contracted_at: datetime = _utc_column()


class CancelledOrderRow(SuppliersTable, table=True):
    """An order cancelled after (or before) its contract reached us: its value leaves diversification.

    Kept apart from ``AwardRow`` so a cancellation that arrives before the contract still counts.
    """

    __tablename__ = "supplier_cancelled_orders"

    order_id: UUID = Field(primary_key=True)
    cancelled_at: datetime = _utc_column()


class LotResultRow(SuppliersTable, table=True):
    """One inspected lot, keyed by inspection so a repeated verdict counts once.

    ``supplier_id`` stays null while the order's contract has not been seen; ``counted`` says
    whether the scorecard already holds the lot.
    """

    __tablename__ = "supplier_lot_results"

    inspection_id: UUID = Field(primary_key=True)
    order_id: UUID = Field(index=True)
    supplier_id: UUID | None = Field(default=None, index=True)
    accepted: bool
    counted: bool = False
    recorded_at: datetime = _utc_column()


class DeliveryRow(SuppliersTable, table=True):
    """One delivered order, keyed by order so a repeated delivery counts once."""

    __tablename__ = "supplier_deliveries"

    order_id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(index=True)
    on_time: bool
    recorded_at: datetime = _utc_column()
