"""A fake quality unit of work: in-memory repositories beside the kernel's FakeRecorder.

It implements ``services.quality.ports.QualityUnitOfWork`` as the SQL one does, so handlers and
consumers run against it in milliseconds, with no database, broker or app.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from services.quality.app import PUBLISHES
from services.quality.domain.certificate import Certificate
from services.quality.domain.inspection import Inspection, InspectionStatus, Measurement
from services.quality.domain.nonconformance import Nonconformance, NonconformanceStatus
from services.quality.domain.plan import OrderPlan
from tests.fakes import FakeRecorder


class FakePlans:
    def __init__(self) -> None:
        self.by_order: dict[UUID, OrderPlan] = {}
        self.saved: list[UUID] = []

    async def get(self, order_id: UUID, *, for_change: bool = False) -> OrderPlan | None:
        return self.by_order.get(order_id)

    async def add(self, plan: OrderPlan) -> None:
        self.by_order[plan.order_id] = plan

    async def save(self, plan: OrderPlan) -> None:
        self.saved.append(plan.order_id)


class FakeInspections:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Inspection] = {}
        self.measurements: dict[UUID, list[Measurement]] = {}

    async def get_for_change(self, inspection_id: UUID) -> Inspection | None:
        inspection = self.by_id.get(inspection_id)
        if inspection is not None:
            inspection.measured_serials = {m.unit_serial for m in self.measurements.get(inspection_id, [])}
        return inspection

    async def of_round(self, order_id: UUID, round_: int) -> Inspection | None:
        return next((i for i in self.by_id.values() if (i.order_id, i.round) == (order_id, round_)), None)

    async def open_of_order(self, order_id: UUID) -> Sequence[Inspection]:
        return [i for i in self.by_id.values() if i.order_id == order_id and i.status is InspectionStatus.OPEN]

    async def readings(self, inspection_id: UUID) -> Mapping[str, Mapping[str, object]]:
        return {m.unit_serial: dict(m.values) for m in self.measurements.get(inspection_id, [])}

    async def add(self, inspection: Inspection) -> None:
        self.by_id[inspection.id] = inspection

    async def save(self, inspection: Inspection) -> None:
        self.measurements.setdefault(inspection.id, []).extend(inspection.new_measurements)
        inspection.new_measurements.clear()

    def of_order(self, order_id: UUID) -> list[Inspection]:
        return [i for i in self.by_id.values() if i.order_id == order_id]


class FakeCertificates:
    def __init__(self) -> None:
        self.last: dict[int, int] = {}
        self.issued: list[tuple[Certificate, UUID]] = []

    async def next_sequence(self, year: int) -> int:
        self.last[year] = self.last.get(year, 0) + 1
        return self.last[year]

    async def add(self, certificate: Certificate, supplier_id: UUID) -> None:
        self.issued.append((certificate, supplier_id))


class FakeNonconformances:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Nonconformance] = {}

    async def get_for_change(self, nonconformance_id: UUID) -> Nonconformance | None:
        return self.by_id.get(nonconformance_id)

    async def open_of_order(self, order_id: UUID) -> Sequence[Nonconformance]:
        return [r for r in self.by_id.values() if r.order_id == order_id and r.status is NonconformanceStatus.OPEN]

    async def add(self, nonconformance: Nonconformance) -> None:
        self.by_id[nonconformance.id] = nonconformance

    async def save(self, nonconformance: Nonconformance) -> None:
        pass

    def of_order(self, order_id: UUID) -> list[Nonconformance]:
        return [r for r in self.by_id.values() if r.order_id == order_id]


class FakeQualityUnitOfWork(FakeRecorder):
    def __init__(self, *, actor: str = "inspector-7") -> None:
        super().__init__("sdo/quality", actor=actor, publishes=PUBLISHES)
        self.plans = FakePlans()
        self.inspections = FakeInspections()
        self.certificates = FakeCertificates()
        self.nonconformances = FakeNonconformances()
