"""``GET /api/v1/audit``, ``/audit/verify`` and ``/audit/checkpoints``, the same in every service.

``/verify`` walks the local chain and, where ``SDO_AUDIT_PEERS`` names the peers, asks each for the
checkpoints it keeps of this service (with the caller's own bearer token) and tells whether the
chain still holds every one of them: a chain rewritten whole, head included, verifies as valid but
not as anchored. A peer that does not answer is reported, and the chain is then not called anchored.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from shared import audit
from shared.auth import Principal, Role, allow
from shared.http.deps import ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.settings import ServiceSettings

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
# The largest page a peer's checkpoint list gives.
PEER_PAGE = 500
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


class KeptCheckpoint(BaseModel):
    """Another service's chain head as it published it: ``entries`` entries, the last hashing to ``head_hash``."""

    service: str
    entries: int
    head_hash: str
    event_id: str
    published_at: datetime
    received_at: datetime


class PeerAnswer(BaseModel):
    service: str
    url: str
    reachable: bool
    checkpoints: int = Field(0, description="How many checkpoints of this service the peer keeps.")
    latest_entries: int | None = Field(None, description="The highest entry count among them.")
    error: str | None = None


class CheckpointMismatch(BaseModel):
    entries: int
    head_hash: str = Field(description="The head hash the peers hold.")
    local_hash: str | None = Field(description="The local entry's hash now; null when the entry is gone.")
    held_by: list[str]


class Anchoring(BaseModel):
    checkpoints: int = Field(description="Distinct checkpoints compared with the local chain.")
    anchored_entries: int = Field(description="The entries up to the latest checkpoint the local chain still holds.")
    peers: list[PeerAnswer]
    mismatches: list[CheckpointMismatch] = Field(description="Checkpoints the chain no longer holds (the first 50).")


class AuditVerification(BaseModel):
    valid: bool
    entries: int
    broken_at: dict[str, Any] | None = None
    anchored: bool | None = Field(
        None,
        description="Whether the chain still holds every checkpoint the peers keep of it; "
        "absent when no peers are configured (SDO_AUDIT_PEERS).",
    )
    anchoring: Anchoring | None = None


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
    rows = list((await session.execute(query)).all())
    page, next_cursor = split_page(rows, limit, lambda r: [r.seq])
    return Page[AuditEntry](items=[AuditEntry(**audit.public_entry(r)) for r in page], next_cursor=next_cursor)


@router.get(
    "/verify",
    response_model_exclude_none=True,
    summary="Verify the audit chain",
    description=(
        "Recomputes every hash: `{valid, entries}` or the first broken entry. Where peers are configured "
        "(`SDO_AUDIT_PEERS`), also asks each for the checkpoints it keeps of this service (forwarding the "
        "caller's token) and answers `anchored`: whether the chain still holds every one of them, with "
        "what was compared. A peer that does not answer makes `anchored` false and is named."
    ),
)
async def verify(_: AuditReader, request: Request, runtime: RuntimeDep) -> AuditVerification:
    peers = runtime.settings.audit_peer_urls()
    # The peers first: a checkpoint is published only after its entries are committed here.
    answers = await _ask_peers(peers, runtime.name, request.headers.get("authorization"), runtime.settings)
    async with runtime.db.connect() as conn:
        result = AuditVerification(**await audit.verify(conn))
    if not peers:
        return result
    held: dict[tuple[int, str], set[str]] = defaultdict(set)
    for answer, checkpoints in answers:
        for checkpoint in checkpoints:
            held[(checkpoint.entries, checkpoint.head_hash)].add(answer.service)
    async with runtime.db.connect() as conn:
        mismatches = await audit.compare_checkpoints(conn, held)
    missing = {(m["entries"], m["head_hash"]) for m in mismatches}
    result.anchored = not mismatches and all(answer.reachable for answer, _ in answers)
    result.anchoring = Anchoring(
        checkpoints=len(held),
        anchored_entries=max((n for n, h in held if (n, h) not in missing), default=0),
        peers=[answer for answer, _ in answers],
        mismatches=[CheckpointMismatch(**m) for m in mismatches[:50]],
    )
    return result


@router.get(
    "/checkpoints",
    summary="Checkpoints kept of the other services' chains",
    description=(
        "The audit chain heads the other services published (`kz.sdo.audit.checkpoint.v1`), as this service "
        "received and keeps them, oldest first; filter by `service`. A service checks its own chain against "
        "these (`/audit/verify`). Roles: auditor, integration."
    ),
)
async def list_checkpoints(
    _: AuditReader,
    session: ReadSessionDep,
    service: Annotated[str | None, Query(max_length=60, description="The service whose chain heads to list.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[KeptCheckpoint]:
    table = audit.audit_checkpoints
    query = select(table).order_by(table.c.id).limit(limit + 1)
    if service:
        query = query.where(table.c.service == service)
    after = decode_cursor(cursor, int)
    if after:
        query = query.where(table.c.id > after[0])
    rows = list((await session.execute(query)).all())
    page, next_cursor = split_page(rows, limit, lambda r: [r.id])
    return Page[KeptCheckpoint](
        items=[KeptCheckpoint(**audit.public_checkpoint(r)) for r in page], next_cursor=next_cursor
    )


async def _ask_peers(
    peers: dict[str, str], service: str, authorization: str | None, settings: ServiceSettings
) -> list[tuple[PeerAnswer, list[KeptCheckpoint]]]:
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(timeout=settings.audit_peer_timeout, headers=headers) as client:
        return list(await asyncio.gather(*(_ask(client, name, url, service) for name, url in peers.items())))


async def _ask(client: httpx.AsyncClient, peer: str, url: str, service: str) -> tuple[PeerAnswer, list[KeptCheckpoint]]:
    """Every checkpoint ``peer`` keeps of ``service``, page by page."""
    kept: list[KeptCheckpoint] = []
    cursor: str | None = None
    try:
        while True:
            params: dict[str, Any] = {"service": service, "limit": PEER_PAGE}
            if cursor:
                params["cursor"] = cursor
            response = await client.get(f"{url}/api/v1/audit/checkpoints", params=params)
            if response.status_code != 200:
                raise PeerError(f"answered {response.status_code}: {response.text[:200]}")
            page = Page[KeptCheckpoint].model_validate_json(response.content)
            kept.extend(c for c in page.items if c.service == service)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
    except (httpx.HTTPError, PeerError, ValueError) as exc:
        error = str(exc) or type(exc).__name__
        return PeerAnswer(service=peer, url=url, reachable=False, error=error[:300]), []
    latest = max((c.entries for c in kept), default=None)
    return PeerAnswer(service=peer, url=url, reachable=True, checkpoints=len(kept), latest_entries=latest), kept


class PeerError(Exception):
    """A peer answered, but not with its checkpoints."""
