"""One async function per command: load, check, change, record; the unit of work commits.

Nothing here knows about HTTP beyond the problems it raises; domain errors (status conflicts)
are mapped to problem+json once, in the app's ``domain_errors``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.suppliers.api.schemas import CertificationCreate, LicenseCreate, SupplierCreate
from services.suppliers.api.views import certification_public, license_public, supplier_public
from services.suppliers.db import repository
from services.suppliers.db.tables import (
    CertificationRow,
    LicenseRow,
    StatusChangeRow,
    SupplierCategoryRow,
    SupplierRow,
)
from services.suppliers.domain.status import SupplierAction, SupplierStatus, apply_action
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.http.commands import CommandResult
from shared.http.conditional import check_if_match
from shared.http.problems import Conflict, NotFound
from shared.uow import UnitOfWork

RESOURCE = "supplier"


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_today() -> date:
    return utc_now().date()


def supplier_location(supplier_id: UUID) -> str:
    return f"/api/v1/suppliers/{supplier_id}"


async def register_supplier(uow: UnitOfWork, body: SupplierCreate) -> CommandResult:
    same = await repository.find_same_identity(
        uow.session, bin=body.bin, country=body.country, registration_number=body.registration_number
    )
    if same is not None:
        raise _duplicate_identity(same, body)
    now = utc_now()
    row = _new_supplier(body, now)
    await _insert_supplier(uow, row)
    uow.session.add_all(SupplierCategoryRow(supplier_id=row.id, category=c) for c in body.categories)
    _status_changed(uow, row, old_status=None, reason=None, at=now)
    uow.record("supplier_registered", RESOURCE, row.id, body.model_dump(mode="json"))
    details = repository.SupplierDetails(repository.category_order(body.categories), [], [])
    return CommandResult(supplier_public(row, details), 201, supplier_location(row.id), row.version)


async def add_license(uow: UnitOfWork, supplier_id: UUID, body: LicenseCreate, if_match: str | None) -> CommandResult:
    row = await _load_for_change(uow, supplier_id, if_match, "add a license to")
    taken = select(LicenseRow.id).where(LicenseRow.supplier_id == row.id, LicenseRow.number == body.number)
    if (await uow.session.execute(taken)).first() is not None:
        raise Conflict(f"The supplier already holds license {body.number}.", slug="duplicate-license")
    now = utc_now()
    lic = LicenseRow(id=uuid4(), supplier_id=row.id, created_at=now, **body.model_dump())
    uow.session.add(lic)
    _touch(row, now)
    uow.record("license_added", RESOURCE, row.id, {"license_id": str(lic.id), **body.model_dump(mode="json")})
    location = f"{supplier_location(row.id)}/licenses/{lic.id}"
    return CommandResult(license_public(lic), 201, location, lic.version)


async def add_certification(
    uow: UnitOfWork, supplier_id: UUID, body: CertificationCreate, if_match: str | None
) -> CommandResult:
    row = await _load_for_change(uow, supplier_id, if_match, "add a certification to")
    taken = select(CertificationRow.id).where(
        CertificationRow.supplier_id == row.id,
        CertificationRow.standard == body.standard,
        CertificationRow.number == body.number,
    )
    if (await uow.session.execute(taken)).first() is not None:
        raise Conflict(
            f"The supplier already holds {body.standard} certificate {body.number}.", slug="duplicate-certification"
        )
    now = utc_now()
    cert = CertificationRow(id=uuid4(), supplier_id=row.id, created_at=now, **body.model_dump())
    uow.session.add(cert)
    _touch(row, now)
    uow.record(
        "certification_added", RESOURCE, row.id, {"certification_id": str(cert.id), **body.model_dump(mode="json")}
    )
    location = f"{supplier_location(row.id)}/certifications/{cert.id}"
    return CommandResult(certification_public(cert), 201, location, cert.version)


async def change_status(
    uow: UnitOfWork, supplier_id: UUID, action: SupplierAction, reason: str | None, if_match: str | None
) -> CommandResult:
    """verify, suspend, reinstate or exclude, by the transition table; 409 names the current status."""
    row = await _load_for_change(uow, supplier_id, if_match)
    licenses = await repository.licenses_of(uow.session, row.id) if action is SupplierAction.VERIFY else []
    old_status = row.status
    row.status = apply_action(old_status, action, licenses=licenses, on=utc_today()).value
    row.status_reason = reason
    now = utc_now()
    _touch(row, now)
    _status_changed(uow, row, old_status=old_status, reason=reason, at=now)
    uow.record(action.value, RESOURCE, row.id, {"from_status": old_status, "to_status": row.status, "reason": reason})
    details = (await repository.details_of(uow.session, [row.id]))[row.id]
    return CommandResult(supplier_public(row, details), 200, version=row.version)


def _new_supplier(body: SupplierCreate, at: datetime) -> SupplierRow:
    return SupplierRow(
        id=uuid4(),
        name=body.name,
        country=body.country,
        bin=body.bin,
        registration_number=body.registration_number,
        local_content_hundredths=repository.percent_to_hundredths(body.local_content_share),
        security_clearance=body.security_clearance,
        status=SupplierStatus.PENDING.value,
        created_at=at,
        updated_at=at,
    )


async def _insert_supplier(uow: UnitOfWork, row: SupplierRow) -> None:
    uow.session.add(row)
    try:
        # Flushed now so a concurrent registration of the same identity (PostgreSQL) is a 409, not a 500.
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "A supplier with this BIN or registration number is already registered.", slug="duplicate-supplier"
        ) from exc


async def _load_for_change(
    uow: UnitOfWork, supplier_id: UUID, if_match: str | None, refused_when_excluded: str | None = None
) -> SupplierRow:
    row = await repository.get_supplier(uow.session, supplier_id, for_update=True)
    if row is None:
        raise NotFound(f"No supplier {supplier_id}.")
    check_if_match(if_match, row.version)
    if refused_when_excluded and row.status == SupplierStatus.EXCLUDED:
        raise Conflict(
            f"Cannot {refused_when_excluded} an excluded supplier; exclusion is final.",
            slug="supplier-excluded",
            current_status=row.status,
            allowed_actions=[],
        )
    return row


def _touch(row: SupplierRow, at: datetime) -> None:
    row.version += 1
    row.updated_at = at


def _status_changed(
    uow: UnitOfWork, row: SupplierRow, *, old_status: str | None, reason: str | None, at: datetime
) -> None:
    """Every status change, creation included, is kept with its reason and published."""
    payload = SupplierStatusChanged(supplier_id=row.id, old_status=old_status, new_status=row.status, reason=reason)
    event = uow.emit(EventType.SUPPLIER_STATUS_CHANGED, row.id, payload)
    uow.session.add(
        StatusChangeRow(
            supplier_id=row.id,
            from_status=old_status,
            to_status=row.status,
            reason=reason,
            actor=uow.actor,
            at=at,
            event_id=event.id,
        )
    )


def _duplicate_identity(same: SupplierRow, body: SupplierCreate) -> Conflict:
    by_bin = body.bin is not None and same.bin == body.bin
    what = f"BIN {body.bin}" if by_bin else f"registration number {body.registration_number} in {body.country}"
    return Conflict(
        f"A supplier with {what} is already registered.", slug="duplicate-supplier", existing_id=str(same.id)
    )
