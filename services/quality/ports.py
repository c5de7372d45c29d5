"""What the handlers and consumers need of storage: the quality unit of work and its repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from uuid import UUID

from services.quality.domain.certificate import Certificate
from services.quality.domain.inspection import Inspection
from services.quality.domain.nonconformance import Nonconformance
from services.quality.domain.plan import OrderPlan
from shared.recorder import Recorder


class Plans(Protocol):
    async def get(self, order_id: UUID, *, for_change: bool = False) -> OrderPlan | None:
        """The order's plan; ``for_change`` locks it against concurrent changes."""

    async def add(self, plan: OrderPlan) -> None: ...

    async def save(self, plan: OrderPlan) -> None: ...


class Inspections(Protocol):
    async def get_for_change(self, inspection_id: UUID) -> Inspection | None:
        """The inspection, locked against concurrent changes, with the serials it has measured."""

    async def of_round(self, order_id: UUID, round_: int) -> Inspection | None: ...

    async def open_of_order(self, order_id: UUID) -> Sequence[Inspection]:
        """The order's open inspections, locked."""

    async def readings(self, inspection_id: UUID) -> Mapping[str, Mapping[str, object]]:
        """``unit_serial -> {code: value}`` of every stored measurement, as the verdict takes them."""

    async def add(self, inspection: Inspection) -> None: ...

    async def save(self, inspection: Inspection) -> None:
        """Copy the changes back, with the measurements the change added."""


class Certificates(Protocol):
    async def next_sequence(self, year: int) -> int:
        """The next certificate number of ``year``, taken in this unit of work (a rollback leaves no gap)."""

    async def add(self, certificate: Certificate, supplier_id: UUID) -> None: ...


class Nonconformances(Protocol):
    async def get_for_change(self, nonconformance_id: UUID) -> Nonconformance | None:
        """The report, locked against concurrent dispositions."""

    async def open_of_order(self, order_id: UUID) -> Sequence[Nonconformance]:
        """The order's open reports, locked."""

    async def add(self, nonconformance: Nonconformance) -> None: ...

    async def save(self, nonconformance: Nonconformance) -> None: ...


class QualityUnitOfWork(Recorder, Protocol):
    plans: Plans
    inspections: Inspections
    certificates: Certificates
    nonconformances: Nonconformances
