"""Annotated dependencies routes use: the runtime, a read session, conditional headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain function dependency in a worker thread, a hop per request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_read_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.db.read_session() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]

IfNoneMatch = Annotated[
    str | None, Header(alias="If-None-Match", description="The `ETag` last read; unchanged answers 304.")
]
