"""The inbox: the event ids a consumer has applied, claimed in the handler's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, String, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import shared_metadata

inbox = Table(
    "sdo_inbox",
    shared_metadata,
    Column("consumer", String(60), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)


async def claim(session: AsyncSession, consumer: str, event_id: str, event_type: str) -> bool:
    """True the first time; False when the event was applied before (a duplicate)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type, processed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a CursorResult for an INSERT
