"""HTTP routes of the quality service (contract section 5). Thin: parse, authorize, delegate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import WithJsonSchema
from starlette.responses import Response

from services.quality import handlers
from services.quality.api.certificate_pdf import PDF_MEDIA_TYPE, PdfFontMissing, find_font, render
from services.quality.api.schemas import (
    AcceptancePlanPublic,
    CertificatePublic,
    DispositionRequest,
    InspectionPublic,
    InspectionStatusName,
    MeasurementCreate,
    MeasurementPublic,
    NonconformancePublic,
    NonconformanceStatusName,
    ResumeRequest,
    SamplingPlanPublic,
)
from services.quality.db import reads
from services.quality.db.repository import as_utc
from services.quality.domain.commands import (
    CompleteInspection,
    DispositionNonconformance,
    RecordMeasurement,
    ResumeInspection,
)
from services.quality.domain.inspection import INSPECTION, Inspection, InspectionAction, Measurement
from services.quality.domain.nonconformance import NONCONFORMANCE, Nonconformance, NonconformanceAction
from services.quality.domain.plan import PLAN, OrderPlan, PlanAction
from services.quality.domain.sampling import DEFAULT_LEVEL, SEVERITIES, Severity, plan_for
from services.quality.domain.sampling_tables import AQL_VALUES, LEVELS
from shared.auth import Principal, allow, allow_all
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import etag, is_not_modified, json_with_etag
from shared.http.deps import ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.problems import NotFound, ServiceUnavailable
from shared.http.responses import PROBLEM_CONTENT_TYPE

router = APIRouter(prefix="/api/v1")

Reader = Annotated[Principal, allow_all()]
Measurer = Annotated[Principal, allow(*INSPECTION.roles_for(InspectionAction.MEASURE))]
Completer = Annotated[Principal, allow(*INSPECTION.roles_for(InspectionAction.COMPLETE))]
Resumer = Annotated[Principal, allow(*PLAN.roles_for(PlanAction.RESUME))]
Dispositioner = Annotated[Principal, allow(*NONCONFORMANCE.roles_for(NonconformanceAction.DISPOSITION))]

# The document states what `plan_for` accepts (it checks and names each field itself).
_LOT_SIZE = WithJsonSchema({"type": "integer", "minimum": 1, "examples": [1000]})
_AQL = WithJsonSchema({"type": "number", "enum": [float(aql) for aql in AQL_VALUES], "examples": [1.0]})
_LEVEL = WithJsonSchema({"type": "string", "enum": list(LEVELS), "default": DEFAULT_LEVEL})
_SEVERITY = WithJsonSchema({"type": "string", "enum": list(SEVERITIES), "default": Severity.NORMAL.value})

_READERS = "Roles: all; a supplier sees only its own orders' records (another's answers 404)."
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the `ETag` given in `If-None-Match`."}
}


@router.get(
    "/sampling-plan",
    tags=["sampling"],
    summary="Look up an ISO 2859-1 sampling plan",
    description="Single sampling (ISO 2859-1 = ANSI/ASQ Z1.4 = MIL-STD-105E): the code letter from Table I "
    "(special levels S-1 ... S-4, general levels I ... III), the plan from the master table of the severity "
    "(`normal`: II-A, `tightened`: II-B, `reduced`: II-C) with arrows followed; `code_letter` is the letter of "
    "the plan used. When the sample reaches the lot, the whole lot is inspected. Reduced plans keep "
    "MIL-STD-105E's gap between `accept` and `reject`: a lot with more than `accept` but fewer than `reject` "
    "nonconforming units is accepted, and normal inspection is reinstated. Roles: all.",
)
async def sampling_plan(
    _: Reader,
    lot_size: Annotated[int, Query(description="Units in the lot, at least 1."), _LOT_SIZE],
    aql: Annotated[str, Query(description="One of 0.065 ... 10 (ISO 2859-1 AQLs)."), _AQL],
    level: Annotated[
        str, Query(description="Inspection level: S-1, S-2, S-3, S-4, I, II or III."), _LEVEL
    ] = DEFAULT_LEVEL,
    severity: Annotated[
        str, Query(description="Severity of inspection: normal, tightened or reduced."), _SEVERITY
    ] = Severity.NORMAL.value,
) -> SamplingPlanPublic:
    return SamplingPlanPublic.of(plan_for(lot_size, aql, level, severity))


@router.get(
    "/plans/{order_id}",
    tags=["plans"],
    response_model=AcceptancePlanPublic,
    responses=_NOT_MODIFIED,
    summary="Read an order's acceptance plan",
    description="The requirements checked on every sampled unit and the AQL, made from the order's technical "
    "requirements when it was contracted, and where the order's series of lots stands under ISO 2859-1 clause 9: "
    "`severity` (the next lot is sized with it), `switching_score`, `status` (`discontinued` after 5 lots not "
    "accepted on tightened inspection) and the `history` of verdicts and resumptions. Only original lots count; "
    "a lot resubmitted after rework does not. The plan follows the contract's accepted amendments "
    "(`kz.sdo.order.amended.v1`, in amendment order: one arriving after a later one changes nothing): `quantity` "
    "and `contract_price` are those in force, `remaining_quantity` the units still to accept, `largest_next_lot` "
    "how a lot of all of them would be sampled, and `amendments` what each changed of these figures. A lot is "
    "sized by its own `lot_size`; one larger than what remains is inspected as submitted and says so "
    "(`exceeds_remaining`). `ETag`/`If-None-Match` supported. "
    f"{_READERS}",
)
async def get_plan(order_id: UUID, principal: Reader, session: ReadSessionDep, request: Request) -> Response:
    row = await reads.plan(session, order_id, principal.supplier_scope)
    if row is None:
        raise NotFound(f"No acceptance plan for order {order_id}.")
    return json_with_etag(request, AcceptancePlanPublic.of(row), row.version)


@router.post(
    "/plans/{order_id}/resume",
    tags=["plans"],
    response_model=AcceptancePlanPublic,
    responses={
        409: {"description": "Inspection of this order is not discontinued (`current_status`, `allowed_actions`)."},
        422: {"description": "No `reason`."},
    },
    summary="Resume a discontinued inspection",
    description="ISO 2859-1 10.3: once the supplier has acted on the quality of its lots, the responsible "
    "authority resumes inspection, at tightened inspection. Publishes `kz.sdo.quality.inspection_resumed.v1`; "
    "a lot submitted while inspection was discontinued is opened now. Roles: mod_officer, integration.",
)
async def resume_plan(order_id: UUID, body: ResumeRequest, principal: Resumer, cmd: CommandDep) -> Response:
    command = ResumeInspection(order_id, body.reason, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.resume_inspection(uow, command), present=_plan)


def _plan(plan: OrderPlan) -> CommandResult:
    return CommandResult(body=AcceptancePlanPublic.of(plan), version=plan.version)


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
    rows = await reads.inspections(
        session,
        supplier_scope=principal.supplier_scope,
        order_id=order_id,
        status=status,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    page, next_cursor = split_page(list(rows), limit, lambda r: [as_utc(r.opened_at).isoformat(), r.id])
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
    row = await reads.inspection(session, inspection_id, principal.supplier_scope)
    if row is None:
        raise NotFound(f"No inspection {inspection_id}.")
    return json_with_etag(request, InspectionPublic.of(row), row.version)


async def _visible_inspection(session: ReadSessionDep, inspection_id: UUID, principal: Principal) -> None:
    if await reads.inspection(session, inspection_id, principal.supplier_scope) is None:
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
    rows = await reads.measurements(session, inspection_id, after=after[0] if after else None, limit=limit)
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
    row = await reads.measurement(session, inspection_id, unit_serial)
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
    inspection_id: UUID, body: MeasurementCreate, principal: Measurer, cmd: CommandDep
) -> Response:
    command = RecordMeasurement(inspection_id, body.unit_serial, body.values, principal, cmd.expected)
    return await cmd.run(principal, lambda uow: handlers.record_measurement(uow, command), present=_measured)


def _measured(result: tuple[Inspection, Measurement]) -> CommandResult:
    inspection, measurement = result
    location = f"/api/v1/inspections/{inspection.id}/measurements/{quote(measurement.unit_serial, safe='')}"
    body = MeasurementPublic.of(measurement)
    return CommandResult(body=body, status=201, location=location, version=inspection.version)


@router.post(
    "/inspections/{inspection_id}/complete",
    tags=["inspections"],
    response_model=InspectionPublic,
    responses={409: {"description": "Fewer than `sample_size` units are measured, or the inspection is closed."}},
    summary="Complete an inspection with its verdict",
    description="Needs `sample_size` units measured. `rejected` if any critical requirement failed or "
    "`defective_units >= reject`, else `accepted`. An accepted lot gets a certificate and publishes "
    "`kz.sdo.quality.lot_accepted.v1`; a rejected one lists its nonconformities, opens a nonconformance report "
    "and publishes `kz.sdo.quality.lot_rejected.v1`. The verdict of an original lot moves the order's series "
    "(ISO 2859-1 clause 9): it may switch the severity of the next lot, or discontinue inspection "
    "(`kz.sdo.quality.inspection_discontinued.v1`). Role: quality_inspector.",
)
async def complete_inspection(inspection_id: UUID, principal: Completer, cmd: CommandDep) -> Response:
    reduced = bool(getattr(cmd.runtime.settings, "reduced_inspection", False))
    command = CompleteInspection(inspection_id, principal, cmd.expected, reduced_inspection=reduced)
    return await cmd.run(principal, lambda uow: handlers.complete_inspection(uow, command), present=_completed)


def _completed(inspection: Inspection) -> CommandResult:
    return CommandResult(body=InspectionPublic.of(inspection), version=inspection.version)


@router.get(
    "/certificates",
    tags=["certificates"],
    response_model_exclude_unset=True,
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
    rows = await reads.certificates(
        session,
        supplier_scope=principal.supplier_scope,
        order_id=order_id,
        after=after[0] if after else None,
        limit=limit,
    )
    page, next_cursor = split_page(list(rows), limit, lambda r: [r.number])
    return Page[CertificatePublic](items=[CertificatePublic.of(r) for r in page], next_cursor=next_cursor)


def _wants_pdf(accept: str | None) -> bool:
    """Whether ``Accept`` prefers the printable PDF over JSON (the default)."""
    if not accept:
        return False
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media.lower()] = max(quality, weights.get(media.lower(), 0.0))
    pdf = weights.get(PDF_MEDIA_TYPE, 0.0)
    json = max(weights.get("application/json", 0.0), weights.get("application/*", 0.0), weights.get("*/*", 0.0))
    return (pdf > 0 and pdf > json) or (pdf > 0 and "application/json" not in weights and PDF_MEDIA_TYPE in accept)


@router.get(
    "/certificates/{certificate_id}",
    tags=["certificates"],
    response_model=CertificatePublic,
    response_model_exclude_unset=True,
    responses={
        200: {
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The certificate as JSON, or as a printable PDF with `Accept: application/pdf`.",
        },
        503: {
            "description": "A PDF was asked for and no font to print it is installed (see `SDO_PDF_FONT`).",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        },
        **_NOT_MODIFIED,
    },
    summary="Read a certificate",
    description="What AQAP-2131 asks a certificate of conformity to say: supplier, order and lot, quantity "
    "accepted, the plan and severity used, the requirements checked, the inspector, the concession if any and "
    "the statement of conformity. `sha256` is the hex SHA-256 of the canonical JSON (keys sorted, no spaces, "
    "UTF-8, numbers that are not integers as decimal strings) of every other member, so anyone can recompute "
    "it. `Accept: application/pdf` answers a printable PDF with the same content. "
    f"`ETag`/`If-None-Match` supported. {_READERS}",
)
async def get_certificate(
    certificate_id: UUID, principal: Reader, session: ReadSessionDep, request: Request, runtime: RuntimeDep
) -> Response:
    row = await reads.certificate(session, certificate_id, principal.supplier_scope)
    if row is None:
        raise NotFound(f"No certificate {certificate_id}.")
    body = CertificatePublic.of(row).body()
    if not _wants_pdf(request.headers.get("accept")):
        return json_with_etag(request, body, row.version)
    headers = {"ETag": etag(row.version)}
    if is_not_modified(request, row.version):
        return Response(status_code=304, headers=headers)
    try:
        font = find_font(getattr(runtime.settings, "pdf_font", None))
    except PdfFontMissing as exc:
        raise ServiceUnavailable(str(exc), retry_after=300) from exc
    document = {k: v for k, v in body.items() if k != "sha256"}
    content = render(document, body["sha256"], font=font)
    headers["Content-Disposition"] = f'inline; filename="{row.number}.pdf"'
    return Response(content, media_type=PDF_MEDIA_TYPE, headers=headers)


@router.get(
    "/nonconformances",
    tags=["nonconformances"],
    summary="List nonconformance reports",
    description=f"Oldest first; filter by `order_id` and `status`. Cursor pages. {_READERS}",
)
async def list_nonconformances(
    principal: Reader,
    session: ReadSessionDep,
    order_id: Annotated[UUID | None, Query(description="Only this order's reports.")] = None,
    status: Annotated[NonconformanceStatusName | None, Query(description="open or dispositioned.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[NonconformancePublic]:
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    rows = await reads.nonconformances(
        session,
        supplier_scope=principal.supplier_scope,
        order_id=order_id,
        status=status,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    page, next_cursor = split_page(list(rows), limit, lambda r: [as_utc(r.opened_at).isoformat(), r.id])
    return Page[NonconformancePublic](items=[NonconformancePublic.of(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/nonconformances/{nonconformance_id}",
    tags=["nonconformances"],
    response_model=NonconformancePublic,
    responses=_NOT_MODIFIED,
    summary="Read a nonconformance report",
    description="What failed on a rejected lot (`defects`, `critical`) and its disposition. "
    f"`ETag`/`If-None-Match` supported. {_READERS}",
)
async def get_nonconformance(
    nonconformance_id: UUID, principal: Reader, session: ReadSessionDep, request: Request
) -> Response:
    row = await reads.nonconformance(session, nonconformance_id, principal.supplier_scope)
    if row is None:
        raise NotFound(f"No nonconformance report {nonconformance_id}.")
    return json_with_etag(request, NonconformancePublic.of(row), row.version)


@router.post(
    "/nonconformances/{nonconformance_id}/disposition",
    tags=["nonconformances"],
    response_model=NonconformancePublic,
    responses={
        409: {
            "description": "Already dispositioned (`current_status`, `allowed_actions`), `use_as_is` of a lot "
            "with a critical failure (`critical-requirement-failed`), or the order was cancelled."
        },
        422: {"description": "A bad `disposition`, `reason` or `price_reduction` (KZT only, > 0, for `use_as_is`)."},
    },
    summary="Disposition a nonconforming lot",
    description="Once per report (FAR 46.407): `rework` or `repair` (the order stays in rework; the supplier "
    "resubmits the lot), `use_as_is` with a `price_reduction` (accepted under concession: a certificate with "
    "`concession: true` and `kz.sdo.quality.lot_accepted.v1` with `concession` and `price_reduction_kzt`; "
    "refused when a critical requirement failed), `scrap` or `return` (the lot's units go back to production). "
    "Every disposition publishes `kz.sdo.quality.nonconformance_dispositioned.v1`. The reduction is in KZT only "
    "(the quality service converts no currency) and below the order's price in force (the contract's or its last "
    "amendment's, less the concessions granted since: the plan's `contract_price`). Roles: mod_officer, "
    "integration.",
)
async def disposition_nonconformance(
    nonconformance_id: UUID, body: DispositionRequest, principal: Dispositioner, cmd: CommandDep
) -> Response:
    price = None if body.price_reduction is None else body.price_reduction.model_dump()
    command = DispositionNonconformance(
        nonconformance_id, body.disposition, body.reason, price, principal, cmd.expected
    )
    return await cmd.run(
        principal, lambda uow: handlers.disposition_nonconformance(uow, command), present=_dispositioned
    )


def _dispositioned(report: Nonconformance) -> CommandResult:
    return CommandResult(body=NonconformancePublic.of(report), version=report.version)
