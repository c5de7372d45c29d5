"""Routes of the suppliers API (contract section 4): thin, each naming the roles it admits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Query, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.suppliers import handlers, queries
from services.suppliers.api.conditional import json_with_digest_etag
from services.suppliers.api.deps import SettingsDep
from services.suppliers.api.schemas import (
    Category,
    CertificationCreate,
    CertificationPublic,
    CountryCode,
    DiversificationPublic,
    EligibilityPublic,
    LicenseCreate,
    LicensePublic,
    OptionalReason,
    RequiredReason,
    ScorecardPublic,
    StatusChangePublic,
    SupplierCreate,
    SupplierPublic,
    SupplierStatusName,
)
from services.suppliers.api.views import scorecard_public
from services.suppliers.db.repository import SupplierFilter
from services.suppliers.domain.eligibility import AwardRequirement
from services.suppliers.domain.status import SupplierAction
from shared.auth import Principal, Role, allow, allow_all
from shared.http.commands import Command, CommandDep
from shared.http.conditional import json_with_etag
from shared.http.deps import ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page
from shared.http.problems import ValidationProblem

router = APIRouter(prefix="/api/v1", tags=["suppliers"])

Officer = Annotated[Principal, allow(Role.MIC_OFFICER, Role.INTEGRATION)]
Reader = Annotated[Principal, allow_all()]
NotSupplier = Annotated[
    Principal, allow(Role.MOD_OFFICER, Role.MIC_OFFICER, Role.QUALITY_INSPECTOR, Role.AUDITOR, Role.INTEGRATION)
]
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
_BODY_REQUIRED: dict[str, Any] = {"requestBody": {"required": True}}


def _required_reason(body: RequiredReason | None) -> str:
    # A missing body is reported on the field it lacks, like an empty one.
    if body is None:
        raise ValidationProblem([{"field": "reason", "message": "Field required"}])
    return body.reason


_WRITE_NOTE = " Roles: mic_officer, integration. Accepts `Idempotency-Key` and `If-Match`."


@router.post(
    "/suppliers",
    status_code=201,
    response_model=SupplierPublic,
    responses={**_CREATED, 409: {"description": "A supplier with the same BIN (or country and registration number)."}},
    summary="Register a supplier",
    description="Registers a supplier in `pending`. `bin` (12 digits, valid check digit) is required for `KZ`, "
    "`registration_number` otherwise. Publishes `supplier.status_changed` (null -> pending)." + _WRITE_NOTE,
)
async def register_supplier(body: SupplierCreate, principal: Officer, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.register_supplier(uow, body))


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
) -> Response:
    where = SupplierFilter(status=status, category=category, country=country)
    return json_with_digest_etag(request, await queries.supplier_page(session, principal, where, cursor, limit))


@router.get(
    "/suppliers/{supplier_id}",
    response_model=SupplierPublic,
    responses=_NOT_MODIFIED,
    summary="Read a supplier",
    description="The whole record: status, licenses, certifications and the scorecard, with `ETag`. "
    "Roles: all; a supplier reads only itself (another supplier: 404).",
)
async def read_supplier(supplier_id: UUID, request: Request, principal: Reader, session: ReadSessionDep) -> Response:
    body = await queries.supplier_record(session, supplier_id, principal)
    return json_with_etag(request, body, body.version)


@router.post(
    "/suppliers/{supplier_id}/licenses",
    status_code=201,
    response_model=LicensePublic,
    responses={**_CREATED, 409: {"description": "The supplier is excluded, or already holds this license number."}},
    summary="Add a license",
    description="A license for one order category, valid from `valid_from` to `valid_until` (inclusive)." + _WRITE_NOTE,
)
async def add_license(supplier_id: UUID, body: LicenseCreate, principal: Officer, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.add_license(uow, supplier_id, body, cmd.if_match))


@router.get(
    "/suppliers/{supplier_id}/licenses/{license_id}",
    response_model=LicensePublic,
    responses=_NOT_MODIFIED,
    summary="Read a license",
    description="One license of a supplier. Roles: all; a supplier its own.",
)
async def read_license(
    supplier_id: UUID, license_id: UUID, request: Request, principal: Reader, session: ReadSessionDep
) -> Response:
    body = await queries.license_record(session, supplier_id, license_id, principal)
    return json_with_etag(request, body, body.version)


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
    supplier_id: UUID, body: CertificationCreate, principal: Officer, cmd: CommandDep
) -> Response:
    return await cmd.run(principal, lambda uow: handlers.add_certification(uow, supplier_id, body, cmd.if_match))


@router.get(
    "/suppliers/{supplier_id}/certifications/{certification_id}",
    response_model=CertificationPublic,
    responses=_NOT_MODIFIED,
    summary="Read a certification",
    description="One certification of a supplier. Roles: all; a supplier its own.",
)
async def read_certification(
    supplier_id: UUID, certification_id: UUID, request: Request, principal: Reader, session: ReadSessionDep
) -> Response:
    body = await queries.certification_record(session, supplier_id, certification_id, principal)
    return json_with_etag(request, body, body.version)


async def _change_status(
    cmd: Command, principal: Principal, supplier_id: UUID, action: SupplierAction, reason: str | None
) -> Response:
    return await cmd.run(principal, lambda uow: handlers.change_status(uow, supplier_id, action, reason, cmd.if_match))


@router.post(
    "/suppliers/{supplier_id}/verify",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    summary="Verify a supplier",
    description="`pending` -> `active`; needs at least one license valid today (else 409 saying so). "
    "Optional `reason`." + _WRITE_NOTE,
)
async def verify_supplier(
    supplier_id: UUID, principal: Officer, cmd: CommandDep, body: Annotated[OptionalReason | None, Body()] = None
) -> Response:
    reason = body.reason if body else None
    return await _change_status(cmd, principal, supplier_id, SupplierAction.VERIFY, reason)


@router.post(
    "/suppliers/{supplier_id}/suspend",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    openapi_extra=_BODY_REQUIRED,
    summary="Suspend a supplier",
    description="`active` -> `suspended`; `reason` required." + _WRITE_NOTE,
)
async def suspend_supplier(
    supplier_id: UUID,
    principal: Officer,
    cmd: CommandDep,
    body: ReasonBody = None,  # type: ignore[assignment]
) -> Response:
    reason = _required_reason(body)
    return await _change_status(cmd, principal, supplier_id, SupplierAction.SUSPEND, reason)


@router.post(
    "/suppliers/{supplier_id}/reinstate",
    response_model=SupplierPublic,
    responses=_STATUS_CONFLICT,
    summary="Reinstate a supplier",
    description="`suspended` -> `active`. Optional `reason`." + _WRITE_NOTE,
)
async def reinstate_supplier(
    supplier_id: UUID, principal: Officer, cmd: CommandDep, body: Annotated[OptionalReason | None, Body()] = None
) -> Response:
    reason = body.reason if body else None
    return await _change_status(cmd, principal, supplier_id, SupplierAction.REINSTATE, reason)


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
    principal: Officer,
    cmd: CommandDep,
    body: ReasonBody = None,  # type: ignore[assignment]
) -> Response:
    reason = _required_reason(body)
    return await _change_status(cmd, principal, supplier_id, SupplierAction.EXCLUDE, reason)


@router.get(
    "/suppliers/{supplier_id}/history",
    response_model=Page[StatusChangePublic],
    responses=_NOT_MODIFIED,
    summary="Status history",
    description="Every status change, oldest first, with its reason and the event it published. "
    "Roles: all; a supplier its own.",
)
async def status_history(
    supplier_id: UUID,
    request: Request,
    principal: Reader,
    session: ReadSessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Response:
    page = await queries.status_history(session, supplier_id, principal, cursor, limit)
    return json_with_digest_etag(request, page)


@router.get(
    "/suppliers/{supplier_id}/eligibility",
    response_model=EligibilityPublic,
    responses=_NOT_MODIFIED,
    summary="Check eligibility for an order",
    description="Every reason that applies: `not_active`, `no_valid_license`, `missing_certification`, "
    "`local_content_below_minimum`, `country_restricted`, `no_security_clearance`. Licenses and certifications "
    "are judged on `on` (the order's delivery deadline; default today). Roles: all but supplier.",
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
    on: Annotated[date | None, Query(description="Date validity is judged at; default today (UTC).")] = None,
) -> Response:
    requirement = AwardRequirement(
        category=category,
        on=on or handlers.utc_today(),
        required_certifications=tuple(c.strip() for c in (certifications or "").split(",") if c.strip()),
        min_local_content=min_local_content,
        requires_security_clearance=security_clearance,
    )
    body = await queries.eligibility(session, supplier_id, requirement, settings.restricted_countries)
    return json_with_digest_etag(request, body)


@router.get(
    "/suppliers/{supplier_id}/scorecard",
    response_model=ScorecardPublic,
    responses=_NOT_MODIFIED,
    summary="Read a supplier's scorecard",
    description="Kept from `order.contracted`, `quality.lot_accepted`, `quality.lot_rejected` and `order.delivered`; "
    "rates in percent, null before the first lot or delivery. Roles: all; a supplier its own.",
)
async def read_scorecard(supplier_id: UUID, request: Request, principal: Reader, session: ReadSessionDep) -> Response:
    row = await queries.visible_supplier(session, supplier_id, principal)
    return json_with_etag(request, scorecard_public(row), row.version)


@router.get(
    "/analytics/diversification",
    response_model=DiversificationPublic,
    responses=_NOT_MODIFIED,
    tags=["analytics"],
    summary="Supplier diversification per category",
    description="Per order category: active suppliers, contracted value in KZT, share by supplier country, "
    "domestic (`KZ`) share and the Herfindahl-Hirschman index (0-10000) over suppliers. "
    "Roles: mod_officer, mic_officer, auditor, integration.",
)
async def diversification(request: Request, principal: Analyst, session: ReadSessionDep) -> Response:
    return json_with_digest_etag(request, await queries.diversification(session))
