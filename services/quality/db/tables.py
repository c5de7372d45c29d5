"""Tables of the quality service, on a registry of its own.

Rows carry the supplier id of their order so every read can be scoped to a supplier without a
join, and an integer ``version`` for ETags. Times are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field

from shared.db import service_model_base

QualityTable = service_model_base("quality")
metadata = QualityTable.metadata


def _utc_column(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


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
    cancelled_at: datetime | None = _utc_column(nullable=True)
    cancel_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()
    version: int = 1


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
    opened_at: datetime = _utc_column()
    closed_at: datetime | None = _utc_column(nullable=True)
    updated_at: datetime = _utc_column()
    version: int = 1


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
    measured_at: datetime = _utc_column()


class CertificateRow(QualityTable, table=True):
    """A certificate of conformity; ``sha256`` is fixed at issue over the canonical JSON body."""

    __tablename__ = "quality_certificates"

    id: UUID = Field(primary_key=True)
    number: str = Field(max_length=20, unique=True)
    order_id: UUID = Field(index=True)
    inspection_id: UUID = Field(unique=True)
    supplier_id: UUID = Field(index=True)
    issued_at: datetime = _utc_column()
    sha256: str = Field(max_length=64)
    version: int = 1


class CertificateSequenceRow(QualityTable, table=True):
    """The last certificate number issued in a year (``QC-<year>-<sequence>``)."""

    __tablename__ = "quality_certificate_sequences"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int
