"""Whether a delivery was on time: delivered on or before the deadline day."""

from __future__ import annotations

from datetime import date, datetime


def is_on_time(delivered_on: date, delivery_deadline: date) -> bool:
    """``delivered_on <= delivery_deadline``; delivering on the deadline day itself is on time.

    Both are calendar dates. Turn a timestamp into the date of the ministry's time zone before
    calling; a ``datetime`` given here counts by its own calendar date.
    """
    if isinstance(delivered_on, datetime):
        delivered_on = delivered_on.date()
    if isinstance(delivery_deadline, datetime):
        delivery_deadline = delivery_deadline.date()
    return delivered_on <= delivery_deadline
