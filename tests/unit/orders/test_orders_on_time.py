"""On time means delivered on or before the deadline day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.orders.domain.on_time import is_on_time

DEADLINE = date(2025, 6, 30)


def test_delivery_before_the_deadline_is_on_time() -> None:
    assert is_on_time(date(2025, 6, 1), DEADLINE)


def test_delivery_on_the_deadline_day_is_on_time() -> None:
    assert is_on_time(DEADLINE, DEADLINE)


def test_delivery_a_day_after_the_deadline_is_late() -> None:
    assert not is_on_time(date(2025, 7, 1), DEADLINE)


def test_a_timestamp_counts_by_its_calendar_date() -> None:
    assert is_on_time(datetime(2025, 6, 30, 23, 59, tzinfo=UTC), DEADLINE)
    assert not is_on_time(datetime(2025, 7, 1, 0, 1, tzinfo=UTC), DEADLINE)
