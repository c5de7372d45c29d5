"""The suite's one clock: "now" in UTC, and "today" on the ministry's calendar.

Every service reads time here, so a test moves it in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Almaty"


def now() -> datetime:
    return datetime.now(UTC)


def today(timezone: str | None = None) -> date:
    """Today's date on the calendar of ``timezone`` (UTC when None)."""
    moment = now()
    return moment.astimezone(ZoneInfo(timezone)).date() if timezone else moment.date()
