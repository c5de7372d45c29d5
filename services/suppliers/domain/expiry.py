"""Licenses and certifications about to lapse: what the registry must renew or chase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal
from uuid import UUID

from services.suppliers.domain.status import SupplierStatus

# `within_days` runs from 0 (lapsing today) to two years ahead.
MAX_WITHIN_DAYS = 730


@dataclass(frozen=True, slots=True)
class Lapsing:
    """A license (``category``) or certification (``standard``) whose last valid day is ``valid_until``."""

    kind: Literal["license", "certification"]
    id: UUID
    supplier_id: UUID
    supplier_name: str
    supplier_status: SupplierStatus
    category: str | None
    standard: str | None
    number: str
    valid_until: date


def lapse_window(today: date, within_days: int) -> tuple[date, date]:
    """The last valid days that lapse within ``within_days`` of ``today``, both ends inclusive.

    A license whose last day is today lapses tonight; one that ended yesterday has lapsed already.
    """
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise ValueError(f"within_days must be 0 to {MAX_WITHIN_DAYS}")
    return today, today + timedelta(days=within_days)
