"""Nonconformance reports: a rejected lot opens one; the ministry dispositions it once.

FAR 46.407 and AQAP-2110: a nonconforming lot is rejected by default; the supplier may rework or
repair it and submit it again, it may be scrapped or returned (its units go back to production),
or the ministry may accept it as it is (``use_as_is``) under concession, for a price reduction,
unless a critical requirement failed. A lot resubmitted after rework before any disposition closes
its report as ``rework`` by itself.

Money here is KZT only: the quality service keeps no exchange rates (the orders service owns them),
so a reduction in another currency is refused rather than converted at a rate it cannot vouch for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

from services.quality.domain.errors import CriticalNonconformance, DispositionError
from shared.lifecycle import SYSTEM, Lifecycle
from shared.principal import Role

CURRENCY: Final = "KZT"
MAX_AMOUNT: Final = Decimal("1e15")
MAX_REASON: Final = 1000


class NonconformanceStatus(StrEnum):
    OPEN = "open"
    DISPOSITIONED = "dispositioned"


class Disposition(StrEnum):
    REWORK = "rework"
    REPAIR = "repair"
    USE_AS_IS = "use_as_is"
    SCRAP = "scrap"
    RETURN = "return"


class NonconformanceAction(StrEnum):
    DISPOSITION = "disposition"
    RESUBMIT = "resubmit"  # the supplier resubmitted the lot after rework before any disposition


MINISTRY: Final = frozenset({Role.MOD_OFFICER.value, Role.INTEGRATION.value})
_S, _A = NonconformanceStatus, NonconformanceAction

NONCONFORMANCE: Final = Lifecycle[NonconformanceStatus, NonconformanceAction](
    "nonconformance",
    {
        (_S.OPEN, _A.DISPOSITION): _S.DISPOSITIONED,
        (_S.OPEN, _A.RESUBMIT): _S.DISPOSITIONED,
    },
    roles={_A.DISPOSITION: MINISTRY, _A.RESUBMIT: {SYSTEM}},
)


def parse_price_reduction(value: object, field_name: str = "price_reduction") -> Decimal:
    """A reduction ``{"amount": "...", "currency": "KZT"}``: amount > 0, at most 2 decimals, KZT."""
    if not isinstance(value, Mapping):
        raise DispositionError(field_name, 'must be an object {"amount": "...", "currency": "KZT"}')
    currency, amount = value.get("currency"), value.get("amount")
    problems: list[tuple[str, str]] = []
    if currency != CURRENCY:
        problems.append((f"{field_name}.currency", "must be KZT: the quality service converts no currency"))
    number: Decimal | None = None
    try:
        number = Decimal(amount) if isinstance(amount, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        problems.append((f"{field_name}.amount", "must be a decimal string such as 1500.00"))
    elif number <= 0:
        problems.append((f"{field_name}.amount", "must be greater than 0"))
    elif number >= MAX_AMOUNT or number != number.quantize(Decimal("0.01")):
        problems.append((f"{field_name}.amount", "must have at most 2 decimal places and 15 digits"))
    if problems:
        raise DispositionError.of(problems)
    assert number is not None
    return number.quantize(Decimal("0.01"))


@dataclass
class Nonconformance:
    """The report of one rejected lot: what failed, and how the ministry settled it."""

    id: UUID
    order_id: UUID
    inspection_id: UUID
    supplier_id: UUID
    round: int
    lot_size: int
    lot_no: int | None
    defects: list[dict[str, Any]]
    defective_units: int
    critical_failures: int
    opened_at: datetime
    updated_at: datetime
    status: NonconformanceStatus = _S.OPEN
    disposition: Disposition | None = None
    reason: str | None = None
    price_reduction: Decimal | None = None  # KZT
    dispositioned_by: str | None = None
    dispositioned_at: datetime | None = None
    certificate_id: UUID | None = None
    version: int = 1

    @classmethod
    def open(
        cls,
        nonconformance_id: UUID,
        *,
        order_id: UUID,
        inspection_id: UUID,
        supplier_id: UUID,
        round_: int,
        lot_size: int,
        lot_no: int | None,
        defects: Sequence[Mapping[str, Any]],
        defective_units: int,
        critical_failures: int,
        now: datetime,
    ) -> Nonconformance:
        return cls(
            id=nonconformance_id,
            order_id=order_id,
            inspection_id=inspection_id,
            supplier_id=supplier_id,
            round=round_,
            lot_size=lot_size,
            lot_no=lot_no,
            defects=[dict(d) for d in defects],
            defective_units=defective_units,
            critical_failures=critical_failures,
            opened_at=now,
            updated_at=now,
        )

    @property
    def critical(self) -> bool:
        """A critical requirement failed on some unit: the lot cannot be used as it is."""
        return self.critical_failures > 0

    def allowed_actions(self, roles: Iterable[str]) -> list[str]:
        return NONCONFORMANCE.allowed_actions(self.status, roles)

    def dispose(
        self,
        disposition: str,
        reason: str,
        price_reduction: object,
        *,
        by: str,
        now: datetime,
        roles: Iterable[str],
        remaining_price: Decimal | None = None,
    ) -> None:
        """Settle the report once: 409 on a second disposition; 422 naming a bad field; ``use_as_is``
        takes a price reduction (below the contract price left, when known) and no critical failure."""
        settled = NONCONFORMANCE.move(self.status, _A.DISPOSITION, frozenset(roles))
        kind = _check_disposition(disposition)
        text = _check_reason(reason)
        price = None if price_reduction is None else parse_price_reduction(price_reduction)
        self.check_disposition(kind, price)
        if price is not None and remaining_price is not None and price >= remaining_price:
            raise DispositionError(
                "price_reduction.amount", f"must be less than the contract price left, {remaining_price} {CURRENCY}"
            )
        self.status = settled
        self._settle(kind, text, price, by, now)

    def check_disposition(self, disposition: Disposition, price_reduction: Decimal | None) -> None:
        """The rules of a disposition, before anything changes (422 / 409)."""
        if disposition is Disposition.USE_AS_IS:
            if price_reduction is None:
                raise DispositionError("price_reduction", "is required for use_as_is (FAR 46.407's consideration)")
            if self.critical:
                raise CriticalNonconformance(
                    f"A critical requirement failed on {self.critical_failures} unit(s); the lot cannot be used "
                    "as it is.",
                    current_status=self.status.value,
                    critical_failures=self.critical_failures,
                )
        elif price_reduction is not None:
            raise DispositionError("price_reduction", "only a use_as_is disposition takes a price reduction")

    def close_by_resubmission(self, round_: int, now: datetime) -> None:
        """The supplier resubmitted the lot after rework (round ``round_``) before any disposition."""
        self.status = NONCONFORMANCE.move(self.status, _A.RESUBMIT, {SYSTEM})
        self._settle(Disposition.REWORK, f"The lot was resubmitted after rework (round {round_}).", None, SYSTEM, now)

    def _settle(
        self, disposition: Disposition, reason: str, price_reduction: Decimal | None, by: str, now: datetime
    ) -> None:
        self.disposition, self.reason, self.price_reduction = disposition, reason, price_reduction
        self.dispositioned_by, self.dispositioned_at = by, now
        self.version += 1
        self.updated_at = now


def _check_disposition(disposition: str) -> Disposition:
    try:
        return Disposition(disposition)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise DispositionError("disposition", f"{disposition!r} is not a disposition; use one of {allowed}") from None


def _check_reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise DispositionError("reason", "must say why (a non-empty text)")
    if len(reason) > MAX_REASON:
        raise DispositionError("reason", f"must be at most {MAX_REASON} characters")
    return reason.strip()


__all__ = [
    "CURRENCY",
    "NONCONFORMANCE",
    "Disposition",
    "Nonconformance",
    "NonconformanceAction",
    "NonconformanceStatus",
    "parse_price_reduction",
]
