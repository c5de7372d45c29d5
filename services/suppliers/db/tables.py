"""Tables of the suppliers service, on a registry of its own.

Every row that changes carries an integer ``version`` for ETags. Times are stored in UTC. Exact
quantities are integers: money in tiyn (1/100 KZT), percentages in hundredths of a percent, so
sums stay exact on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field

from shared.db import service_model_base

if TYPE_CHECKING:  # a class made at run time is no base class to a type checker
    from sqlmodel import SQLModel as SuppliersTable
else:
    SuppliersTable = service_model_base("suppliers")
metadata = SuppliersTable.metadata

# Every time is stored with its time zone (UTC): `Field(sa_type=UTC_TIME)`.
UTC_TIME = DateTime(timezone=True)


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
    # While suspended with an end: the day the suspension lapses (ministry calendar).
    suspended_until: date | None = Field(default=None, index=True)
    # [{name, role, email, phone}], at most ten (domain.contacts).
    contacts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    orders_awarded: int = 0
    lots_inspected: int = 0
    lots_accepted: int = 0
    deliveries: int = 0
    on_time_deliveries: int = 0
    short_deliveries: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    concessions: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    discontinuations: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
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
    created_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1
    revoked_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    revocation_reason: str | None = Field(default=None, max_length=1000)


class CertificationRow(SuppliersTable, table=True):
    __tablename__ = "supplier_certifications"
    __table_args__ = (UniqueConstraint("supplier_id", "standard", "number", name="uq_supplier_certifications_number"),)

    id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(foreign_key="suppliers.id", index=True)
    standard: str = Field(max_length=100)
    number: str = Field(max_length=100)
    valid_until: date
    created_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1
    revoked_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    revocation_reason: str | None = Field(default=None, max_length=1000)


class StatusChangeRow(SuppliersTable, table=True):
    """The supplier's history: every change of the record, oldest first by ``id``.

    ``kind`` is ``registered`` (``from_status`` null) or ``status_changed`` (with the event that
    announced it), or a change of the record besides its status (``updated`` with ``changes``,
    ``license_added``... with ``item``), where ``from_status`` and ``to_status`` are both the status
    it had.
    """

    __tablename__ = "supplier_status_changes"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: UUID = Field(foreign_key="suppliers.id", index=True)
    kind: str = Field(default="status_changed", max_length=30, sa_column_kwargs={"server_default": "status_changed"})
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    item: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    actor: str = Field(max_length=200)
    at: datetime = Field(sa_type=UTC_TIME)
    event_id: UUID | None = None


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
    decided_at: datetime = Field(sa_type=UTC_TIME)
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
    # The amendment whose price ``value_tiyn`` holds (0: the award's); an older one never replaces it.
    price_amendment: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    contracted_at: datetime = Field(sa_type=UTC_TIME)


class CancelledOrderRow(SuppliersTable, table=True):
    """An order cancelled after (or before) its contract reached us: its value leaves diversification.

    Kept apart from ``AwardRow`` so a cancellation that arrives before the contract still counts.
    """

    __tablename__ = "supplier_cancelled_orders"

    order_id: UUID = Field(primary_key=True)
    cancelled_at: datetime = Field(sa_type=UTC_TIME)


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
    recorded_at: datetime = Field(sa_type=UTC_TIME)


class DeliveryRow(SuppliersTable, table=True):
    """One delivered order, keyed by order so a repeated delivery counts once.

    ``lots`` and ``lots_on_time`` are what the scorecard counted; null on rows kept before lots were
    counted (one lot, on time when the order was).
    """

    __tablename__ = "supplier_deliveries"

    order_id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(index=True)
    on_time: bool
    lots: int | None = None
    lots_on_time: int | None = None
    recorded_at: datetime = Field(sa_type=UTC_TIME)


class ShortDeliveryRow(SuppliersTable, table=True):
    """One shipment received short, keyed by order and shipment so it counts once."""

    __tablename__ = "supplier_short_deliveries"

    order_id: UUID = Field(primary_key=True)
    shipment_no: int = Field(primary_key=True)
    supplier_id: UUID = Field(index=True)
    shipped: int
    received: int
    recorded_at: datetime = Field(sa_type=UTC_TIME)


class DispositionRow(SuppliersTable, table=True):
    """How one nonconformance report was settled, keyed by report. ``counted``: false only for a
    concession waiting for its order's contract to learn the supplier."""

    __tablename__ = "supplier_dispositions"

    nonconformance_id: UUID = Field(primary_key=True)
    order_id: UUID = Field(index=True)
    inspection_id: UUID
    supplier_id: UUID | None = Field(default=None, index=True)
    disposition: str = Field(max_length=20)
    price_reduction_tiyn: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    counted: bool = True
    recorded_at: datetime = Field(sa_type=UTC_TIME)


class DiscontinuationRow(SuppliersTable, table=True):
    """One discontinuation of an order's inspections, open (``resumed_at`` null) until they are resumed;
    told again while open, it is the same one. ``counted``: false while waiting for the contract."""

    __tablename__ = "supplier_discontinuations"

    id: int | None = Field(default=None, primary_key=True)
    order_id: UUID = Field(index=True)
    supplier_id: UUID | None = Field(default=None, index=True)
    lots_not_accepted: int
    counted: bool = False
    discontinued_at: datetime = Field(sa_type=UTC_TIME)
    resumed_at: datetime | None = Field(default=None, sa_type=UTC_TIME)


class ContractAmendmentRow(SuppliersTable, table=True):
    """An accepted amendment of a contract, keyed by order and number; the price in force after it."""

    __tablename__ = "supplier_contract_amendments"

    order_id: UUID = Field(primary_key=True)
    amendment_number: int = Field(primary_key=True)
    contract_price_tiyn: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    recorded_at: datetime = Field(sa_type=UTC_TIME)
