"""At commit: one delivery row per event and matching subscription, in the event's own transaction.

So a delivery exists exactly when its event committed: never for a rolled-back transaction, never
lost after a commit. A subscription matches an event when one of its patterns matches the event's
type and, for a supplier's subscription, the event's ``data.supplier_id`` is that supplier.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.envelope import CloudEvent
from shared.webhooks.tables import PENDING, deliveries, subscriptions

# Event types are lower-case dotted names; `*` stands for any run of characters (`kz.sdo.order.*`).
PATTERN = r"^[a-z0-9_.*]+$"
MAX_PATTERN_LENGTH = 120


def matches(patterns: Iterable[str], event_type: str) -> bool:
    return any(fnmatchcase(event_type, pattern) for pattern in patterns)


def unmatched(patterns: Iterable[str], published: Collection[str]) -> list[str]:
    """The patterns that match none of the types the service publishes (a typo, or another service's)."""
    return [p for p in patterns if not any(fnmatchcase(t, p) for t in published)]


def in_scope(supplier_id: str | None, data: dict[str, Any]) -> bool:
    """A supplier's subscription sees only events whose data names it; others see every event."""
    if supplier_id is None:
        return True
    named = data.get("supplier_id")
    return named is not None and str(named).lower() == supplier_id.lower()


class WebhookFanOut:
    """The unit of work's participant that writes the deliveries; wakes the dispatcher after commit."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self.wrote = 0

    @property
    def notifies(self) -> None:
        return None

    async def at_commit(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        if not events:
            return
        query = select(subscriptions.c.id, subscriptions.c.events, subscriptions.c.supplier_id)
        subscribed = (await session.execute(query)).all()
        if not subscribed:
            return
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        patterns = {row.id: orjson.loads(row.events) for row in subscribed}
        for event in events:
            body: bytes | None = None
            for row in subscribed:
                if matches(patterns[row.id], event.type) and in_scope(row.supplier_id, event.data):
                    body = body or event.to_bytes()
                    rows.append(
                        {
                            "subscription_id": row.id,
                            "event_id": str(event.id),
                            "event_type": event.type,
                            "event": body,
                            "status": PENDING,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
        if rows:
            await session.execute(insert(deliveries), rows)
            self.wrote = len(rows)

    def committed(self) -> None:
        if self.wrote:
            self._wake()
