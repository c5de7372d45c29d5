"""The yardstick for writes: what a naive service does to create an order.

FastAPI validates the body with a pydantic model, then one asyncpg transaction inserts the order row
and its outbox row, and the order is answered as JSON. No history, feed, audit or idempotency rows:
this is the floor a real create is compared with. The database comes from ``SDO_BENCH_NAIVE_DSN``.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    category text NOT NULL,
    quantity integer NOT NULL,
    status text NOT NULL,
    version integer NOT NULL,
    specification jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    routing_key text NOT NULL,
    body bytea NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at timestamptz
);
"""


class Money(BaseModel):
    amount: str
    currency: str


class OrderIn(BaseModel):
    title: str
    category: str
    quantity: int
    unit: str
    delivery_deadline: date
    delivery_location: str
    price_ceiling: Money
    funding_source: str
    min_local_content: float
    required_certifications: list[str] = []
    aql: float = 1.0
    technical_requirements: list[dict[str, Any]]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["SDO_BENCH_NAIVE_DSN"])
    async with app.state.pool.acquire() as conn:
        await conn.execute(SCHEMA)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/orders", status_code=201)
async def create_order(body: OrderIn) -> dict[str, Any]:
    order_id, now = uuid4(), datetime.now(UTC)
    specification = body.model_dump(mode="json")
    event_id = uuid4()
    event = {"type": "kz.sdo.order.created.v1", "id": str(event_id), "subject": str(order_id), "data": specification}
    async with app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO orders (id, title, category, quantity, status, version, specification, created_at)"
            " VALUES ($1, $2, $3, $4, 'draft', 1, $5, $6)",
            order_id,
            body.title,
            body.category,
            body.quantity,
            json.dumps(specification),
            now,
        )
        await conn.execute(
            "INSERT INTO outbox (event_id, routing_key, body, created_at) VALUES ($1, 'order.created', $2, $3)",
            event_id,
            json.dumps(event).encode(),
            now,
        )
    return {"id": str(order_id), "status": "draft", "version": 1, "created_at": now.isoformat(), **specification}
