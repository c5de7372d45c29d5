"""The transactional outbox: events are rows written in the business transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.db import shared_metadata
from shared.events.envelope import CloudEvent

outbox = Table(
    "sdo_outbox",
    shared_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(120), nullable=False),
    Column("routing_key", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_sdo_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL"), sqlite_where=text("sent_at IS NULL")),
)


def rows_of(events: list[CloudEvent]) -> list[dict[str, Any]]:
    """The outbox rows of ``events``, as the table holds them (unsent, no attempt yet)."""
    now = datetime.now(UTC)
    return [
        {
            "event_id": str(e.id),
            "event_type": e.type,
            "routing_key": e.routing_key,
            "body": e.to_bytes(),
            "created_at": now,
            "attempts": 0,
        }
        for e in events
    ]


async def add(session: AsyncSession, events: list[CloudEvent]) -> None:
    if not events:
        return
    await session.execute(insert(outbox), rows_of(events))


def unsent_query(limit: int) -> Select[tuple[int, str, str, bytes]]:
    """The oldest unsent rows (SQLite, one process; on PostgreSQL the relay runs UNSENT_LOCKED_SQL)."""
    query = select(outbox.c.id, outbox.c.event_id, outbox.c.routing_key, outbox.c.body)
    return query.where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id).limit(limit)


# The relay's statements on PostgreSQL, on plain asyncpg connections (``Database.relay_connections``):
# ``unsent_query`` locked SKIP LOCKED (replicas each take rows no other replica holds), ``mark_sent``
# and ``mark_failed``, with the ids as one array.
# clock_timestamp, not now(): sent_at is when the confirms were in, not when the batch was read.
UNSENT_LOCKED_SQL = (
    f"SELECT id, event_id, routing_key, body FROM {outbox.name} WHERE sent_at IS NULL "
    "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
)
MARK_SENT_SQL = (
    f"UPDATE {outbox.name} SET sent_at = clock_timestamp(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])"
)
MARK_FAILED_SQL = f"UPDATE {outbox.name} SET attempts = attempts + 1, last_error = $2 WHERE id = $1"


async def mark_sent(conn: AsyncConnection | AsyncSession, ids: list[int]) -> None:
    if ids:
        await conn.execute(
            update(outbox).where(outbox.c.id.in_(ids)).values(sent_at=datetime.now(UTC), attempts=outbox.c.attempts + 1)
        )


async def mark_failed(conn: AsyncConnection | AsyncSession, row_id: int, error: str) -> None:
    await conn.execute(
        update(outbox).where(outbox.c.id == row_id).values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
    )


async def backlog(conn: AsyncConnection) -> tuple[int, float]:
    """Unsent rows and the age in seconds of the oldest one."""
    row = (
        await conn.execute(select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None)))
    ).one()
    count, oldest = row
    if oldest is None:
        return 0, 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive datetimes
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())
