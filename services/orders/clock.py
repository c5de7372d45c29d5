"""The service's idea of "now" and "today" (UTC), in one place so tests can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()
