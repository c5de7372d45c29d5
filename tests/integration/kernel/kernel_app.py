"""A test-only service built exactly like a real one, so the kernel is proven the way services use it.

Resource: widgets. Create (Idempotency-Key, 201 + Location, audit, event), read (ETag / 304),
rename (If-Match / 412), list (cursor pages), and a route that fails unexpectedly (500).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select
from sqlmodel import Field as Column
from starlette.responses import Response

from shared.auth import Principal, Role, allow, allow_all
from shared.db import service_model_base
from shared.http.commands import CommandDep, CommandResult
from shared.http.conditional import json_with_etag
from shared.http.deps import IfNoneMatch, ReadSessionDep
from shared.http.pagination import CursorQuery, LimitQuery, Page, decode_cursor, split_page
from shared.http.problems import Conflict, NotFound
from shared.service import ServiceSpec, build_app
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork
from shared.versioning import Expected, check_version

WIDGET_CREATED = "kz.sdo.widget.created.v1"
WIDGET_RENAMED = "kz.sdo.widget.renamed.v1"

WidgetsTable = service_model_base("widgets")
metadata = WidgetsTable.metadata


class Widget(WidgetsTable, table=True):
    __tablename__ = "widgets"

    id: UUID = Column(primary_key=True)
    name: str = Column(max_length=100, unique=True)
    size: int
    owner: str = Column(max_length=200)
    version: int = 1


class WidgetSettings(ServiceSettings):
    service_name = "widgets"


class Part(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    qty: int = Field(gt=0)


class WidgetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0, le=1000)
    parts: list[Part] = Field(default_factory=list)


class WidgetRename(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class WidgetPublic(BaseModel):
    id: UUID
    name: str
    size: int
    owner: str
    version: int


@dataclass
class Gate:
    """Holds a create inside its transaction until the test releases it (in-flight tests)."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def _public(widget: Widget) -> WidgetPublic:
    return WidgetPublic(id=widget.id, name=widget.name, size=widget.size, owner=widget.owner, version=widget.version)


# Handlers: no FastAPI, only the unit of work.


async def create_widget(uow: UnitOfWork, body: WidgetCreate, owner: str, gate: Gate | None) -> CommandResult:
    if gate is not None:
        gate.entered.set()
        await gate.release.wait()
    taken = (await uow.session.execute(select(Widget.id).where(Widget.name == body.name))).first()
    if taken is not None:
        raise Conflict(f"A widget named {body.name!r} already exists.")
    widget = Widget(id=uuid4(), name=body.name, size=body.size, owner=owner)
    uow.session.add(widget)
    uow.record("widget.created", "widget", widget.id, {"name": body.name, "size": body.size})
    uow.emit(WIDGET_CREATED, widget.id, {"id": str(widget.id), "name": body.name})
    return CommandResult(body=_public(widget), status=201, location=f"/api/v1/widgets/{widget.id}", version=1)


async def rename_widget(
    uow: UnitOfWork, widget_id: UUID, body: WidgetRename, expected: Expected | None
) -> CommandResult:
    widget = await uow.session.get(Widget, widget_id)
    if widget is None:
        raise NotFound(f"No widget {widget_id}.")
    check_version(expected, widget.version)
    old = widget.name
    widget.name = body.name
    widget.version += 1
    uow.record("widget.renamed", "widget", widget.id, {"from": old, "to": body.name})
    uow.emit(WIDGET_RENAMED, widget.id, {"id": str(widget.id), "name": body.name})
    return CommandResult(body=_public(widget), version=widget.version)


# Routes: thin.

router = APIRouter(prefix="/api/v1", tags=["widgets"])
Maker = Annotated[Principal, allow(Role.MOD_OFFICER, Role.INTEGRATION)]
Reader = Annotated[Principal, allow_all()]


@router.post(
    "/widgets", status_code=201, response_model=WidgetPublic, summary="Create a widget", description="A widget."
)
async def create(body: WidgetCreate, principal: Maker, cmd: CommandDep, request: Request) -> Response:
    gate: Gate | None = getattr(request.app.state, "gate", None)
    return await cmd.run(principal, lambda uow: create_widget(uow, body, principal.sub, gate))


@router.get("/widgets", response_model=Page[WidgetPublic], summary="List widgets", description="By name.")
async def list_widgets(
    _: Reader, session: ReadSessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[WidgetPublic]:
    query = select(Widget).order_by(Widget.name, Widget.id).limit(limit + 1)
    after = decode_cursor(cursor, str, UUID)
    if after:
        name, widget_id = after
        query = query.where(or_(Widget.name > name, and_(Widget.name == name, Widget.id > widget_id)))
    rows = list((await session.execute(query)).scalars())
    page, next_cursor = split_page(rows, limit, lambda w: [w.name, str(w.id)])
    return Page[WidgetPublic](items=[_public(w) for w in page], next_cursor=next_cursor)


@router.get("/widgets/{widget_id}", response_model=WidgetPublic, summary="Read a widget", description="ETag.")
async def read(
    widget_id: UUID, _: Reader, session: ReadSessionDep, request: Request, if_none_match: IfNoneMatch = None
) -> Response:
    widget = await session.get(Widget, widget_id)
    if widget is None:
        raise NotFound(f"No widget {widget_id}.")
    return json_with_etag(request, _public(widget), widget.version)


@router.post(
    "/widgets/{widget_id}/rename", response_model=WidgetPublic, summary="Rename a widget", description="If-Match."
)
async def rename(widget_id: UUID, body: WidgetRename, principal: Maker, cmd: CommandDep) -> Response:
    return await cmd.run(principal, lambda uow: rename_widget(uow, widget_id, body, cmd.expected))


# A nested router with a prefix of its own: metrics and Allow must still see the full path.
faults = APIRouter(prefix="/widgets-boom")


@faults.get("", summary="Fails", description="Raises an unexpected error.")
async def boom(_: Reader) -> dict[str, str]:
    raise RuntimeError("connection string postgresql://admin:hunter2@db/secret")


router.include_router(faults)


def create_app(settings: WidgetSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="widgets",
        title="Widgets",
        description="Test-only service on the shared kernel.",
        settings_factory=WidgetSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
    )
    return build_app(spec, settings)
