"""HTTP routes of the quality service (contract section 5). Thin: parse, authorize, delegate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.quality import handlers
from services.quality.api.schemas import (
    AcceptancePlanPublic,
    CertificatePublic,
    InspectionPublic,
    InspectionStatusName,
    MeasurementCreate,
    MeasurementPublic,
    SamplingPlanPublic,
)
from services.quality.db import repository
from services.quality.domain.sampling import DEFAULT_LEVEL, plan_for
from services.quality.domain.sampling_tables import AQL_VALUES, LEVELS
from shared.auth import Principal, Role, allow, allow_all
from shared.http.commands import CommandDep
from shared.http.conditional import json_with_etag
from shared.http.deps import ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.problems import NotFound

router = APIRouter(prefix="/api/v1")

Reader = Annotated[Principal, allow_all()]
Inspector = Annotated[Principal, allow(Role.QUALITY_INSPECTOR)]

# The document states what `plan_for` accepts (it checks and names each field itself).
_LOT_SIZE = WithJsonSchema({"type": "integer", "minimum": 1, "examples": [1000]})
_AQL = WithJsonSchema({"type": "number", "enum": [float(aql) for aql in AQL_VALUES], "examples": [1.0]})
_LEVEL = WithJsonSchema({"type": "string", "enum": list(LEVELS), "default": DEFAULT_LEVEL})

_READERS = "Roles: all; a supplier sees only its own orders' records (another's answers 404)."
_NOT_MODIFIED = {304: {"description": "Unchanged since the `ETag` given in `If-None-Match`."}}


@router.get(
    "/sampling-plan",
    tags=["sampling"],
    summary="Look up an ISO 2859-1 sampling plan",
    description="Single sampling, normal inspection (ISO 2859-1 = ANSI/ASQ Z1.4 = MIL-STD-105E): the code letter "
    "from Table I, the plan from Table II-A with arrows followed; `code_letter` is the letter of the plan used. "
    "When the sample reaches the lot, the whole lot is inspected. Roles: all.",
)
async def sampling_plan(
    _: Reader,
    lot_size: Annotated[int, Query(description="Units in the lot, at least 1."), _LOT_SIZE],
    aql: Annotated[str, Query(description="One of 0.065 ... 10 (ISO 2859-1 AQLs)."), _AQL],
    level: Annotated[str, Query(description="General inspection level: I, II or III."), _LEVEL] = DEFAULT_LEVEL,
) -> SamplingPlanPublic:
    return SamplingPlanPublic.of(plan_for(lot_size, aql, level))


@router.get(
    "/plans/{order_id}",
    tags=["plans"],
    response_model=AcceptancePlanPublic,
    responses=_NOT_MODIFIED,
    summary="Read an order's acceptance plan",
    description="The requirements checked on every sampled unit and the AQL, made from the order's technical "
    f"requirements when it was contracted. `ETag`/`If-None-Match` supported. {_READERS}",
)
async def get_plan(order_id: UUID, principal: Reader, session: ReadSessionDep, request: Request) -> Response:
    row = await repository.get_plan(session, order_id, supplier_scope=principal.supplier_scope)
    if row is None:
        raise NotFound(f"No acceptance plan for order {order_id}.")
    return json_with_etag(request, AcceptancePlanPublic.of(row), row.version)


@router.get(
    "/inspections",
    tags=["inspections"],
    summary="List inspections",
    description=f"Oldest first; filter by `order_id` and `status`. Cursor pages. {_READERS}",
)
async def list_inspections(
    principal: Reader,
    session: ReadSessionDep,
    order_id: Annotated[UUID | None, Query(description="Only this order's inspections.")] = None,
    status: Annotated[InspectionStatusName | None, Query(description="open, accepted or rejected.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[InspectionPublic]:
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    rows = await repository.page_of_inspections(
        session,
        supplier_scope=principal.supplier_scope,
        order_id=order_id,
        status=status,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    page, next_cursor = split_page(list(rows), limit, lambda r: [repository.as_utc(r.opened_at).isoformat(), r.id])
    return Page[InspectionPublic](items=[InspectionPublic.of(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/inspections/{inspection_id}",
    tags=["inspections"],
    response_model=InspectionPublic,
    responses=_NOT_MODIFIED,
    summary="Read an inspection",
    description="Sampling plan, progress, counters, verdict, nonconformities and the certificate of an accepted "
    f"lot. `ETag`/`If-None-Match` supported; send the `ETag` as `If-Match` when measuring. {_READERS}",
)
async def get_inspection(inspection_id: UUID, principal: Reader, session: ReadSessionDep, request: Request) -> Response:
    row = await repository.get_inspection(session, inspection_id, supplier_scope=principal.supplier_scope)
    if row is None:
        raise NotFound(f"No inspection {inspection_id}.")
    return json_with_etag(request, InspectionPublic.of(row), row.version)


async def _visible_inspection(session: ReadSessionDep, inspection_id: UUID, principal: Principal) -> None:
    if await repository.get_inspection(session, inspection_id, supplier_scope=principal.supplier_scope) is None:
        raise NotFound(f"No inspection {inspection_id}.")


@router.get(
    "/inspections/{inspection_id}/measurements",
    tags=["inspections"],
    summary="List an inspection's measurements",
    description=f"Every measured unit in the order it was measured, with its values and failed requirements. "
    f"Cursor pages. {_READERS}",
)
async def list_measurements(
    inspection_id: UUID, principal: Reader, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[MeasurementPublic]:
    await _visible_inspection(session, inspection_id, principal)
    after = decode_cursor(cursor, int)
    rows = await repository.page_of_measurements(session, inspection_id, after=after[0] if after else None, limit=limit)
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.id])
    return Page[MeasurementPublic](items=[MeasurementPublic.of(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/inspections/{inspection_id}/measurements/{unit_serial:path}",
    tags=["inspections"],
    summary="Read one unit's measurement",
    description=f"The readings of one unit serial (URL-encoded) of an inspection. {_READERS}",
)
async def get_measurement(
    inspection_id: UUID, unit_serial: str, principal: Reader, session: ReadSessionDep
) -> MeasurementPublic:
    await _visible_inspection(session, inspection_id, principal)
    row = await repository.get_measurement(session, inspection_id, unit_serial)
    if row is None:
        raise NotFound(f"Unit {unit_serial!r} was not measured in inspection {inspection_id}.")
    return MeasurementPublic.of(row)


@router.post(
    "/inspections/{inspection_id}/measurements",
    tags=["inspections"],
    status_code=201,
    response_model=MeasurementPublic,
    responses={
        409: {"description": "The unit serial was already measured, the sample is full, or the inspection is closed."},
        422: {"description": "Unknown or missing requirement code, or a value that is not a number (`values.<code>`)."},
    },
    summary="Record one unit's measurements",
    description="`{unit_serial, values: {code: number}}`: every requirement code of the order's plan, nothing else. "
    "A unit is defective if any value lies outside `[min, max]`; failed critical requirements are counted apart. "
    "Each serial counts once per inspection. Answers the measurement with the inspection's new `ETag`. "
    "Role: quality_inspector.",
)
async def record_measurement(
    inspection_id: UUID, body: MeasurementCreate, principal: Inspector, cmd: CommandDep
) -> Response:
    return await cmd.run(
        principal, lambda uow: handlers.record_measurement(uow, inspection_id, body, if_match=cmd.if_match)
    )


@router.post(
    "/inspections/{inspection_id}/complete",
    tags=["inspections"],
    response_model=InspectionPublic,
    responses={409: {"description": "Fewer than `sample_size` units are measured, or the inspection is closed."}},
    summary="Complete an inspection with its verdict",
    description="Needs `sample_size` units measured. `rejected` if any critical requirement failed or "
    "`defective_units >= reject`, else `accepted`. An accepted lot gets a certificate and publishes "
    "`kz.sdo.quality.lot_accepted.v1`; a rejected one lists its nonconformities and publishes "
    "`kz.sdo.quality.lot_rejected.v1`. Role: quality_inspector.",
)
async def complete_inspection(inspection_id: UUID, principal: Inspector, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: handlers.complete_inspection(uow, inspection_id, if_match=cmd.if_match))


@router.get(
    "/certificates",
    tags=["certificates"],
    summary="List certificates",
    description=f"Certificates of conformity by number; filter by `order_id`. Cursor pages. {_READERS}",
)
async def list_certificates(
    principal: Reader,
    session: ReadSessionDep,
    order_id: Annotated[UUID | None, Query(description="Only this order's certificates.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CertificatePublic]:
    after = decode_cursor(cursor, str)
    rows = await repository.page_of_certificates(
        session,
        supplier_scope=principal.supplier_scope,
        order_id=order_id,
        after=after[0] if after else None,
        limit=limit,
    )
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.number])
    return Page[CertificatePublic](items=[CertificatePublic.of(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/certificates/{certificate_id}",
    tags=["certificates"],
    response_model=CertificatePublic,
    responses=_NOT_MODIFIED,
    summary="Read a certificate",
    description="`sha256` is the hex SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8) of "
    f"`id, number, order_id, inspection_id, issued_at`, so anyone can recompute it. {_READERS}",
)
async def get_certificate(
    certificate_id: UUID, principal: Reader, session: ReadSessionDep, request: Request
) -> Response:
    row = await repository.get_certificate(session, certificate_id, supplier_scope=principal.supplier_scope)
    if row is None:
        raise NotFound(f"No certificate {certificate_id}.")
    return json_with_etag(request, CertificatePublic.of(row), row.version)
