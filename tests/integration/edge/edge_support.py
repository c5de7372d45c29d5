"""Helpers of the edge tests: start the notes service, count its rows, call it as a raw ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from tests.integration.edge.edge_app import NoteSettings, create_app
from tests.support import JWT_SECRET, running


def settings(database_url: str, **overrides: Any) -> NoteSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": f"memory://edge-{uuid4().hex}",
        "jwt_secret": JWT_SECRET,
    }
    values.update(overrides)
    return NoteSettings(**values)


@asynccontextmanager
async def notes(database_url: str, **overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The notes service, started with its lifespan, and a client talking to it."""
    app = create_app(settings(database_url, **overrides))
    async with running(app) as client:
        yield app, client


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    """Another client of a running app, calling from ``address``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def scalar(app: FastAPI, sql: str, **params: Any) -> Any:
    async with app.state.runtime.db.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(app: FastAPI, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with app.state.runtime.db.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def stored(app: FastAPI) -> tuple[int, int, int, int]:
    """Notes, outbox rows, audit entries and idempotency records: what a refused request must not add."""
    return (
        await scalar(app, "SELECT count(*) FROM notes"),
        await scalar(app, "SELECT count(*) FROM sdo_outbox"),
        await scalar(app, "SELECT count(*) FROM sdo_audit_log"),
        await scalar(app, "SELECT count(*) FROM sdo_idempotency"),
    )


class RawCall:
    """One request sent straight to the ASGI app: what it read of the body and what it answered."""

    def __init__(self, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("203.0.113.9", 50000),
            "server": ("testserver", 80),
        }
        self.chunks = list(chunks)
        self.reads = 0
        self.messages: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.reads += 1
        if self.chunks:
            chunk = self.chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    async def __call__(self, app: FastAPI) -> RawCall:
        await app(self.scope, self.receive, self.send)
        return self

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.messages if m["type"] == "http.response.start"))

    @property
    def headers(self) -> dict[str, str]:
        start = next(m for m in self.messages if m["type"] == "http.response.start")
        return {k.decode().lower(): v.decode() for k, v in start["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")
