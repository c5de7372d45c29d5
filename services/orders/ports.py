"""What the handlers need of storage: the orders unit of work and its repositories.

``db/`` implements them on SQL (``SqlOrdersUnitOfWork``); the handler tests on in-memory fakes
(``tests/unit/orders/fakes.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from services.orders.domain.funding import FundProject
from services.orders.domain.order import Order
from services.orders.domain.pricing import CurrencyRates
from shared.recorder import Recorder


class OrderRepository(Protocol):
    async def get_for_change(self, ref: str | UUID, supplier_scope: UUID | None = None) -> Order | None:
        """The order named by id or number, as the caller may see it, held until commit; else None."""
        ...

    async def next_number(self, year: int) -> str:
        """The next order number of ``year``, counted in this transaction."""
        ...

    async def save(self, order: Order) -> None:
        """Store the order (new or loaded), its new or decided amendments, and write down its pending transitions."""
        ...


class RateRepository(Protocol):
    async def in_force(self, at: datetime | None = None) -> Mapping[str, Decimal]:
        """KZT per unit in force at ``at`` (default now): the defaults with the rates set through the API on top."""
        ...

    async def get_for_change(self, currency: str) -> CurrencyRates | None:
        """Every rate set for the currency, held until commit; None while nothing was set."""
        ...

    async def save(self, rates: CurrencyRates) -> None:
        """Store the currency's version and its pending rates."""
        ...


class FundProjectRepository(Protocol):
    async def get(self, project_id: UUID) -> FundProject | None:
        """The project as the fund's events told it; None when the fund never announced it."""
        ...

    async def get_for_change(self, project_id: UUID) -> FundProject | None: ...

    async def save(self, project: FundProject) -> None: ...


class OrdersUnitOfWork(Recorder, Protocol):
    orders: OrderRepository
    rates: RateRepository
    fund_projects: FundProjectRepository
