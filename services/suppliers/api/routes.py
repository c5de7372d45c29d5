"""Routes of the suppliers API (contract section 4): thin, each naming the roles it admits."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.suppliers import handlers
from services.suppliers.api import export
from services.suppliers.api.deps import SettingsDep
from services.suppliers.api.schemas import (
    Category,
    CertificationCreate,
    CertificationPublic,
    CountryCode,
    DiversificationPublic,
    EligibilityPublic,
    ExpiringPublic,
    HistoryEntryPublic,
    LicenseCreate,
    LicensePublic,
    OptionalReason,
    RequiredReason,
    RevokeRequest,
    ScorecardPublic,
    SupplierCreate,
    SupplierPatch,
    SupplierPublic,
    SupplierStatusName,
    SuspendRequest,
)
from services.suppliers.db import reads
from services.suppliers.domain.commands import (
    AddCertification,
    AddLicense,
    ChangeStatus,
    RegisterSupplier,
    RevokeCertification,
    RevokeLicense,
    UpdateSupplier,
)
from services.suppliers.domain.eligibility import AwardRequirement, assess
from services.suppliers.domain.expiry import MAX_WITHIN_DAYS, lapse_window
from services.suppliers.domain.status import REGISTRARS, SUPPLIER, SupplierAction
from services.suppliers.domain.supplier import Certification, License, Supplier
from shared import clock
from shared.auth import ALL_ROLES, Principal, Role, allow, allow_all
from shared.errors import NotFound
from shared.http import csv
from shared.http.commands import Command, CommandDep, CommandResult
from shared.http.conditional import etag, is_not_modified, json_with_digest_etag, json_with_etag, required_body
from shared.http.deps import IfNoneMatch, ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.responses import dumps

router = APIRouter(prefix="/api/v1", tags=["suppliers"])

# Who may do what: the registrars and the table's rule for each status action, checked here once.
Registrar = Annotated[Principal, allow(*REGISTRARS)]
Verifier = Annotated[Principal, allow(*SUPPLIER.roles_for(SupplierAction.VERIFY))]
Suspender = Annotated[Principal, allow(*SUPPLIER.roles_for(SupplierAction.SUSPEND))]
Reinstater = Annotated[Principal, allow(*SUPPLIER.roles_for(SupplierAction.REINSTATE))]
Excluder = Annotated[Principal, allow(*SUPPLIER.roles_for(SupplierAction.EXCLUDE))]
Reader = Annotated[Principal, allow_all()]
# Contract section 4: eligibility is for "all but supplier".
NotSupplier = Annotated[Principal, allow(*(ALL_ROLES - {Role.SUPPLIER}))]
Analyst = Annotated[Principal, allow(Role.MOD_OFFICER, Role.MIC_OFFICER, Role.AUDITOR, Role.INTEGRATION)]

_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "URL of the new resource.", "schema": {"type": "string"}}}}
}
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is current."}
}
_STATUS_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not allowed from the current status (names `current_status` and `allowed_actions`)."}
}


# Required and never null, as the document says: the annotation is not Optional so FastAPI offers no null,
# and the default lets a missing body reach `_required_reason`, which names the field it lacks.
ReasonBody = Annotated[RequiredReason, Body()]
SuspendBody = Annotated[SuspendRequest, Body()]
RevokeBody = Annotated[RevokeRequest, Body()]
_BODY_REQUIRED: dict[str, Any] = {"requestBody": {"required": True}}


def _required_reason(body: RequiredReason | RevokeRequest | SuspendRequest | None) -> str:
    reason: str = required_body(body, "reason").reason  # type: ignore[attr-defined]
    return reason


_WRITE_NOTE = " Roles: mic_officer, integration. Accepts `Idempotency-Key` and `If-Match`."


def _location(supplier_id: Any) -> str:
    return f"/api/v1/suppliers/{supplier_id}"


# How each command's result answers.


def _created(supplier: Supplier) -> CommandResult:
    return CommandResult(SupplierPublic.of(supplier), 201, _location(supplier.id), supplier.version)


def _changed(supplier: Supplier) -> CommandResult:
    return CommandResult(SupplierPublic.of(supplier), 200, version=supplier.version)


def _license_added(held: License) -> CommandResult:
    location = f"{_location(held.supplier_id)}/licenses/{held.id}"
    return CommandResult(LicensePublic.of(held), 201, location, held.version)


def _certification_added(held: Certification) -> CommandResult:
    location = f"{_location(held.supplier_id)}/certifications/{held.id}"
    return CommandResult(CertificationPublic.of(held), 201, location, held.version)


def _no_supplier(supplier_id: Any) -> NotFound:
    return NotFound(f"No supplier {supplier_id}.")


def _license_revoked(held: License) -> CommandResult:
    return CommandResult(LicensePublic.of(held), 200, version=held.version)


def _certification_revoked(held: Certification) -> CommandResult:
    return CommandResult(CertificationPublic.of(held), 200, version=held.version)


_NO_SUCH_SUPPLIER: dict[int | str, dict[str, Any]] = {404: {"description": "No such supplier."}}
_EXCLUDED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The supplier is excluded: exclusion is final and its record is frozen (`supplier-excluded`)."}
}


@router.post(
    "/suppliers",
    status_code=201,
    response_model=SupplierPublic,
    responses={**_CREATED, 409: {"description": "A supplier with the same BIN (or country and registration number)."}},
    summary="Register a supplier",
    description="Registers a supplier in `pending`. `bin` (12 digits, valid check digit) is required for `KZ`, "
    "`registration_number` otherwise. Publishes `supplier.status_changed` (null -> pending)." + _WRITE_NOTE,
)
async def register_supplier(body: SupplierCreate, principal: Registrar, cmd: CommandDep) -> Response:
    fields = body.model_dump(exclude={"contacts"})
    contacts = tuple(contact.to_contact() for contact in body.contacts)
    command = RegisterSupplier(**fields, actor=principal, contacts=contacts)
    return await cmd.run(principal, lambda uow: handlers.register_supplier(uow, command), present=_created)


# `:uuid` so that this path never matches `/suppliers/expiring`, whose PATCH is a 405 (the document's
# path stays `/suppliers/{supplier_id}`).
@router.patch(
    "/suppliers/{supplier_id:uuid}",
    response_model=SupplierPublic,
    responses={
        **_NO_SUCH_SUPPLIER,
        **_EXCLUDED,
        422: {"description": "A field is invalid, null, not editable (identity, status), or none is given."},
    },
    summary="Correct a supplier's record",
    description="Changes the fields given and keeps the others: `name`, `categories`, `local_content_share`, "
    "`security_clearance`, `contacts` (the whole list, at most 10; `[]` clears it). A field may be left out but "
    "never null; identity (`country`, `bin`, `registration_number`) and status do not change here. What really "
    "changes raises the `version` by one, is audited (`supplier_updated`, before and after) and listed in the "
    "supplier's `/history`; a body that changes nothing answers the record as it is. An excluded supplier's "
    "record is frozen (409). Send `If-Match` with the `ETag` read: a stale one answers 412." + _WRITE_NOTE,
)
async def update_supplier(supplier_id: UUID, body: SupplierPatch, principal: Registrar, cmd: CommandDep) -> Response:
    command = UpdateSupplier(supplier_id, body.values(), principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.update_supplier(uow, command), present=_changed)


@router.get(
    "/suppliers",
    response_model=Page[SupplierPublic],
    responses=_NOT_MODIFIED,
    summary="List suppliers",
    description="Oldest first, cursor-paged; filters `status`, `category`, `country`. "
    "A supplier sees only its own record. Roles: all.",
)
async def list_suppliers(
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    status: SupplierStatusName | None = None,
    category: Category | None = None,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2 code.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    where = reads.SupplierFilter(status=status, category=category, country=country)
    found = await reads.supplier_page(
        session, where, principal.supplier_scope, (after[0], after[1]) if after else None, limit
    )
    page, next_cursor = split_page(found, limit, lambda s: [s.created_at.isoformat(), str(s.id)])
    return json_with_digest_etag(
        request, Page[SupplierPublic](items=[SupplierPublic.of(s) for s in page], next_cursor=next_cursor)
    )


@router.get(
    "/suppliers/expiring",
    response_model=Page[ExpiringPublic],
    responses=_NOT_MODIFIED,
    summary="Licenses and certifications about to lapse",
    description="Every license and certification whose last valid day is today or within `within_days` days "
    "of today on the ministry's calendar (`SDO_TIMEZONE`), soonest first, cursor-paged; `kind` narrows it to "
    "licenses or certifications. Revoked ones and those of excluded suppliers are left out. Roles: all; a "
    "supplier sees its own.",
)
async def expiring(
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    settings: SettingsDep,
    within_days: Annotated[
        int, Query(ge=0, le=MAX_WITHIN_DAYS, description=f"Days ahead, 0 (lapsing today) to {MAX_WITHIN_DAYS}.")
    ] = 30,
    kind: Annotated[reads.ExpiringKind | None, Query(description="Only licenses or only certifications.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    after = decode_cursor(cursor, date.fromisoformat, str, UUID)
    today = clock.today(settings.timezone)
    found = await reads.expiring(
        session,
        lapse_window(today, within_days),
        principal.supplier_scope,
        kind,
        (after[0], after[1], after[2]) if after else None,
        limit,
    )
    page, next_cursor = split_page(found, limit, lambda i: [i.valid_until.isoformat(), i.kind, str(i.id)])
    body = Page[ExpiringPublic](items=[ExpiringPublic.of(item, today) for item in page], next_cursor=next_cursor)
    return json_with_digest_etag(request, body)


@router.get(
    "/suppliers/{supplier_id}",
    response_model=SupplierPublic,
    responses=_NOT_MODIFIED,
    summary="Read a supplier",
    description="The whole record: status, licenses, certifications and the scorecard, with `ETag`. "
    "Roles: all; a supplier reads only itself (another supplier: 404).",
)
async def read_supplier(
    supplier_id: UUID, request: Request, principal: Reader, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    supplier = await reads.supplier(session, supplier_id, principal.supplier_scope)
    if supplier is None:
        raise _no_supplier(supplier_id)
    return json_with_etag(request, SupplierPublic.of(supplier), supplier.version)


@router.post(
    "/suppliers/{supplier_id}/licenses",
    status_code=201,
    response_model=LicensePublic,
    responses={**_CREATED, 409: {"description": "The supplier is excluded, or already holds this license number."}},
    summary="Add a license",
    description="A license for one order category, valid from `valid_from` to `valid_until` (inclusive)." + _WRITE_NOTE,
)
async def add_license(supplier_id: UUID, body: LicenseCreate, principal: Registrar, cmd: CommandDep) -> Response:
    command = AddLicense(
        supplier_id, body.category, body.number, body.valid_from, body.valid_until, principal, cmd.expected
    )
    return await cmd.run(principal, lambda uow: handlers.add_license(uow, command), present=_license_added)


@router.get(
    "/suppliers/{supplier_id}/licenses/{license_id}",
    response_model=LicensePublic,
    responses=_NOT_MODIFIED,
    summary="Read a license",
    description="One license of a supplier. Roles: all; a supplier its own.",
)
async def read_license(
    supplier_id: UUID,
    license_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    if not await reads.exists(session, supplier_id, principal.supplier_scope):
        raise _no_supplier(supplier_id)
    held = await reads.license(session, supplier_id, license_id)
    if held is None:
        raise NotFound(f"No license {license_id} of supplier {supplier_id}.")
    return json_with_etag(request, LicensePublic.of(held), held.version)


@router.post(
    "/suppliers/{supplier_id}/certifications",
    status_code=201,
    response_model=CertificationPublic,
    responses={**_CREATED, 409: {"description": "The supplier is excluded, or already holds this certificate."}},
    summary="Add a certification",
    description="A certificate to a standard (e.g. `ISO 9001`, `AQAP-2110`), valid until `valid_until` (inclusive)."
    + _WRITE_NOTE,
)
async def add_certification(
    supplier_id: UUID, body: CertificationCreate, principal: Registrar, cmd: CommandDep
) -> Response:
    command = AddCertification(supplier_id, body.standard, body.number, body.valid_until, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.add_certification(uow, command), present=_certification_added)


@router.get(
    "/suppliers/{supplier_id}/certifications/{certification_id}",
    response_model=CertificationPublic,
    responses=_NOT_MODIFIED,
    summary="Read a certification",
    description="One certification of a supplier. Roles: all; a supplier its own.",
)
async def read_certification(
    supplier_id: UUID,
    certification_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    if not await reads.exists(session, supplier_id, principal.supplier_scope):
        raise _no_supplier(supplier_id)
    held = await reads.certification(session, supplier_id, certification_id)
    if held is None:
        raise NotFound(f"No certification {certification_id} of supplier {supplier_id}.")
    return json_with_etag(request, CertificationPublic.of(held), held.version)


_REVOKE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such supplier, or it holds no such license or certification."},
    409: {"description": "Revoked already (`already-revoked`, naming `revoked_at`): the first revocation stands."},
    422: {"description": "`reason` is missing or blank."},
}


@router.post(
    "/suppliers/{supplier_id}/licenses/{license_id}/revoke",
    response_model=LicensePublic,
    responses=_REVOKE_RESPONSES,
    openapi_extra=_BODY_REQUIRED,
    summary="Revoke a license",
    description="The license is kept with `revoked_at` and `revocation_reason` and never counts as valid again "
    "(verification, eligibility, award decisions). Raises the license's and the supplier's `version`; audited "
    "(`license_revoked`) and listed in the supplier's `/history`. A second revocation answers 409." + _WRITE_NOTE,
)
async def revoke_license(
    supplier_id: UUID,
    license_id: UUID,
    principal: Registrar,
    cmd: CommandDep,
    body: RevokeBody = None,  # type: ignore[assignment]
) -> Response:
    command = RevokeLicense(supplier_id, license_id, _required_reason(body), principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.revoke_license(uow, command), present=_license_revoked)


@router.post(
    "/suppliers/{supplier_id}/certifications/{certification_id}/revoke",
    response_model=CertificationPublic,
    responses=_REVOKE_RESPONSES,
    openapi_extra=_BODY_REQUIRED,
    summary="Revoke a certification",
    description="The certificate is kept with `revoked_at` and `revocation_reason` and never counts as valid "
    "again. Raises the certificate's and the supplier's `version`; audited (`certification_revoked`) and listed "
    "in the supplier's `/history`. A second revocation answers 409." + _WRITE_NOTE,
)
async def revoke_certification(
    supplier_id: UUID,
    certification_id: UUID,
    principal: Registrar,
    cmd: CommandDep,
    body: RevokeBody = None,  # type: ignore[assignment]
) -> Response:
    command = RevokeCertification(supplier_id, certification_id, _required_reason(body), principal, cmd.expected)
    return await cmd.run(
        principal, lambda uow: handlers.revoke_certification(uow, command), present=_certification_revoked
    )


async def _change_status(
    cmd: Command,
    principal: Principal,
    supplier_id: UUID,
    action: SupplierAction,
    reason: str | None,
    timezone: str,
    until: date | None = None,
) -> Response:
    command = ChangeStatus(supplier_id, action, principal, reason, cmd.expected, until=until, timezone=timezone)
    return await cmd.run(principal, lambda uow: handlers.change_status(uow, command), present=_changed)


@router.post(
    "/suppliers/{supplier_id}/verify",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    summary="Verify a supplier",
    description="`pending` -> `active`; needs at least one license valid today on the ministry's calendar "
    "(`SDO_TIMEZONE`), not revoked (else 409 saying so). Optional `reason`." + _WRITE_NOTE,
)
async def verify_supplier(
    supplier_id: UUID,
    principal: Verifier,
    cmd: CommandDep,
    settings: SettingsDep,
    body: Annotated[OptionalReason | None, Body()] = None,
) -> Response:
    reason = body.reason if body else None
    return await _change_status(cmd, principal, supplier_id, SupplierAction.VERIFY, reason, settings.timezone)


@router.post(
    "/suppliers/{supplier_id}/suspend",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    openapi_extra=_BODY_REQUIRED,
    summary="Suspend a supplier",
    description="`active` -> `suspended`; `reason` required. With `until` (a date after today on the ministry's "
    "calendar, `SDO_TIMEZONE`; else 422) the suspension lapses on its own: on that day the service reinstates "
    "the supplier (`supplier.status_changed` with reason `suspension_expired`, actor `system`), and eligibility "
    "`on` that day or later already counts it active. Without `until` it lasts until reinstated." + _WRITE_NOTE,
)
async def suspend_supplier(
    supplier_id: UUID,
    principal: Suspender,
    cmd: CommandDep,
    settings: SettingsDep,
    body: SuspendBody = None,  # type: ignore[assignment]
) -> Response:
    reason = _required_reason(body)
    return await _change_status(
        cmd, principal, supplier_id, SupplierAction.SUSPEND, reason, settings.timezone, until=body.until
    )


@router.post(
    "/suppliers/{supplier_id}/reinstate",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    summary="Reinstate a supplier",
    description="`suspended` -> `active`. Optional `reason`." + _WRITE_NOTE,
)
async def reinstate_supplier(
    supplier_id: UUID,
    principal: Reinstater,
    cmd: CommandDep,
    settings: SettingsDep,
    body: Annotated[OptionalReason | None, Body()] = None,
) -> Response:
    reason = body.reason if body else None
    return await _change_status(cmd, principal, supplier_id, SupplierAction.REINSTATE, reason, settings.timezone)


@router.post(
    "/suppliers/{supplier_id}/exclude",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    openapi_extra=_BODY_REQUIRED,
    summary="Exclude a supplier",
    description="`pending`, `active` or `suspended` -> `excluded` (final); `reason` required." + _WRITE_NOTE,
)
async def exclude_supplier(
    supplier_id: UUID,
    principal: Excluder,
    cmd: CommandDep,
    settings: SettingsDep,
    body: ReasonBody = None,  # type: ignore[assignment]
) -> Response:
    reason = _required_reason(body)
    return await _change_status(cmd, principal, supplier_id, SupplierAction.EXCLUDE, reason, settings.timezone)


@router.get(
    "/suppliers/{supplier_id}/history",
    response_model=Page[HistoryEntryPublic],
    responses=_NOT_MODIFIED,
    summary="History of the record",
    description="Every change of the record, oldest first: its registration and status changes (with their "
    "reason and the `supplier.status_changed` event each published), field corrections (`updated`, each "
    "field's value before and after), and licenses and certifications added or revoked. Each names who made it "
    "(`system` for a suspension that lapsed). Roles: all; a supplier its own.",
)
async def status_history(
    supplier_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    if not await reads.exists(session, supplier_id, principal.supplier_scope):
        raise _no_supplier(supplier_id)
    after = decode_cursor(cursor, int)
    rows = await reads.status_history(session, supplier_id, after[0] if after else None, limit)
    page, next_cursor = split_page(rows, limit, lambda r: [r.id])
    items = [HistoryEntryPublic.of(r) for r in page]
    return json_with_digest_etag(request, Page[HistoryEntryPublic](items=items, next_cursor=next_cursor))


@router.get(
    "/suppliers/{supplier_id}/eligibility",
    response_model=EligibilityPublic,
    responses=_NOT_MODIFIED,
    summary="Check eligibility for an order",
    description="Every reason that applies: `not_active`, `no_valid_license`, `missing_certification`, "
    "`local_content_below_minimum`, `country_restricted`, `no_security_clearance`. Licenses, certifications "
    "and the status are judged on `on` (the order's delivery deadline; default today on the ministry's calendar, "
    "`SDO_TIMEZONE`): revoked ones never count, and a supplier suspended `until` a day is active on that day and "
    "after, even before the service has reinstated it. Roles: all but supplier.",
)
async def check_eligibility(
    supplier_id: UUID,
    request: Request,
    principal: NotSupplier,
    session: ReadSessionDep,
    settings: SettingsDep,
    category: Annotated[Category, Query(description="The order's category.")],
    certifications: Annotated[
        str | None, Query(max_length=2000, description="Required standards, comma-separated: `ISO 9001,AQAP-2110`.")
    ] = None,
    min_local_content: Annotated[
        Decimal,
        Query(ge=0, le=100, description="Minimum local content, percent."),
        WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
    ] = Decimal(0),
    security_clearance: Annotated[bool, Query(description="Whether the order needs a security clearance.")] = False,
    on: Annotated[
        date | None, Query(description="Date validity is judged at; default today on the ministry's calendar.")
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    requirement = AwardRequirement(
        category=category,
        on=on or clock.today(settings.timezone),
        required_certifications=tuple(c.strip() for c in (certifications or "").split(",") if c.strip()),
        min_local_content=min_local_content,
        requires_security_clearance=security_clearance,
    )
    facts = await reads.supplier_facts(session, supplier_id)
    if facts is None:
        raise _no_supplier(supplier_id)
    verdict = assess(facts, requirement, settings.restricted_countries)
    return json_with_digest_etag(request, EligibilityPublic.of(supplier_id, verdict, requirement.on))


@router.get(
    "/suppliers/{supplier_id}/scorecard",
    response_model=ScorecardPublic,
    responses=_NOT_MODIFIED,
    summary="Read a supplier's scorecard",
    description="Kept from `order.contracted`, `quality.lot_accepted`, `quality.lot_rejected` and `order.delivered`; "
    "rates in percent, null before the first lot or delivery. Roles: all; a supplier its own.",
)
async def read_scorecard(
    supplier_id: UUID, request: Request, principal: Reader, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    found = await reads.scorecard(session, supplier_id, principal.supplier_scope)
    if found is None:
        raise _no_supplier(supplier_id)
    counters, version = found
    return json_with_etag(request, ScorecardPublic.of(supplier_id, counters), version)


@router.get(
    "/analytics/diversification",
    response_model=DiversificationPublic,
    responses={
        200: {
            "description": "The figures per category, as JSON or, with `Accept: text/csv`, as CSV.",
            "content": csv.csv_content(
                export.DIVERSIFICATION_EXAMPLE, "UTF-8 CSV with a header row, one row per category."
            ),
        },
        **_NOT_MODIFIED,
    },
    tags=["analytics"],
    summary="Supplier diversification per category",
    description="Per order category: active suppliers, contracted value in KZT (the price in force: amendments "
    "and concessions follow it; cancelled contracts leave it), share by supplier country, domestic (`KZ`) share, "
    "and the Herfindahl-Hirschman index (0-10000) over suppliers (`hhi`) and over their countries "
    "(`hhi_by_country`). With `Accept: text/csv` the same table as CSV for a spreadsheet (UTF-8, header row, "
    "`by_country` as `KZ 80.0; TR 20.0`), streamed; each representation has its own `ETag`. "
    "Roles: mod_officer, mic_officer, auditor, integration.",
)
async def diversification(
    request: Request, principal: Analyst, session: ReadSessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    body = DiversificationPublic.of(await reads.diversification(session))
    if not csv.wants_csv(request):
        response = json_with_digest_etag(request, body)
        response.headers["Vary"] = "Accept"
        return response
    content = body.model_dump(mode="json")
    version = int.from_bytes(hashlib.sha256(dumps(content) + b"text/csv").digest()[:8], "big")
    if is_not_modified(request, version):
        return Response(status_code=304, headers={"ETag": etag(version), "Vary": "Accept"})
    rows = csv.csv_rows(export.DIVERSIFICATION_HEADER, export.diversification_rows(content))
    return csv.csv_response(rows, "diversification.csv", {"ETag": etag(version)})
