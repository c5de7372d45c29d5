"""A test-only service on the shared kernel that suppliers write to: the edge is tried through it.

Resource: notes. A supplier (or an officer) creates one (Idempotency-Key, 201); a supplier lists
its own, an officer every note. Tags are a bounded list. A route that fails unexpectedly (500).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

import orjson
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import Field as Column
from starlette.responses import Response

from shared.auth import Principal, Role, allow, allow_all
from shared.db import service_model_base
from shared.http.commands import CommandDep, CommandResult
from shared.http.deps import ReadSessionDep
from shared.http.pagination import Page
from shared.service import ServiceSpec, build_app
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork

NOTE_CREATED = "kz.sdo.note.created.v1"

NotesTable = service_model_base("notes")
metadata = NotesTable.metadata


class Note(NotesTable, table=True):
    __tablename__ = "notes"

    id: UUID = Column(primary_key=True)
    text: str = Column(max_length=2000)
    tags: str = Column(max_length=2000)
    supplier_id: UUID | None = None
    author: str = Column(max_length=200)


class NoteSettings(ServiceSettings):
    service_name = "notes"


Tag = Annotated[str, Field(min_length=1, max_length=20)]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=10)


class NotePublic(BaseModel):
    id: UUID
    text: str
    tags: list[str]
    supplier_id: UUID | None
    author: str


@dataclass
class Gate:
    """Holds the creates of one supplier inside their transaction until the test releases them."""

    supplier_id: UUID
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


def _public(note: Note) -> NotePublic:
    return NotePublic(
        id=note.id, text=note.text, tags=orjson.loads(note.tags), supplier_id=note.supplier_id, author=note.author
    )


async def create_note(uow: UnitOfWork, body: NoteCreate, principal: Principal, gate: Gate | None) -> CommandResult:
    if gate is not None and gate.supplier_id == principal.supplier_id:
        gate.entered.set()
        await gate.release.wait()
    note = Note(
        id=uuid4(),
        text=body.text,
        tags=orjson.dumps(body.tags).decode(),
        supplier_id=principal.supplier_id,
        author=principal.sub,
    )
    uow.session.add(note)
    uow.record("note.created", "note", note.id, {"text": body.text})
    uow.emit(NOTE_CREATED, note.id, {"id": str(note.id)})
    return CommandResult(body=_public(note), status=201, location=f"/api/v1/notes/{note.id}", version=1)


router = APIRouter(prefix="/api/v1", tags=["notes"])
Writer = Annotated[Principal, allow(Role.SUPPLIER, Role.MOD_OFFICER)]
Reader = Annotated[Principal, allow_all()]


@router.post("/notes", status_code=201, response_model=NotePublic, summary="Create a note", description="A note.")
async def create(body: NoteCreate, principal: Writer, cmd: CommandDep, request: Request) -> Response:
    gate: Gate | None = getattr(request.app.state, "gate", None)
    return await cmd.run(principal, lambda uow: create_note(uow, body, principal, gate))


@router.get("/notes", response_model=Page[NotePublic], summary="List notes", description="A supplier's own.")
async def list_notes(principal: Reader, session: ReadSessionDep) -> Page[NotePublic]:
    query = select(Note).order_by(Note.text, Note.id)
    scope = principal.supplier_scope
    if scope is not None:
        query = query.where(Note.supplier_id == scope)
    return Page[NotePublic](items=[_public(n) for n in (await session.execute(query)).scalars()])


@router.get("/notes-boom", summary="Fails", description="Raises an unexpected error.")
async def boom(_: Reader) -> dict[str, str]:
    raise RuntimeError("an unexpected failure")


def create_app(settings: NoteSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="notes",
        title="Notes",
        description="Test-only service for the edge: body limit, rate limit, headers, tokens, keys.",
        settings_factory=NoteSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
        publishes=[NOTE_CREATED],
    )
    return build_app(spec, settings)
