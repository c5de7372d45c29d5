"""The three services served over real HTTP in this process, on one in-process bus, each asking the
others for the checkpoints they keep of it; and the attacker's tools against a service's tables."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from services.orders.app import create_app as orders_app
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as quality_app
from services.quality.settings import QualitySettings
from services.suppliers.app import create_app as suppliers_app
from services.suppliers.settings import SuppliersSettings
from shared.audit import entry_hash
from tests import support

FACTORIES: dict[str, tuple[Any, Any]] = {
    "orders": (orders_app, OrdersSettings),
    "suppliers": (suppliers_app, SuppliersSettings),
    "quality": (quality_app, QualitySettings),
}
# Checkpoints in tests: often, so the peers hold the head soon.
CHECKPOINT_SECONDS = 0.2
AUDITOR = support.auth("auditor")


@dataclass
class Served:
    name: str
    app: FastAPI
    url: str
    client: httpx.AsyncClient


@asynccontextmanager
async def databases(database_url: str, names: list[str]) -> AsyncIterator[dict[str, str]]:
    """A database per service: files beside the fixture's on SQLite, new databases on PostgreSQL."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        yield {name: f"sqlite+aiosqlite:///{path.with_name(f'{path.stem}-{name}.db')}" for name in names}
        return
    urls = {name: await support.create_pg_database() for name in names}
    try:
        yield urls
    finally:
        for url in urls.values():
            await support.drop_pg_database(url)


def _socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def served(app: FastAPI, sock: socket.socket) -> AsyncIterator[None]:
    """The app behind uvicorn on ``sock``, lifespan included, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await support.eventually(lambda: _started(server, task), within=60, what="server started")
        yield
    finally:
        server.should_exit = True
        await task


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # a failed start-up raises here
    return server.started


@asynccontextmanager
async def suite(
    database_url: str, bus_url: str, names: list[str] | None = None, **settings: Any
) -> AsyncIterator[dict[str, Served]]:
    """The services on real ports, each with SDO_AUDIT_PEERS naming the others' URLs."""
    names = names or list(FACTORIES)
    sockets = {name: _socket() for name in names}
    urls = {name: f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
    peers = ",".join(f"{name}={url}" for name, url in urls.items())
    async with databases(database_url, names) as dbs, AsyncExitStack() as stack:
        started: dict[str, Served] = {}
        for name in names:
            create, settings_class = FACTORIES[name]
            values = {
                "database_url": dbs[name],
                "amqp_url": bus_url,
                "jwt_secret": support.JWT_SECRET,
                "audit_checkpoint_seconds": CHECKPOINT_SECONDS,
                "audit_peers": peers,
                **settings,
            }
            app = create(settings_class(**values))
            await stack.enter_async_context(served(app, sockets[name]))
            client = await stack.enter_async_context(httpx.AsyncClient(base_url=urls[name], timeout=30))
            started[name] = Served(name, app, urls[name], client)
        yield started


async def verify(service: Served) -> dict[str, Any]:
    response = await service.client.get("/api/v1/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def kept(service: Served, of: str) -> list[dict[str, Any]]:
    """Every checkpoint ``service`` keeps of ``of``, through its API (page by page)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"service": of, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await service.client.get("/api/v1/audit/checkpoints", params=params, headers=AUDITOR)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


# -- the attacker, with the database's superuser ---------------------------------------------------


async def rows(app: FastAPI, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with app.state.runtime.db.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def tamper(app: FastAPI, *statements: tuple[str, dict[str, Any]]) -> None:
    """Change the tables directly in one transaction; on PostgreSQL with triggers off, as a superuser can."""
    async with app.state.runtime.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql, params in statements:
            await conn.execute(text(sql), params)


async def rewrite_whole_chain(app: FastAPI, *, actor: str) -> int:
    """Put ``actor`` into entry 1 and recompute every hash after it and the head's: a consistent chain.

    Returns how many entries were rewritten.
    """
    log = await rows(app, "SELECT * FROM sdo_audit_log ORDER BY seq")
    statements: list[tuple[str, dict[str, Any]]] = []
    prev = "0" * 64
    for index, row in enumerate(log):
        changed = {**row, "prev_hash": prev, **({"actor": actor} if index == 0 else {})}
        changed["hash"] = prev = entry_hash(changed)
        statements.append(
            (
                "UPDATE sdo_audit_log SET actor = :actor, prev_hash = :prev_hash, hash = :hash WHERE seq = :seq",
                {k: changed[k] for k in ("actor", "prev_hash", "hash", "seq")},
            )
        )
    statements.append(("UPDATE sdo_audit_head SET hash = :hash", {"hash": prev}))
    await tamper(app, *statements)
    return len(log)
