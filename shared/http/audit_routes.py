"""``GET /api/v1/audit`` and ``GET /api/v1/audit/verify``, the same in every service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from shared import audit
from shared.auth import Principal, Role, allow
from shared.http.deps import ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
AuditReader = Annotated[Principal, allow(Role.AUDITOR, Role.INTEGRATION)]


class AuditEntry(BaseModel):
    seq: int
    id: str
    at: str
    actor: str
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any]
    request_id: str | None
    prev_hash: str
    hash: str


class AuditVerification(BaseModel):
    valid: bool
    entries: int
    broken_at: dict[str, Any] | None = None


@router.get(
    "",
    summary="Read the audit log",
    description="Entries oldest first; filter by `resource_id`. Roles: auditor, integration.",
)
async def list_entries(
    _: AuditReader,
    session: ReadSessionDep,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AuditEntry]:
    query = select(audit.audit_log).order_by(audit.audit_log.c.seq).limit(limit + 1)
    if resource_id:
        query = query.where(audit.audit_log.c.resource_id == resource_id)
    after = decode_cursor(cursor, int)
    if after:
        query = query.where(audit.audit_log.c.seq > after[0])
    rows = (await session.execute(query)).all()
    page, next_cursor = split_page(rows, limit, lambda r: [r.seq])
    return Page[AuditEntry](items=[AuditEntry(**audit.public_entry(r)) for r in page], next_cursor=next_cursor)


@router.get(
    "/verify",
    response_model_exclude_none=True,
    summary="Verify the audit chain",
    description="Recomputes every hash: `{valid, entries}` or the first broken entry.",
)
async def verify(_: AuditReader, runtime: RuntimeDep) -> AuditVerification:
    async with runtime.db.connect() as conn:
        return AuditVerification(**await audit.verify(conn))
