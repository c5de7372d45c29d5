"""The orders unit of work in memory, for handler tests without a database or an app.

cosmicpython's ``FakeUnitOfWork``: the kernel half (``FakeRecorder``: events and audit entries)
plus in-memory repositories with the real ports' interface.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from services.orders.domain.delivery import Shipment
from services.orders.domain.funding import FundProject
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.numbering import format_order_number, is_order_number
from services.orders.domain.order import PUBLISHES, Order, Transition
from services.orders.domain.pricing import CurrencyRates, RateEntry, merge_rates
from services.orders.domain.specification import Category, FundingSource, Specification
from shared.requirements import TechnicalRequirement
from tests.fakes import FakeRecorder

NOW = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


class FakeOrders:
    def __init__(self) -> None:
        self.stored: dict[UUID, Order] = {}
        self.written: list[Transition] = []  # the history rows save() would write
        self._numbers: dict[int, int] = {}

    async def get_for_change(self, ref: str | UUID, supplier_scope: UUID | None = None) -> Order | None:
        found = next((o for o in self.stored.values() if ref in (o.id, o.number, str(o.id))), None)
        if found is None or (supplier_scope is not None and found.supplier_id != supplier_scope):
            return None
        return copy.deepcopy(found)  # a loaded copy: what a refused command changed is never stored

    async def next_number(self, year: int) -> str:
        self._numbers[year] = self._numbers.get(year, 0) + 1
        return format_order_number(year, self._numbers[year])

    async def save(self, order: Order) -> None:
        self.written += order.pending
        order.pending.clear()
        for amendment in order.amendments:
            amendment.dirty = False
        self.stored[order.id] = copy.deepcopy(order)

    def put(self, order: Order) -> Order:
        """Store an order as if earlier commands had brought it where it stands."""
        assert is_order_number(order.number)
        self.stored[order.id] = copy.deepcopy(order)
        return order


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class FakeRates:
    """Rates by currency; ``stored`` ones are in force since long before the tests' moment."""

    def __init__(self, stored: Mapping[str, Decimal] | None = None) -> None:
        self.stored = {
            code: CurrencyRates(code, [RateEntry(rate, EPOCH, 1, EPOCH, "setup")], 1, EPOCH, "setup")
            for code, rate in (stored or {}).items()
        }

    async def in_force(self, at: datetime | None = None) -> dict[str, Decimal]:
        moment = NOW if at is None else at
        in_force = {code: rates.rate_at(moment) for code, rates in self.stored.items()}
        return merge_rates({code: rate for code, rate in in_force.items() if rate is not None})

    async def get_for_change(self, currency: str) -> CurrencyRates | None:
        return copy.deepcopy(self.stored.get(currency))

    async def save(self, rates: CurrencyRates) -> None:
        rates.pending.clear()
        self.stored[rates.currency] = copy.deepcopy(rates)


class FakeFundProjects:
    def __init__(self) -> None:
        self.stored: dict[UUID, FundProject] = {}

    async def get(self, project_id: UUID) -> FundProject | None:
        return copy.deepcopy(self.stored.get(project_id))

    async def get_for_change(self, project_id: UUID) -> FundProject | None:
        return copy.deepcopy(self.stored.get(project_id))

    async def save(self, project: FundProject) -> None:
        self.stored[project.id] = copy.deepcopy(project)


class FakeOrdersUnitOfWork(FakeRecorder):
    def __init__(self, *, actor: str = "officer", rates: Mapping[str, Decimal] | None = None) -> None:
        super().__init__("sdo/orders", actor=actor, publishes=PUBLISHES)
        self.orders = FakeOrders()
        self.rates = FakeRates(rates)
        self.fund_projects = FakeFundProjects()


def a_spec(**changes: Any) -> Specification:
    """A valid specification; name a field to change it."""
    values: dict[str, Any] = {
        "title": "Overhaul of armoured personnel carriers",
        "category": Category.REPAIR,
        "quantity": 100,
        "unit": "vehicle",
        "delivery_deadline": date(2030, 6, 30),
        "delivery_location": "Astana",
        "price_ceiling": Money(Decimal("1000000.00"), "KZT"),
        "funding_source": FundingSource.STATE_BUDGET,
        "min_local_content": Decimal("40"),
        "required_certifications": ("ISO 9001",),
        "requires_security_clearance": True,
        "aql": Decimal("1.0"),
        "technical_requirements": (
            TechnicalRequirement("LEN", "Length", "mm", Decimal("99.5"), Decimal("100.5"), critical=True),
            TechnicalRequirement("MASS", "Mass", "kg", None, Decimal("12")),
        ),
        **changes,
    }
    return Specification(**values)


# Where the whole order was accepted in one lot, and shipped in one shipment (as the migration sets old orders).
_ALL_ACCEPTED = {OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED}
_ALL_SHIPPED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED}


def an_order(status: OrderStatus = OrderStatus.DRAFT, **fields: Any) -> Order:
    """An order standing at ``status``; pass the fields its earlier moves would have set.

    Left out, an order past acceptance has every unit accepted, and one shipped has shipped them
    all in shipment 1 (received in full once delivered).
    """
    quantity = fields.get("spec", a_spec()).quantity
    if status in _ALL_ACCEPTED:
        fields.setdefault("accepted_quantity", quantity)
    if status in _ALL_SHIPPED and "shipments" not in fields:
        shipment = Shipment(1, quantity, "WB-1", NOW)
        if status != OrderStatus.SHIPPED:
            shipment.received_quantity, shipment.received_at, shipment.received_on = quantity, NOW, NOW.date()
            shipment.receipt_no, shipment.on_time = 1, True
        fields["shipments"] = [shipment]
    values: dict[str, Any] = {
        "id": uuid4(),
        "number": "SDO-2030-000001",
        "spec": a_spec(),
        "status": status,
        "version": 3,
        "created_by": "officer",
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return Order(**values)
