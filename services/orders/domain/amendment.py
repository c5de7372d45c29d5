"""Contract amendments (contract section 8): after award the contract changes only by amendment.

The ministry proposes changes of ``quantity``, ``delivery_deadline``, ``delivery_schedule`` or
``contract_price`` with a reason; the order's supplier accepts or rejects; the ministry may withdraw
a proposal. ``AMENDMENT`` is the one table of an amendment's statuses and of who may act; what an
accepted amendment does to the order is the order's (``Order.accept_amendment``).

Pure: moments are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.orders.domain.delivery import ScheduledLot
from services.orders.domain.lifecycle import MINISTRY, SUPPLIER
from services.orders.domain.money import Money
from shared.lifecycle import Lifecycle

# The fields an amendment may change, in the order they are reported.
AMENDABLE_FIELDS = ("quantity", "delivery_deadline", "delivery_schedule", "contract_price")


class AmendmentStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AmendmentAction(StrEnum):
    """Spelled as their URL segment (``propose`` is the POST of the collection)."""

    PROPOSE = "propose"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"


# Only a proposed amendment is decided: once accepted, rejected or withdrawn it stays so.
AMENDMENT: Lifecycle[AmendmentStatus, AmendmentAction] = Lifecycle(
    "amendment",
    {
        (AmendmentStatus.PROPOSED, AmendmentAction.ACCEPT): AmendmentStatus.ACCEPTED,
        (AmendmentStatus.PROPOSED, AmendmentAction.REJECT): AmendmentStatus.REJECTED,
        (AmendmentStatus.PROPOSED, AmendmentAction.WITHDRAW): AmendmentStatus.WITHDRAWN,
    },
    roles={
        AmendmentAction.PROPOSE: MINISTRY,
        AmendmentAction.ACCEPT: SUPPLIER,
        AmendmentAction.REJECT: SUPPLIER,
        AmendmentAction.WITHDRAW: MINISTRY,
    },
)


@dataclass(frozen=True, slots=True)
class Changes:
    """What an amendment changes; a field left None is not changed."""

    quantity: int | None = None
    delivery_deadline: date | None = None
    delivery_schedule: tuple[ScheduledLot, ...] | None = None
    contract_price: Money | None = None

    def named(self) -> list[str]:
        return [name for name in AMENDABLE_FIELDS if getattr(self, name) is not None]

    def as_dict(self) -> dict[str, Any]:
        """The named fields as JSON values (the wire form of each)."""
        return {name: terms_value(name, getattr(self, name)) for name in self.named()}

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> Changes:
        schedule = stored.get("delivery_schedule")
        price = stored.get("contract_price")
        deadline = stored.get("delivery_deadline")
        return cls(
            quantity=stored.get("quantity"),
            delivery_deadline=None if deadline is None else date.fromisoformat(deadline),
            delivery_schedule=None
            if schedule is None
            else tuple(ScheduledLot(int(lot["quantity"]), date.fromisoformat(lot["due_date"])) for lot in schedule),
            contract_price=None if price is None else Money(Decimal(price["amount"]), price["currency"]),
        )


def terms_value(name: str, value: Any) -> Any:
    """One term of the contract as JSON (``before`` / ``after`` and the stored changes)."""
    if value is None:
        return None
    if name == "delivery_deadline":
        return value.isoformat()
    if name == "delivery_schedule":
        return [lot.as_dict() for lot in value]
    if name == "contract_price":
        return value.to_dict()
    if isinstance(value, Decimal):
        return str(value)
    return value


def describe(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``quantity 100 -> 80; delivery_deadline 2030-06-30 -> 2030-09-30`` for the history and audit."""

    def shown(name: str, value: Any) -> str:
        if name == "contract_price" and isinstance(value, Mapping):
            return f"{value['amount']} {value['currency']}"
        if name == "delivery_schedule" and isinstance(value, list):
            return "[" + ", ".join(f"{lot['quantity']} by {lot['due_date']}" for lot in value) + "]"
        return str(value)

    return "; ".join(f"{name} {shown(name, before.get(name))} -> {shown(name, after[name])}" for name in after)


@dataclass(eq=False)
class Amendment:
    """One proposal to change the contract, and its decision."""

    number: int
    changes: Changes
    reason: str
    proposed_by: str
    proposed_at: datetime
    status: AmendmentStatus = AmendmentStatus.PROPOSED
    version: int = 1
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    # Set on acceptance: the terms before and after, and the price in KZT at the rate then in force.
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    contract_price_kzt: Decimal | None = None
    rate_used: Decimal | None = None
    # New or changed since loaded: the repository writes these rows.
    dirty: bool = field(default=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.status == AmendmentStatus.PROPOSED

    def decide(
        self, action: AmendmentAction, *, by: str, at: datetime, reason: str | None, roles: Iterable[str]
    ) -> None:
        """Accept, reject or withdraw: only a proposed amendment (else the table's 409)."""
        self.status = AMENDMENT.move(self.status, action, roles)
        self.version += 1
        self.decided_by, self.decided_at, self.decision_reason = by, at, reason
        self.dirty = True
