"""``/api/v1/webhooks``: subscribe to the service's events, read and delete subscriptions, read deliveries.

Who may subscribe: a supplier (it receives only events whose ``data.supplier_id`` is its own) and the
ministries' systems and officers — integration, mod_officer, mic_officer, fund_officer — who receive
every event they subscribe to. A subscription belongs to its supplier (any of its tokens) or, for the
others, to the token's issuer and ``sub``; the owner reads and deletes it, an auditor reads every one.
Nobody else learns that it exists (404).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from shared.auth import Principal, Role, allow
from shared.http.commands import Command, CommandResult
from shared.http.conditional import json_with_etag, parse_if_match
from shared.http.deps import IfNoneMatch, ReadSessionDep, RuntimeDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.problems import Conflict, NotFound, ValidationProblem
from shared.http.request_id import current_request_id
from shared.http.responses import json_response
from shared.uow import UnitOfWork
from shared.versioning import Expected, check_version
from shared.webhooks import signing
from shared.webhooks.destinations import MAX_URL_LENGTH, URL_PATTERN, DestinationRefused, EgressPolicy
from shared.webhooks.fanout import MAX_PATTERN_LENGTH, PATTERN, unmatched
from shared.webhooks.tables import STATUSES, attempts, deliveries, subscriptions

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

SUBSCRIBERS = (Role.SUPPLIER, Role.INTEGRATION, Role.MOD_OFFICER, Role.MIC_OFFICER, Role.FUND_OFFICER)
Subscriber = Annotated[Principal, allow(*SUBSCRIBERS)]
Reader = Annotated[Principal, allow(*SUBSCRIBERS, Role.AUDITOR)]
WebhookId = Annotated[UUID, Path(description="The subscription's id.")]

MAX_PATTERNS = 50
# Subscriptions are immutable: every one is at version 1 (its ETag), for If-Match on DELETE.
VERSION = 1

EventPattern = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PATTERN_LENGTH, pattern=PATTERN)]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.supplier.example/sdo/events",
                    "events": ["kz.sdo.order.contracted.v1", "kz.sdo.order.*"],
                    "description": "Our ERP's order intake",
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        pattern=URL_PATTERN,
        description="Where deliveries are POSTed: http or https, no credentials, no fragment; the host must resolve "
        "to an address in the networks the operator allows (`SDO_WEBHOOK_ALLOWED_NETWORKS`).",
    )
    events: list[EventPattern] = Field(
        min_length=1,
        max_length=MAX_PATTERNS,
        description="Event types (`kz.sdo.order.contracted.v1`) or patterns where `*` matches any run of "
        "characters (`kz.sdo.order.*`, `*`); each must match a type this service publishes.",
    )
    description: str | None = Field(default=None, max_length=500)


class Webhook(BaseModel):
    id: UUID
    url: str
    events: list[str]
    description: str | None
    supplier_id: UUID | None = Field(
        description="For a supplier's subscription: only events whose `data.supplier_id` is this supplier."
    )
    created_at: datetime
    version: int


class WebhookCreated(Webhook):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64), shown only in this answer. Verify each delivery's "
        "`webhook-signature` with it (Standard Webhooks)."
    )


class Attempt(BaseModel):
    number: int
    at: datetime
    status_code: int | None = Field(description="The receiver's status; null when it did not answer.")
    error: str | None = Field(description="Why the attempt failed; null on success.")
    duration_ms: int


class Delivery(BaseModel):
    id: int
    event_id: UUID
    event_type: str
    status: Literal["pending", "delivered", "parked"]
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When the next attempt is due; null once settled.")
    attempts: list[Attempt]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive datetimes


def _public(row: Any) -> dict[str, Any]:
    return Webhook(
        id=UUID(row.id),
        url=row.url,
        events=orjson.loads(row.events),
        description=row.description,
        supplier_id=UUID(row.supplier_id) if row.supplier_id else None,
        created_at=_utc(row.created_at) or datetime.now(UTC),
        version=VERSION,
    ).model_dump(mode="json")


def _stamp(row: Any) -> str:
    moment = _utc(row.created_at)
    return moment.isoformat() if moment else ""


def _owned_by(principal: Principal) -> ColumnElement[bool]:
    c = subscriptions.c
    if principal.supplier_scope is not None:
        return c.supplier_id == str(principal.supplier_scope)
    issuer, sub, _ = principal.caller
    return and_(c.supplier_id.is_(None), c.owner_issuer == issuer, c.owner_sub == sub)


def _visible_to(principal: Principal) -> ColumnElement[bool]:
    if principal.supplier_scope is None and Role.AUDITOR in principal.effective_roles:
        return true()  # an auditor reads every subscription
    return _owned_by(principal)


async def _find(session: AsyncSession, webhook_id: UUID, where: ColumnElement[bool]) -> Any:
    query = select(subscriptions).where(subscriptions.c.id == str(webhook_id), where)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"No webhook {webhook_id}.")
    return row


class KernelCommand(Command):
    """A command on the kernel's own tables: its handler gets the kernel unit of work, not the service's."""

    async def run(self, principal: Principal, handler: Any, present: Any = None) -> Response:
        self.runtime = replace(self.runtime, service_uow=lambda uow: uow)
        return await super().run(principal, handler, present)


KernelCommandDep = Annotated[KernelCommand, Depends()]


def _check_events(patterns: list[str], published: frozenset[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(patterns))
    if published is None:
        return chosen
    errors = [
        {"field": f"events[{patterns.index(p)}]", "message": "matches no event type this service publishes"}
        for p in unmatched(chosen, published)
    ]
    if errors:
        raise ValidationProblem(errors)
    return chosen


async def _create(
    uow: UnitOfWork, principal: Principal, body: WebhookCreate, events: list[str], max_per_owner: int
) -> CommandResult:
    session = uow.session
    held = (await session.execute(select(func.count()).select_from(subscriptions).where(_owned_by(principal)))).scalar()
    if (held or 0) >= max_per_owner:
        raise Conflict(
            f"This caller already holds {max_per_owner} webhooks (SDO_WEBHOOK_MAX_PER_OWNER); delete one first.",
            slug="webhook-limit",
        )
    issuer, sub, _ = principal.caller
    supplier = str(principal.supplier_scope) if principal.supplier_scope is not None else None
    row = {
        "id": str(uuid4()),
        "url": body.url,
        "events": orjson.dumps(events).decode(),
        "description": body.description,
        "secret": signing.new_secret(),
        "owner_issuer": issuer,
        "owner_sub": sub,
        "supplier_id": supplier,
        "created_at": datetime.now(UTC),
    }
    await session.execute(subscriptions.insert().values(**row))
    uow.record("webhook.created", "webhook", row["id"], {"url": body.url, "events": events, "supplier_id": supplier})
    created = WebhookCreated(**_public(_Row(row)), secret=row["secret"])
    return CommandResult(created, 201, f"/api/v1/webhooks/{row['id']}", VERSION)


class _Row:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


@router.post(
    "",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe to events",
    description="Registers `url` for the event types or patterns in `events` and answers 201 with the subscription "
    "and its signing secret, shown only here. Each matching event that commits from now on is POSTed to the URL "
    "as a CloudEvent in HTTP binary mode (`ce-*` headers, the body is the event's `data`), signed per Standard "
    "Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "
    '"id.timestamp.body">` keyed with the secret\'s decoded bytes). A 2xx settles a delivery; otherwise it is '
    "retried with exponential backoff and parked after the last attempt (`SDO_WEBHOOK_MAX_ATTEMPTS`). A supplier "
    "receives only events whose `data.supplier_id` is its own. Roles: supplier, integration, mod_officer, "
    "mic_officer, fund_officer.",
)
async def create_webhook(
    request: Request, body: WebhookCreate, principal: Subscriber, runtime: RuntimeDep, cmd: KernelCommandDep
) -> Response:
    events = _check_events(body.events, runtime.publishes)
    assert runtime.webhooks is not None
    policy: EgressPolicy = runtime.webhooks.policy
    try:
        await policy.check(body.url)
    except DestinationRefused as exc:
        raise ValidationProblem([{"field": "url", "message": str(exc)}]) from None
    limit = runtime.webhooks.settings.max_per_owner
    return await cmd.run(principal, lambda uow: _create(uow, principal, body, events, limit))


@router.get(
    "",
    response_model=Page[Webhook],
    summary="List webhooks",
    description="The caller's own subscriptions, newest first (an auditor's: every one). No secrets. "
    "Roles: supplier, integration, mod_officer, mic_officer, fund_officer, auditor.",
)
async def list_webhooks(
    principal: Reader, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Response:
    c = subscriptions.c
    query = select(subscriptions).where(_visible_to(principal)).order_by(c.created_at.desc(), c.id.desc())
    after = decode_cursor(cursor, str, str)
    if after:
        moment = datetime.fromisoformat(after[0])
        query = query.where(or_(c.created_at < moment, and_(c.created_at == moment, c.id < after[1])))
    rows = list((await session.execute(query.limit(limit + 1))).all())
    page, next_cursor = split_page(rows, limit, lambda r: [_stamp(r), r.id])
    return json_response({"items": [_public(r) for r in page], "next_cursor": next_cursor})


@router.get(
    "/{webhook_id}",
    response_model=Webhook,
    summary="Read a webhook",
    description="One subscription, no secret. The owner or an auditor; anyone else gets 404. Roles: supplier, "
    "integration, mod_officer, mic_officer, fund_officer, auditor.",
)
async def get_webhook(
    request: Request,
    webhook_id: WebhookId,
    principal: Reader,
    session: ReadSessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    row = await _find(session, webhook_id, _visible_to(principal))
    return json_with_etag(request, _public(row), VERSION)


async def _delete(uow: UnitOfWork, principal: Principal, webhook_id: UUID, expected: Expected | None) -> None:
    row = await _find(uow.session, webhook_id, _owned_by(principal))
    check_version(expected, VERSION)
    ids = select(deliveries.c.id).where(deliveries.c.subscription_id == row.id).scalar_subquery()
    await uow.session.execute(delete(attempts).where(attempts.c.delivery_id.in_(ids)))
    await uow.session.execute(delete(deliveries).where(deliveries.c.subscription_id == row.id))
    await uow.session.execute(delete(subscriptions).where(subscriptions.c.id == row.id))
    uow.record("webhook.deleted", "webhook", row.id, {"url": row.url})


@router.delete(
    "/{webhook_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a webhook",
    description="Stops deliveries at once (pending ones are dropped with the subscription's delivery log). "
    "The owner only; anyone else gets 404. Roles: supplier, integration, mod_officer, mic_officer, fund_officer.",
)
async def delete_webhook(
    webhook_id: WebhookId,
    principal: Subscriber,
    runtime: RuntimeDep,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='Expected `ETag` (`"1"`); a stale one answers 412.')
    ] = None,
) -> Response:
    # DELETE is idempotent by itself (RFC 9110): no Idempotency-Key, and a second one answers 404.
    async with runtime.uow(actor=principal.sub, correlation_id=current_request_id()) as uow:
        await _delete(uow, principal, webhook_id, parse_if_match(if_match))
        await uow.commit()
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[Delivery],
    summary="Read a webhook's deliveries",
    description="Newest first, each with every attempt (`at`, `status_code`, `error`, `duration_ms`) and, while "
    "pending, `next_attempt_at`; filter by `status`. The owner or an auditor. Roles: supplier, integration, "
    "mod_officer, mic_officer, fund_officer, auditor.",
)
async def list_deliveries(
    webhook_id: WebhookId,
    principal: Reader,
    session: ReadSessionDep,
    status: Annotated[Literal["pending", "delivered", "parked"] | None, Query(description="Only these.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Response:
    row = await _find(session, webhook_id, _visible_to(principal))
    d = deliveries.c
    query = select(deliveries).where(d.subscription_id == row.id).order_by(d.id.desc()).limit(limit + 1)
    if status is not None:
        query = query.where(d.status == status)
    after = decode_cursor(cursor, int)
    if after:
        query = query.where(d.id < after[0])
    found = list((await session.execute(query)).all())
    page, next_cursor = split_page(found, limit, lambda r: [r.id])
    tried: dict[int, list[dict[str, Any]]] = {r.id: [] for r in page}
    if page:
        a = attempts.c
        rows = await session.execute(select(attempts).where(a.delivery_id.in_(list(tried))).order_by(a.number))
        for attempt in rows.all():
            tried[attempt.delivery_id].append(
                Attempt(
                    number=attempt.number,
                    at=_utc(attempt.at) or datetime.now(UTC),
                    status_code=attempt.status_code,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                ).model_dump(mode="json")
            )
    items = [
        {
            "id": r.id,
            "event_id": r.event_id,
            "event_type": r.event_type,
            "status": r.status if r.status in STATUSES else "pending",
            "created_at": _utc(r.created_at),
            "delivered_at": _utc(r.delivered_at),
            "next_attempt_at": _utc(r.next_attempt_at),
            "attempts": tried[r.id],
        }
        for r in page
    ]
    return json_response({"items": items, "next_cursor": next_cursor})
