"""Helpers for the kernel tests: start the widgets service, forge tokens, read its tables."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy import text

from tests.integration.kernel.kernel_app import WidgetSettings, create_app
from tests.support import JWT_SECRET, running


def settings(database_url: str, **overrides: Any) -> WidgetSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": f"memory://kernel-{uuid4().hex}",
        "jwt_secret": JWT_SECRET,
    }
    values.update(overrides)
    return WidgetSettings(**values)


@asynccontextmanager
async def widgets(database_url: str, **overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The widgets service, started with its lifespan, and a client talking to it."""
    app = create_app(settings(database_url, **overrides))
    async with running(app) as client:
        yield app, client


def claims(**changes: Any) -> dict[str, Any]:
    """Valid claims for role mod_officer; ``changes`` replace or (with None) drop claims."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "officer-1",
        "roles": ["mod_officer"],
        "iss": "sdo",
        "aud": "sdo-api",
        "iat": now,
        "exp": now + 600,
    }
    for name, value in changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def forged(key: str = JWT_SECRET, algorithm: str = "HS256", **changes: Any) -> dict[str, str]:
    return bearer(jwt.encode(claims(**changes), key, algorithm=algorithm))


async def scalar(app: FastAPI, sql: str, **params: Any) -> Any:
    async with app.state.runtime.db.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(app: FastAPI, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with app.state.runtime.db.connect() as conn:
        return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def execute(app: FastAPI, sql: str, **params: Any) -> None:
    """Change a table directly, behind the API's back (tamper tests).

    On PostgreSQL as the superuser an attacker would be: triggers off for the session
    (``session_replication_role``), so the audit log's append-only trigger does not stop it.
    """
    async with app.state.runtime.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(sql), params)
