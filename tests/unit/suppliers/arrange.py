"""Arranging the suppliers' handler tests: a fixed clock, an officer, suppliers already in the register."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from services.suppliers.domain.status import SupplierStatus
from services.suppliers.domain.supplier import Supplier
from shared.principal import Principal, Role
from tests.unit.suppliers.fakes import FakeSuppliersUnitOfWork

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TODAY = NOW.date()
OFFICER = Principal(sub="mic-officer", roles=frozenset({Role.MIC_OFFICER}))


def a_supplier(
    uow: FakeSuppliersUnitOfWork, status: SupplierStatus = SupplierStatus.PENDING, **fields: Any
) -> Supplier:
    """Arrange: a supplier in the register, in ``status``."""
    supplier = Supplier.register(
        uuid4(),
        name="KazEng",
        country=fields.pop("country", "KZ"),
        bin=None,
        registration_number=f"R-{uuid4().hex[:8]}",
        categories=["repair"],
        local_content_share=fields.pop("local_content_share", Decimal(60)),
        security_clearance=fields.pop("security_clearance", True),
        at=NOW - timedelta(days=10),
    )
    supplier.changes.clear()
    supplier.status = status
    for name, value in fields.items():
        setattr(supplier, name, value)
    return uow.suppliers.put(supplier)


def licensed(uow: FakeSuppliersUnitOfWork, supplier: Supplier, valid_until: date = TODAY + timedelta(days=365)) -> None:
    supplier.add_license(
        uuid4(), category="repair", number="L-1", valid_from=date(2025, 1, 1), valid_until=valid_until, at=NOW
    )
    uow.suppliers.put(supplier)
