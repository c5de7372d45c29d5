"""The suppliers' fake unit of work: in-memory repositories beside the kernel's ``FakeRecorder``.

Like the SQL adapters, a repository hands out copies and keeps only what is saved, so a handler
that forgets to save is caught.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from services.suppliers.domain.eligibility import AwardDecision
from services.suppliers.domain.errors import DuplicateSupplier
from services.suppliers.domain.scorecard import CONCESSION, Disposition, LotResult, WaitingFacts
from services.suppliers.domain.status import SupplierStatus
from services.suppliers.domain.supplier import Edit, StatusChange, Supplier
from services.suppliers.ports import PUBLISHES
from tests.fakes import FakeRecorder


@dataclass(frozen=True)
class HistoryEntry:
    supplier_id: UUID
    change: StatusChange
    actor: str
    event_id: UUID


@dataclass(frozen=True)
class EditEntry:
    supplier_id: UUID
    edit: Edit
    actor: str


class FakeSupplierRepository:
    def __init__(self) -> None:
        self.stored: dict[UUID, Supplier] = {}
        self.history: list[HistoryEntry] = []
        self.edits: list[EditEntry] = []
        self.locked: list[UUID] = []

    async def get(self, supplier_id: UUID) -> Supplier | None:
        return _loaded(self.stored.get(supplier_id))

    async def get_for_change(self, supplier_id: UUID) -> Supplier | None:
        self.locked.append(supplier_id)
        return await self.get(supplier_id)

    async def registered_with(
        self, *, bin: str | None, country: str, registration_number: str | None
    ) -> Supplier | None:
        return deepcopy(self._same_identity(bin, country, registration_number))

    async def add(self, supplier: Supplier) -> None:
        # The unique constraints: what a concurrent registration of the same identity runs into.
        if self._same_identity(supplier.bin, supplier.country, supplier.registration_number):
            raise DuplicateSupplier()
        self.stored[supplier.id] = deepcopy(supplier)

    def _same_identity(self, bin: str | None, country: str, registration_number: str | None) -> Supplier | None:
        for supplier in self.stored.values():
            if bin is not None and supplier.bin == bin:
                return supplier
            if registration_number is not None and (supplier.country, supplier.registration_number) == (
                country,
                registration_number,
            ):
                return supplier
        return None

    async def save(self, supplier: Supplier) -> None:
        assert supplier.id in self.stored, "save() of a supplier that was never added"
        self.stored[supplier.id] = deepcopy(supplier)

    async def add_status_change(self, supplier_id: UUID, change: StatusChange, *, actor: str, event_id: UUID) -> None:
        self.history.append(HistoryEntry(supplier_id, change, actor, event_id))

    async def add_edit(self, supplier_id: UUID, edit: Edit, *, actor: str) -> None:
        self.edits.append(EditEntry(supplier_id, edit, actor))

    async def lapsed_suspensions(self, today: date, limit: int) -> list[UUID]:
        due = [
            s
            for s in self.stored.values()
            if s.status is SupplierStatus.SUSPENDED and s.suspended_until is not None and s.suspended_until <= today
        ]
        return [s.id for s in sorted(due, key=lambda s: (s.suspended_until, str(s.id)))][:limit]

    def put(self, supplier: Supplier) -> Supplier:
        """Arrange: a supplier already in the register."""
        self.stored[supplier.id] = deepcopy(supplier)
        return supplier


def _loaded(supplier: Supplier | None) -> Supplier | None:
    """A copy as storage hands it out: nothing pending to announce or keep in the history."""
    if supplier is None:
        return None
    copy = deepcopy(supplier)
    copy.changes.clear()
    copy.edits.clear()
    return copy


@dataclass
class Contract:
    supplier_id: UUID
    category: str
    country: str
    value_kzt: Decimal
    at: datetime
    price_amendment: int = 0


@dataclass
class Discontinuation:
    supplier_id: UUID | None
    lots_not_accepted: int
    counted: bool
    resumed: bool = False


@dataclass(frozen=True)
class Decision:
    decision: AwardDecision
    request_event_id: UUID
    event_id: UUID


class FakeOrderLedger:
    def __init__(self) -> None:
        self.contracts: dict[UUID, Contract] = {}
        self.lots: dict[UUID, LotResult] = {}
        self.deliveries: dict[UUID, tuple[UUID, bool, int, int]] = {}
        self.short_deliveries: dict[tuple[UUID, int], tuple[UUID, int, int]] = {}
        self.dispositions: dict[UUID, Disposition] = {}
        self.discontinuations: dict[UUID, list[Discontinuation]] = {}
        self.amendments: dict[tuple[UUID, int], Decimal | None] = {}
        self.cancelled: set[UUID] = set()
        self.decisions: list[Decision] = []
        self.locked: list[UUID] = []

    async def lock(self, order_id: UUID) -> None:
        self.locked.append(order_id)

    async def contracted_supplier(self, order_id: UUID) -> UUID | None:
        contract = self.contracts.get(order_id)
        return contract.supplier_id if contract else None

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
        self.contracts[order_id] = Contract(supplier_id, category, country, value_kzt, at, price_amendment)

    async def reprice(self, order_id: UUID, value_kzt: Decimal, amendment_number: int) -> bool:
        contract = self.contracts.get(order_id)
        if contract is None or contract.price_amendment >= amendment_number:
            return False
        contract.value_kzt, contract.price_amendment = value_kzt, amendment_number
        return True

    async def reduce_value(self, order_id: UUID, by_kzt: Decimal) -> bool:
        contract = self.contracts.get(order_id)
        if contract is None:
            return False
        contract.value_kzt = max(contract.value_kzt - by_kzt, Decimal(0))
        return True

    async def has_lot(self, inspection_id: UUID) -> bool:
        return inspection_id in self.lots

    async def add_lot(self, lot: LotResult) -> None:
        self.lots[lot.inspection_id] = lot

    async def take_waiting(self, order_id: UUID, supplier_id: UUID) -> WaitingFacts:
        lots = [lot for lot in self.lots.values() if lot.order_id == order_id and not lot.counted]
        for lot in lots:
            self.lots[lot.inspection_id] = replace(lot, supplier_id=supplier_id, counted=True)
        concessions = [
            d for d in self.dispositions.values() if d.order_id == order_id and d.concession and not d.counted
        ]
        for d in concessions:
            self.dispositions[d.nonconformance_id] = replace(d, supplier_id=supplier_id, counted=True)
        stops = [d for d in self.discontinuations.get(order_id, []) if not d.counted]
        for stop in stops:
            stop.supplier_id, stop.counted = supplier_id, True
        return WaitingFacts(tuple(lot.accepted for lot in lots), len(concessions), len(stops))

    async def has_delivery(self, order_id: UUID) -> bool:
        return order_id in self.deliveries

    async def add_delivery(
        self, order_id: UUID, *, supplier_id: UUID, on_time: bool, lots: int, lots_on_time: int, at: datetime
    ) -> None:
        self.deliveries[order_id] = (supplier_id, on_time, lots, lots_on_time)

    async def has_short_delivery(self, order_id: UUID, shipment_no: int) -> bool:
        return (order_id, shipment_no) in self.short_deliveries

    async def add_short_delivery(
        self, order_id: UUID, shipment_no: int, *, supplier_id: UUID, shipped: int, received: int, at: datetime
    ) -> None:
        self.short_deliveries[(order_id, shipment_no)] = (supplier_id, shipped, received)

    async def has_disposition(self, nonconformance_id: UUID) -> bool:
        return nonconformance_id in self.dispositions

    async def add_disposition(self, disposition: Disposition) -> None:
        self.dispositions[disposition.nonconformance_id] = disposition

    async def concession_reductions(self, order_id: UUID) -> Decimal:
        return sum(
            (
                d.price_reduction_kzt or Decimal(0)
                for d in self.dispositions.values()
                if d.order_id == order_id and d.disposition == CONCESSION
            ),
            Decimal(0),
        )

    async def discontinue(
        self, order_id: UUID, *, supplier_id: UUID | None, lots_not_accepted: int, counted: bool, at: datetime
    ) -> bool:
        kept = self.discontinuations.setdefault(order_id, [])
        if kept and not kept[-1].resumed:
            return False
        kept.append(Discontinuation(supplier_id, lots_not_accepted, counted))
        return True

    async def resume(self, order_id: UUID, at: datetime) -> bool:
        kept = self.discontinuations.get(order_id)
        if not kept or kept[-1].resumed:
            return False
        kept[-1].resumed = True
        return True

    async def has_amendment(self, order_id: UUID, amendment_number: int) -> bool:
        return (order_id, amendment_number) in self.amendments

    async def add_amendment(
        self, order_id: UUID, amendment_number: int, *, contract_price_kzt: Decimal | None, at: datetime
    ) -> None:
        self.amendments[(order_id, amendment_number)] = contract_price_kzt

    async def latest_amended_price(self, order_id: UUID) -> tuple[int, Decimal] | None:
        priced = [(n, p) for (o, n), p in self.amendments.items() if o == order_id and p is not None]
        return max(priced) if priced else None

    async def note_cancelled(self, order_id: UUID, at: datetime) -> bool:
        if order_id in self.cancelled:
            return False
        self.cancelled.add(order_id)
        return True

    async def add_award_decision(
        self, decision: AwardDecision, *, request_event_id: UUID, event_id: UUID, at: datetime
    ) -> None:
        self.decisions.append(Decision(decision, request_event_id, event_id))


class FakeSuppliersUnitOfWork(FakeRecorder):
    def __init__(self, *, actor: str = "mic-officer") -> None:
        super().__init__("sdo/suppliers", actor=actor, publishes=PUBLISHES)
        self.suppliers = FakeSupplierRepository()
        self.ledger = FakeOrderLedger()
