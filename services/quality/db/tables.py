"""Tables of the quality service, on a registry of its own.

Rows carry the supplier id of their order so every read can be scoped to a supplier without a
join, and an integer ``version`` for ETags. Times are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field

from shared.db import service_model_base

if TYPE_CHECKING:  # the checker sees the class the kernel derives the base from
    from sqlmodel import SQLModel as QualityTable
else:
    QualityTable = service_model_base("quality")
metadata = QualityTable.metadata


# Every time is stored with its time zone (UTC): `Field(sa_type=UTC_TIME)`.
UTC_TIME = DateTime(timezone=True)


class AcceptancePlanRow(QualityTable, table=True):
    """One per order, made from the order's technical requirements when it was contracted."""

    __tablename__ = "quality_acceptance_plans"

    order_id: UUID = Field(primary_key=True)
    supplier_id: UUID = Field(index=True)
    category: str = Field(max_length=40)
    quantity: int
    # Kept as the table's own spelling ("1.0", "0.065") so it round-trips exactly.
    aql: str = Field(max_length=10)
    inspection_level: str = Field(max_length=3)
    requirements: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1
    # Contract facts kept for certificates and concessions (null on plans made before they were kept).
    order_number: str | None = Field(default=None, max_length=40)
    contract_price_kzt: str | None = Field(default=None, max_length=40)
    concessions_kzt: str = Field(default="0", max_length=40, sa_column_kwargs={"server_default": "0"})
    # ISO 2859-1 clause 9: the series' severity and status (columns to filter on), its full switching
    # state, every verdict and resumption, and a submission held while inspection is discontinued.
    status: str = Field(default="active", max_length=20, sa_column_kwargs={"server_default": "active"})
    severity: str = Field(default="normal", max_length=20, sa_column_kwargs={"server_default": "normal"})
    switching: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    history: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    original_lots: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pending_submission: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Contract section 8: the quantity and price above are those in force after the last amendment
    # applied (its number; 0: none); every amendment applied; the units accepted so far; and how
    # much of the concessions the last stated price already reflects (KZT, exact decimal string).
    amendment_number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    amendments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    accepted_quantity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    concessions_in_price_kzt: str = Field(default="0", max_length=40, sa_column_kwargs={"server_default": "0"})


class InspectionRow(QualityTable, table=True):
    """One inspection round of an order's lot; counters are kept as measurements arrive."""

    __tablename__ = "quality_inspections"
    __table_args__ = (
        UniqueConstraint("order_id", "round", name="uq_quality_inspections_order_round"),
        Index("ix_quality_inspections_opened", "opened_at", "id"),
    )

    id: UUID = Field(primary_key=True)
    order_id: UUID = Field(index=True)
    supplier_id: UUID = Field(index=True)
    round: int
    lot_size: int
    code_letter: str = Field(max_length=1)
    sample_size: int
    accept: int
    reject: int
    status: str = Field(max_length=20, index=True)
    closed_reason: str | None = Field(default=None, max_length=30)
    units_measured: int = 0
    defective_units: int = 0
    critical_failures: int = 0
    nonconformities: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certificate_id: UUID | None = None
    opened_at: datetime = Field(sa_type=UTC_TIME)
    closed_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1
    # The severity the lot was sized with; whether it is an original lot (counted by the switching
    # rules, numbered) or a resubmission after rework; who completed it.
    severity: str = Field(default="normal", max_length=20, sa_column_kwargs={"server_default": "normal"})
    original: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    lot_no: int | None = None
    inspected_by: str | None = Field(default=None, max_length=200)
    # The order's units still to accept when the lot was submitted (null on rounds opened before it was kept).
    units_remaining: int | None = None


class MeasurementRow(QualityTable, table=True):
    """The readings of one unit of the sample; a serial is measured once per inspection."""

    __tablename__ = "quality_measurements"
    __table_args__ = (UniqueConstraint("inspection_id", "unit_serial", name="uq_quality_measurements_serial"),)

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: UUID = Field(foreign_key="quality_inspections.id")
    unit_serial: str = Field(max_length=100)
    values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    failed_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    critical_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    measured_by: str = Field(max_length=200)
    measured_at: datetime = Field(sa_type=UTC_TIME)


class CertificateRow(QualityTable, table=True):
    """A certificate of conformity; ``sha256`` is fixed at issue over the canonical JSON body."""

    __tablename__ = "quality_certificates"

    id: UUID = Field(primary_key=True)
    number: str = Field(max_length=20, unique=True)
    order_id: UUID = Field(index=True)
    inspection_id: UUID = Field(unique=True)
    supplier_id: UUID = Field(index=True)
    issued_at: datetime = Field(sa_type=UTC_TIME)
    sha256: str = Field(max_length=64)
    version: int = 1
    # The conformity document the digest covers (null for certificates of the five signed fields).
    document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    concession: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class NonconformanceRow(QualityTable, table=True):
    """The report of a rejected lot and its disposition; one per rejected inspection."""

    __tablename__ = "quality_nonconformances"
    __table_args__ = (Index("ix_quality_nonconformances_opened", "opened_at", "id"),)

    id: UUID = Field(primary_key=True)
    order_id: UUID = Field(index=True)
    inspection_id: UUID = Field(unique=True)
    supplier_id: UUID = Field(index=True)
    round: int
    lot_size: int
    lot_no: int | None = None
    defects: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    defective_units: int
    critical_failures: int
    status: str = Field(max_length=20, index=True)
    disposition: str | None = Field(default=None, max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    # KZT, as an exact decimal string.
    price_reduction: str | None = Field(default=None, max_length=40)
    dispositioned_by: str | None = Field(default=None, max_length=200)
    dispositioned_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    certificate_id: UUID | None = None
    opened_at: datetime = Field(sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1


class CertificateSequenceRow(QualityTable, table=True):
    """The last certificate number issued in a year (``QC-<year>-<sequence>``)."""

    __tablename__ = "quality_certificate_sequences"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int
