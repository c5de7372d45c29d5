"""What callers ask of the suppliers service: plain, frozen values, one per command.

Routes make the first four from requests, consumers the others from events; handlers take them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.suppliers.domain.contacts import Contact
from services.suppliers.domain.facts import AwardRequirement
from services.suppliers.domain.status import SupplierAction
from shared.principal import Principal
from shared.versioning import Expected


@dataclass(frozen=True)
class RegisterSupplier:
    name: str
    country: str
    bin: str | None
    registration_number: str | None
    categories: tuple[str, ...]
    local_content_share: Decimal
    security_clearance: bool
    actor: Principal
    contacts: tuple[Contact, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "contacts", tuple(self.contacts))


@dataclass(frozen=True)
class UpdateSupplier:
    """``PATCH``: the editable fields given (``domain.supplier.EDITABLE``), by name."""

    supplier_id: UUID
    values: Mapping[str, Any]
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class AddLicense:
    supplier_id: UUID
    category: str
    number: str
    valid_from: date
    valid_until: date
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class AddCertification:
    supplier_id: UUID
    standard: str
    number: str
    valid_until: date
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class RevokeLicense:
    supplier_id: UUID
    license_id: UUID
    reason: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class RevokeCertification:
    supplier_id: UUID
    certification_id: UUID
    reason: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class ChangeStatus:
    """verify, suspend, reinstate or exclude (the route names the action).

    ``until``: the last day of a suspension is the day before it (it lapses on ``until``).
    ``timezone``: the ministry's calendar, on which "today" is judged (None: UTC).
    """

    supplier_id: UUID
    action: SupplierAction
    actor: Principal
    reason: str | None = None
    expected: Expected | None = None
    until: date | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class LapseSuspensions:
    """The background task: reinstate every supplier whose suspension ends today or earlier."""

    timezone: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class DecideAward:
    """``order.award_requested``: may this supplier take the order?"""

    request_event_id: UUID
    order_id: UUID
    supplier_id: UUID
    requirement: AwardRequirement
    restricted_countries: frozenset[str]
    # The ministry's calendar: the supplier's status is judged today on it (None: UTC).
    timezone: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class CountContract:
    """``order.contracted``: one more order for the supplier, and its value for diversification."""

    order_id: UUID
    supplier_id: UUID
    category: str
    value_kzt: Decimal


@dataclass(frozen=True)
class CountLot:
    """``quality.lot_accepted`` / ``lot_rejected``; the verdict may not name the supplier."""

    order_id: UUID
    inspection_id: UUID
    supplier_id: UUID | None
    accepted: bool
    # Accepted under concession: the lot failed its inspection, so it counts as not accepted.
    concession: bool = False


@dataclass(frozen=True)
class CountDelivery:
    """``order.delivered``: the lots delivered and how many on time (None: an older event, one lot)."""

    order_id: UUID
    supplier_id: UUID
    on_time: bool
    lots: int | None = None
    lots_on_time: int | None = None


@dataclass(frozen=True)
class CountShortDelivery:
    """``order.delivery_short``: a shipment received short; once per shipment."""

    order_id: UUID
    supplier_id: UUID
    shipment_no: int
    shipped: int
    received: int


@dataclass(frozen=True)
class CountDisposition:
    """``quality.nonconformance_dispositioned``: once per report; ``use_as_is`` is a concession."""

    order_id: UUID
    nonconformance_id: UUID
    inspection_id: UUID
    supplier_id: UUID | None
    disposition: str
    price_reduction_kzt: Decimal | None = None


@dataclass(frozen=True)
class CountDiscontinuation:
    """``quality.inspection_discontinued``: once until the order's inspections are resumed."""

    order_id: UUID
    supplier_id: UUID | None
    lots_not_accepted: int


@dataclass(frozen=True)
class NoteResumption:
    """``quality.inspection_resumed``: a later discontinuation of the order is a new one."""

    order_id: UUID
    reason: str | None = None


@dataclass(frozen=True)
class ApplyAmendment:
    """``order.amended``: the contract's price in force after amendment ``number`` (None: unchanged)."""

    order_id: UUID
    amendment_number: int
    contract_price_kzt: Decimal | None


@dataclass(frozen=True)
class NoteCancellation:
    """``order.cancelled``: the contract's value leaves the diversification figures."""

    order_id: UUID
    reason: str | None
