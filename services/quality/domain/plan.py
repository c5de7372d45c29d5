"""The acceptance plan of an order: what is checked on each unit and how lots are sampled.

Made once, when the order is contracted, from its technical requirements and AQL; every
inspection round of that order is sized from it (the lot size may differ per round), at the
severity of inspection the order's series of lots has reached (ISO 2859-1 clause 9, see
``switching.py``). A plan is active until its order is cancelled; it is discontinued after 5 lots
not accepted on tightened inspection (no inspection opens) until the ministry resumes it; a
cancelled plan opens no more inspections.

The plan follows the contract's amendments (contract section 8): each accepted amendment states
the order's quantity and price in force, which the plan takes in amendment order (an older one
arriving late changes nothing). The units still to accept are the quantity in force less the
units accepted; a use_as_is price reduction must stay below the price in force.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

from services.quality.domain.inspection import Inspection
from services.quality.domain.nonconformance import CURRENCY
from services.quality.domain.sampling import AqlInput, SamplingPlan, Severity, normalize_aql, plan_for
from services.quality.domain.switching import LotOutcome, Switching
from services.quality.domain.verdict import Verdict
from shared.lifecycle import SYSTEM, Lifecycle
from shared.principal import Role
from shared.requirements import TechnicalRequirement, parse_requirements

# The contract fixes general inspection level II for lot acceptance; the severity switches.
INSPECTION_LEVEL: Final = "II"
STANDARD: Final = "ISO 2859-1"


@dataclass(frozen=True, slots=True)
class AcceptancePlan:
    """The rules of acceptance: the AQL and the requirements every sampled unit is measured against."""

    aql: Decimal
    requirements: tuple[TechnicalRequirement, ...]
    inspection_level: str = INSPECTION_LEVEL

    @classmethod
    def build(
        cls,
        *,
        aql: AqlInput,
        technical_requirements: Iterable[TechnicalRequirement | Mapping[str, Any] | object],
    ) -> AcceptancePlan:
        """Validate the order's AQL and requirements into a plan.

        Raises ``SamplingError`` (field ``aql``) or ``InvalidInput``
        (fields ``technical_requirements[i].<key>``).
        """
        return cls(aql=normalize_aql(aql), requirements=parse_requirements(technical_requirements))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.requirements)

    @property
    def critical_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.requirements if r.critical)

    def requirement(self, code: str) -> TechnicalRequirement:
        for r in self.requirements:
            if r.code == code:
                return r
        raise KeyError(code)

    def sampling_for(self, lot_size: int, severity: Severity = Severity.NORMAL) -> SamplingPlan:
        """The sampling plan of one inspection round for a lot of ``lot_size`` units."""
        return plan_for(lot_size, self.aql, self.inspection_level, severity)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": STANDARD,
            "inspection_level": self.inspection_level,
            "aql": float(self.aql),  # the contract writes AQLs as JSON numbers: 1.0, 0.065
            "requirements": [r.as_dict() for r in self.requirements],
            "critical_codes": list(self.critical_codes),
        }


class PlanStatus(StrEnum):
    ACTIVE = "active"
    DISCONTINUED = "discontinued"
    CANCELLED = "cancelled"


class PlanAction(StrEnum):
    INSPECT = "inspect"
    DISCONTINUE = "discontinue"
    RESUME = "resume"
    CANCEL = "cancel"
    AMEND = "amend"


MINISTRY: Final = frozenset({Role.MOD_OFFICER.value, Role.INTEGRATION.value})
_P, _PA = PlanStatus, PlanAction

# The order's events move a plan (submissions open rounds, amendments restate its quantity and
# price, its cancellation ends it), the verdicts discontinue it, and only the ministry (the
# responsible authority) resumes it. A cancelled plan takes no amendment: nothing is left to accept.
PLAN: Final = Lifecycle[PlanStatus, PlanAction](
    "acceptance plan",
    {
        (_P.ACTIVE, _PA.INSPECT): _P.ACTIVE,
        (_P.ACTIVE, _PA.DISCONTINUE): _P.DISCONTINUED,
        (_P.DISCONTINUED, _PA.RESUME): _P.ACTIVE,
        (_P.ACTIVE, _PA.CANCEL): _P.CANCELLED,
        (_P.DISCONTINUED, _PA.CANCEL): _P.CANCELLED,
        (_P.ACTIVE, _PA.AMEND): _P.ACTIVE,
        (_P.DISCONTINUED, _PA.AMEND): _P.DISCONTINUED,
    },
    roles={
        _PA.INSPECT: {SYSTEM},
        _PA.DISCONTINUE: {SYSTEM},
        _PA.RESUME: MINISTRY,
        _PA.CANCEL: {SYSTEM},
        _PA.AMEND: {SYSTEM},
    },
)


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def money(amount: Decimal) -> dict[str, str]:
    """A KZT amount as the contract writes money: ``{"amount": "850000.00", "currency": "KZT"}``."""
    return {"amount": f"{amount:.2f}", "currency": CURRENCY}


@dataclass(frozen=True, slots=True)
class LotSwitch:
    """What one verdict did to the series: the severity before and after, and a discontinuation."""

    before: Severity
    after: Severity
    counted: bool
    discontinued: bool

    @property
    def switched(self) -> bool:
        return self.before is not self.after


@dataclass
class OrderPlan:
    """The acceptance plan of one contracted order, with the order facts it keeps."""

    order_id: UUID
    supplier_id: UUID
    category: str
    quantity: int
    rules: AcceptancePlan
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    version: int = 1
    order_number: str | None = None
    contract_price_kzt: Decimal | None = None
    switching: Switching = field(default_factory=Switching)
    # Every verdict and resumption, oldest first, as the plan's body shows them.
    history: list[dict[str, Any]] = field(default_factory=list)
    original_lots: int = 0
    # A submission that arrived while inspection was discontinued: opened when it resumes.
    pending_submission: dict[str, Any] | None = None
    # Every concession granted (KZT), and how much of it the last stated price already reflects.
    concessions_kzt: Decimal = Decimal("0")
    concessions_in_price_kzt: Decimal = Decimal("0")
    # Units accepted so far: lots accepted by their verdict or under concession.
    accepted_quantity: int = 0
    # The last amendment applied (0: none) and every one applied, oldest first.
    amendment_number: int = 0
    amendments: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def contract(
        cls,
        *,
        order_id: UUID,
        supplier_id: UUID,
        category: str,
        quantity: int,
        aql: AqlInput,
        technical_requirements: Iterable[object],
        now: datetime,
        order_number: str | None = None,
        contract_price_kzt: Decimal | None = None,
    ) -> OrderPlan:
        rules = AcceptancePlan.build(aql=aql, technical_requirements=technical_requirements)
        return cls(
            order_id,
            supplier_id,
            category,
            quantity,
            rules,
            created_at=now,
            updated_at=now,
            order_number=order_number,
            contract_price_kzt=contract_price_kzt,
        )

    @property
    def status(self) -> PlanStatus:
        if self.cancelled_at is not None:
            return _P.CANCELLED
        return _P.DISCONTINUED if self.switching.discontinued else _P.ACTIVE

    @property
    def severity(self) -> Severity:
        return self.switching.severity

    @property
    def is_cancelled(self) -> bool:
        return PLAN.is_final(self.status)

    @property
    def is_discontinued(self) -> bool:
        return self.status is _P.DISCONTINUED

    def allowed_actions(self, roles: Iterable[str]) -> list[str]:
        return PLAN.allowed_actions(self.status, roles)

    @property
    def remaining_quantity(self) -> int:
        """The units of the quantity in force still to accept (never below 0)."""
        return max(self.quantity - self.accepted_quantity, 0)

    def largest_next_lot(self) -> tuple[int, SamplingPlan] | None:
        """The sampling plan of a lot of every remaining unit, at the current severity: the most a
        next lot may hold. None once nothing remains or the plan is cancelled."""
        if self.is_cancelled or self.remaining_quantity == 0:
            return None
        return self.remaining_quantity, self.rules.sampling_for(self.remaining_quantity, self.severity)

    def open_inspection(
        self, inspection_id: UUID, *, round_: int, lot_size: int, now: datetime, original: bool = True
    ) -> Inspection:
        """A new inspection round for a lot of ``lot_size`` units, sized at the current severity.

        An original lot (not a resubmission after rework) takes the next lot number.
        """
        PLAN.move(self.status, _PA.INSPECT, {SYSTEM})
        # A lot larger than what remains (the quantity was cut while it was on its way) is inspected
        # as submitted: the orders service decides what it may hold; the inspection keeps the figure.
        units_remaining = self.remaining_quantity
        lot_no = None
        if original:  # bookkeeping only: the plan's body and version change with verdicts, not openings
            self.original_lots += 1
            lot_no = self.original_lots
        return Inspection.open(
            inspection_id,
            order_id=self.order_id,
            supplier_id=self.supplier_id,
            round_=round_,
            lot_size=lot_size,
            sampling=self.rules.sampling_for(lot_size, self.severity),
            now=now,
            severity=self.severity,
            original=original,
            lot_no=lot_no,
            units_remaining=units_remaining,
        )

    def hold_submission(self, *, round_: int, lot_size: int, original: bool, now: datetime) -> None:
        """Inspection is discontinued: the submission opens nothing now, and is kept for the resumption."""
        self.pending_submission = {"round": round_, "lot_size": lot_size, "original": original, "at": _at(now)}
        self._touch(now)

    def record_verdict(self, inspection: Inspection, *, reduced_allowed: bool, now: datetime) -> LotSwitch:
        """An inspection of this order closed with its verdict: the switching rules take it in.

        Only an original lot inspected at the current severity moves the series.
        """
        before = self.switching
        accepted = inspection.status.value == Verdict.ACCEPTED.value
        counted = inspection.original and inspection.severity is before.severity and not before.discontinued
        after = before
        if counted:
            outcome = LotOutcome(accepted, inspection.defective_units, inspection.accept)
            after = before.after(outcome, reduced_allowed=reduced_allowed)
        discontinued = after.discontinued and not before.discontinued
        if discontinued:
            PLAN.move(self.status, _PA.DISCONTINUE, {SYSTEM})
        self.switching = after
        if accepted:
            self.accepted_quantity += inspection.lot_size
        self.history.append(
            {
                "kind": "lot",
                "lot_no": inspection.lot_no,
                "inspection_id": str(inspection.id),
                "round": inspection.round,
                "verdict": inspection.status.value,
                "original": inspection.original,
                "counted": counted,
                "severity_before": before.severity.value,
                "severity_after": after.severity.value,
                "switching_score": after.score,
                "discontinued": after.discontinued,
                "at": _at(now),
            }
        )
        self._touch(now)
        return LotSwitch(before.severity, after.severity, counted, discontinued)

    def resume(self, reason: str, *, by: str, now: datetime, roles: Iterable[str]) -> dict[str, Any] | None:
        """The responsible authority resumes a discontinued inspection, at tightened inspection
        (clause 10.3). Answers the submission held meanwhile, if any, to be opened now."""
        PLAN.move(self.status, _PA.RESUME, roles)
        before = self.switching
        self.switching = before.resumed()
        self.history.append(
            {
                "kind": "resume",
                "reason": reason,
                "by": by,
                "lots_not_accepted": before.not_accepted,
                "severity_before": before.severity.value,
                "severity_after": self.severity.value,
                "switching_score": self.switching.score,
                "discontinued": False,
                "at": _at(now),
            }
        )
        held, self.pending_submission = self.pending_submission, None
        self._touch(now)
        return held

    def price_in_force_kzt(self) -> Decimal | None:
        """The order's price now: the price the contract or the last amendment stated, less the
        concessions granted since (unknown for plans made before the price was kept)."""
        if self.contract_price_kzt is None:
            return None
        return self.contract_price_kzt - (self.concessions_kzt - self.concessions_in_price_kzt)

    def concede(self, price_reduction: Decimal, lot_size: int, now: datetime) -> None:
        """A lot of ``lot_size`` units accepted under concession, for ``price_reduction`` KZT."""
        self.concessions_kzt += price_reduction
        self.accepted_quantity += lot_size
        self._touch(now)

    def return_units(self, missing: int, now: datetime) -> int:
        """A short receipt sent ``missing`` accepted units back to production: they are to be
        accepted again (contract section 7). Answers how many the plan took back."""
        taken = min(max(missing, 0), self.accepted_quantity)
        if taken:
            self.accepted_quantity -= taken
            self._touch(now)
        return taken

    def figures(self) -> dict[str, Any]:
        """What the plan takes from the contract and uses: the quantity and units left, the price in force."""
        price = self.price_in_force_kzt()
        return {
            "quantity": self.quantity,
            "remaining_quantity": self.remaining_quantity,
            "contract_price": None if price is None else money(price),
        }

    def amend(
        self,
        number: int,
        *,
        quantity: int | None,
        accepted_quantity: int | None,
        contract_price_kzt: Decimal | None,
        order_changes: Iterable[str],
        at: datetime,
        now: datetime,
    ) -> dict[str, Any] | None:
        """Take in the order's amendment ``number``: the quantity and price in force it states
        (None: not stated, unchanged). Answers its history entry, or None when it changes nothing:
        an amendment already applied or older than the last one (it arrived late; the later one
        already states the figures in force), or a cancelled plan.

        The stated price is the order's price in force, the concessions granted before it included.
        The units accepted never go down: a lot this service accepted counts even when the order had
        not yet counted it when it stated its figure."""
        if number <= self.amendment_number or not PLAN.can(self.status, _PA.AMEND):
            return None
        PLAN.move(self.status, _PA.AMEND, {SYSTEM})
        before = self.figures()
        if quantity is not None:
            self.quantity = quantity
        if accepted_quantity is not None:
            self.accepted_quantity = max(self.accepted_quantity, accepted_quantity)
        if contract_price_kzt is not None:
            self.contract_price_kzt = contract_price_kzt
            self.concessions_in_price_kzt = self.concessions_kzt
        after = self.figures()
        changed = [key for key in before if before[key] != after[key]]
        entry = {
            "number": number,
            "at": _at(at),
            "applied_at": _at(now),
            "order_changes": sorted(order_changes),
            "before": {key: before[key] for key in changed},
            "after": {key: after[key] for key in changed},
        }
        self.amendment_number = number
        self.amendments.append(entry)
        self._touch(now)
        return entry

    def cancel(self, reason: str, now: datetime) -> None:
        PLAN.move(self.status, _PA.CANCEL, {SYSTEM})
        self.cancelled_at, self.cancel_reason = now, reason
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


__all__ = [
    "INSPECTION_LEVEL",
    "MINISTRY",
    "PLAN",
    "AcceptancePlan",
    "LotSwitch",
    "OrderPlan",
    "PlanAction",
    "PlanStatus",
]
