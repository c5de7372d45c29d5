"""What the handlers need of storage: the service's unit of work and its two repositories.

``db/`` implements them on SQL (``db/unit_of_work.py``); handler tests use in-memory fakes.
Nothing here commits: the unit of work's owner (the kernel) does, once.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from services.suppliers.domain.eligibility import AwardDecision
from services.suppliers.domain.scorecard import Disposition, LotResult, WaitingFacts
from services.suppliers.domain.supplier import Edit, StatusChange, Supplier
from shared.events.types import EventType
from shared.recorder import Recorder

# The event types the suppliers service publishes; its unit of work refuses any other.
PUBLISHES: frozenset[str] = frozenset(
    {EventType.SUPPLIER_AWARD_CONFIRMED, EventType.SUPPLIER_AWARD_DECLINED, EventType.SUPPLIER_STATUS_CHANGED}
)


class SupplierRepository(Protocol):
    async def get(self, supplier_id: UUID) -> Supplier | None:
        """The supplier as it stands, to judge it (no lock)."""

    async def get_for_change(self, supplier_id: UUID) -> Supplier | None:
        """The supplier, locked until the transaction ends, so concurrent changes of it queue up."""

    async def registered_with(
        self, *, bin: str | None, country: str, registration_number: str | None
    ) -> Supplier | None:
        """A registered supplier with the same BIN, or the same country and registration number."""

    async def add(self, supplier: Supplier) -> None:
        """Store a new supplier; ``DuplicateSupplier`` when a concurrent registration took its identity."""

    async def save(self, supplier: Supplier) -> None:
        """Write back what changed on a supplier this repository loaded."""

    async def add_status_change(self, supplier_id: UUID, change: StatusChange, *, actor: str, event_id: UUID) -> None:
        """Keep one status change in the supplier's history, with the event that announced it."""

    async def add_edit(self, supplier_id: UUID, edit: Edit, *, actor: str) -> None:
        """Keep one other change of the record in its history."""

    async def lapsed_suspensions(self, today: date, limit: int) -> list[UUID]:
        """Suppliers still suspended whose suspension ends on ``today`` or earlier, oldest end first;
        on PostgreSQL those another replica is reinstating right now are skipped."""


class OrderLedger(Protocol):
    """What this service keeps of other services' orders: contracts, verdicts, deliveries, cancellations.

    Each fact is keyed by what it is about (order, inspection), so the same fact told twice counts once.
    """

    async def lock(self, order_id: UUID) -> None:
        """Serialize the handling of one order's events until the transaction ends."""

    async def contracted_supplier(self, order_id: UUID) -> UUID | None:
        """The supplier of the order's recorded contract, or None before the contract is known."""

    async def add_contract(
        self,
        order_id: UUID,
        *,
        supplier_id: UUID,
        category: str,
        country: str,
        value_kzt: Decimal,
        price_amendment: int,
        at: datetime,
    ) -> None:
        """Keep a contract and the value it counts for (``price_amendment``: the amendment that priced it, 0 none)."""

    async def reprice(self, order_id: UUID, value_kzt: Decimal, amendment_number: int) -> bool:
        """Set the contract's value from an amendment later than the one it holds; False when there is none."""

    async def reduce_value(self, order_id: UUID, by_kzt: Decimal) -> bool:
        """Lower the contract's value (never below zero); False when the contract is not known."""

    async def has_lot(self, inspection_id: UUID) -> bool: ...

    async def add_lot(self, lot: LotResult) -> None:
        """Keep a verdict; one not yet counted on a scorecard waits for the order's contract."""

    async def take_waiting(self, order_id: UUID, supplier_id: UUID) -> WaitingFacts:
        """The order's facts that waited for its contract (verdicts, concessions, discontinuations),
        now marked counted for ``supplier_id``."""

    async def has_delivery(self, order_id: UUID) -> bool: ...

    async def add_delivery(
        self, order_id: UUID, *, supplier_id: UUID, on_time: bool, lots: int, lots_on_time: int, at: datetime
    ) -> None: ...

    async def has_short_delivery(self, order_id: UUID, shipment_no: int) -> bool: ...

    async def add_short_delivery(
        self, order_id: UUID, shipment_no: int, *, supplier_id: UUID, shipped: int, received: int, at: datetime
    ) -> None: ...

    async def has_disposition(self, nonconformance_id: UUID) -> bool: ...

    async def add_disposition(self, disposition: Disposition) -> None: ...

    async def concession_reductions(self, order_id: UUID) -> Decimal:
        """The price reductions of the order's concessions kept so far, in KZT."""

    async def discontinue(
        self, order_id: UUID, *, supplier_id: UUID | None, lots_not_accepted: int, counted: bool, at: datetime
    ) -> bool:
        """Keep a discontinuation of the order's inspections; False while the last one is not resumed
        (the same fact told again)."""

    async def resume(self, order_id: UUID, at: datetime) -> bool:
        """End the order's open discontinuation; False when none is open."""

    async def has_amendment(self, order_id: UUID, amendment_number: int) -> bool: ...

    async def add_amendment(
        self, order_id: UUID, amendment_number: int, *, contract_price_kzt: Decimal | None, at: datetime
    ) -> None: ...

    async def latest_amended_price(self, order_id: UUID) -> tuple[int, Decimal] | None:
        """The last amendment of the order that set its price: its number and the price."""

    async def note_cancelled(self, order_id: UUID, at: datetime) -> bool:
        """Remember a cancelled order; False when it was known already."""

    async def add_award_decision(
        self, decision: AwardDecision, *, request_event_id: UUID, event_id: UUID, at: datetime
    ) -> None: ...


class SuppliersUnitOfWork(Recorder, Protocol):
    suppliers: SupplierRepository
    ledger: OrderLedger
