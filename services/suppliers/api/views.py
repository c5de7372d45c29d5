"""Public bodies built from rows: the one place that knows how a row reads from outside."""

from __future__ import annotations

from services.suppliers.api.schemas import (
    CertificationPublic,
    LicensePublic,
    ScorecardPublic,
    StatusChangePublic,
    SupplierPublic,
)
from services.suppliers.db.repository import SupplierDetails, counters_of, hundredths_to_percent
from services.suppliers.db.tables import CertificationRow, LicenseRow, StatusChangeRow, SupplierRow
from services.suppliers.domain.scorecard import scorecard
from services.suppliers.domain.status import allowed_actions


def license_public(row: LicenseRow) -> LicensePublic:
    return LicensePublic.model_validate(row, from_attributes=True)


def certification_public(row: CertificationRow) -> CertificationPublic:
    return CertificationPublic.model_validate(row, from_attributes=True)


def scorecard_public(row: SupplierRow) -> ScorecardPublic:
    card = scorecard(counters_of(row))
    return ScorecardPublic(
        supplier_id=row.id,
        orders_awarded=card.orders_awarded,
        lots_inspected=card.lots_inspected,
        lots_accepted=card.lots_accepted,
        acceptance_rate=card.acceptance_rate,
        deliveries=card.deliveries,
        on_time_deliveries=card.on_time_deliveries,
        on_time_rate=card.on_time_rate,
    )


def supplier_public(row: SupplierRow, details: SupplierDetails) -> SupplierPublic:
    return SupplierPublic(
        id=row.id,
        name=row.name,
        country=row.country,
        bin=row.bin,
        registration_number=row.registration_number,
        categories=details.categories,
        local_content_share=float(hundredths_to_percent(row.local_content_hundredths)),
        security_clearance=row.security_clearance,
        status=row.status,
        status_reason=row.status_reason,
        allowed_actions=[action.value for action in allowed_actions(row.status)],
        licenses=[license_public(lic) for lic in details.licenses],
        certifications=[certification_public(cert) for cert in details.certifications],
        scorecard=scorecard_public(row),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def status_change_public(row: StatusChangeRow) -> StatusChangePublic:
    return StatusChangePublic.model_validate(row, from_attributes=True)
