"""The scorecard counts lots, short receipts, concessions and discontinuations, each fact once; contracts
follow amended prices and concessions. On the fake unit of work: no app, no database."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.suppliers import consumers, handlers
from services.suppliers.domain.commands import (
    ApplyAmendment,
    CountContract,
    CountDelivery,
    CountDiscontinuation,
    CountDisposition,
    CountLot,
    CountShortDelivery,
    NoteResumption,
)
from services.suppliers.domain.scorecard import delivered_lots
from services.suppliers.domain.status import SupplierStatus
from services.suppliers.domain.supplier import Supplier
from shared.events.envelope import CloudEvent
from shared.events.payloads import LotAccepted, OrderDelivered
from shared.events.types import EventType
from tests.unit.suppliers.arrange import a_supplier
from tests.unit.suppliers.fakes import FakeSuppliersUnitOfWork


@pytest.fixture
def supplier(uow: FakeSuppliersUnitOfWork) -> Supplier:
    return a_supplier(uow, SupplierStatus.ACTIVE)


async def contract(uow: FakeSuppliersUnitOfWork, supplier: Supplier, price: str = "1000000.00") -> UUID:
    order_id = uuid4()
    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal(price)))
    return order_id


def counters(uow: FakeSuppliersUnitOfWork, supplier: Supplier) -> dict[str, int]:
    stored = uow.suppliers.stored[supplier.id].counters
    return {name: getattr(stored, name) for name in stored.__dataclass_fields__}


# The lots of a delivery.


@pytest.mark.parametrize(
    ("lots", "lots_on_time", "on_time", "counted"),
    [
        (None, None, True, (1, 1)),  # an event without lots: one lot, on time as the order was
        (None, None, False, (1, 0)),
        (3, 2, False, (3, 2)),
        (3, None, True, (3, 3)),
        (3, None, False, (3, 0)),
        (2, 5, True, (2, 2)),  # never more on time than delivered
    ],
)
def test_a_delivery_counts_its_lots_and_those_on_time(
    lots: int | None, lots_on_time: int | None, on_time: bool, counted: tuple[int, int]
) -> None:
    assert delivered_lots(lots, lots_on_time, on_time=on_time) == counted


async def test_an_order_delivered_in_three_lots_counts_three_deliveries_two_on_time(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = await contract(uow, supplier)
    cmd = CountDelivery(order_id, supplier.id, on_time=False, lots=3, lots_on_time=2)

    await handlers.count_delivery(uow, cmd)
    await handlers.count_delivery(uow, cmd)

    assert counters(uow, supplier)["deliveries"] == 3
    assert counters(uow, supplier)["on_time_deliveries"] == 2
    assert uow.ledger.deliveries[order_id] == (supplier.id, False, 3, 2)
    assert uow.audit[-1].details == {"order_id": str(order_id), "on_time": False, "lots": 3, "lots_on_time": 2}


async def test_the_delivered_event_passes_its_lots_to_the_scorecard(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = uuid4()
    data = {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "delivered",
        "version": 12,
        "supplier_id": str(supplier.id),
        "on_time": True,
        "lots": 2,
        "lots_on_time": 2,
    }
    event = CloudEvent(source="sdo/orders", type=EventType.ORDER_DELIVERED, subject=str(order_id), data=data)

    await consumers.on_order_delivered(event, OrderDelivered.model_validate(data), uow)

    assert (counters(uow, supplier)["deliveries"], counters(uow, supplier)["on_time_deliveries"]) == (2, 2)


# Short receipts.


async def test_a_short_receipt_counts_once_per_shipment(uow: FakeSuppliersUnitOfWork, supplier: Supplier) -> None:
    order_id = await contract(uow, supplier)

    await handlers.count_short_delivery(uow, CountShortDelivery(order_id, supplier.id, 1, shipped=40, received=38))
    await handlers.count_short_delivery(uow, CountShortDelivery(order_id, supplier.id, 1, shipped=40, received=38))
    await handlers.count_short_delivery(uow, CountShortDelivery(order_id, supplier.id, 2, shipped=2, received=1))

    assert counters(uow, supplier)["short_deliveries"] == 2
    assert uow.ledger.short_deliveries[(order_id, 1)] == (supplier.id, 40, 38)
    assert uow.audit_actions().count("scorecard_short_delivery_counted") == 2


# Concessions.


def disposition(order_id: UUID, kind: str = "use_as_is", **fields: object) -> CountDisposition:
    values: dict[str, object] = {
        "nonconformance_id": uuid4(),
        "inspection_id": uuid4(),
        "supplier_id": None,
        "price_reduction_kzt": Decimal("50000.00") if kind == "use_as_is" else None,
        **fields,
    }
    return CountDisposition(order_id=order_id, disposition=kind, **values)  # type: ignore[arg-type]


async def test_a_use_as_is_disposition_counts_one_concession_once_and_lowers_the_contract_value(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = await contract(uow, supplier)
    cmd = disposition(order_id)

    await handlers.count_disposition(uow, cmd)
    await handlers.count_disposition(uow, cmd)

    assert counters(uow, supplier)["concessions"] == 1
    assert uow.ledger.contracts[order_id].value_kzt == Decimal("950000.00")
    assert uow.ledger.dispositions[cmd.nonconformance_id].counted
    assert uow.audit_actions()[-1] == "scorecard_concession_counted"


@pytest.mark.parametrize("kind", ["rework", "repair", "scrap", "return"])
async def test_other_dispositions_are_kept_but_count_no_concession(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier, kind: str
) -> None:
    order_id = await contract(uow, supplier)

    await handlers.count_disposition(uow, disposition(order_id, kind))

    assert counters(uow, supplier)["concessions"] == 0
    assert [d.disposition for d in uow.ledger.dispositions.values()] == [kind]
    assert uow.ledger.contracts[order_id].value_kzt == Decimal("1000000.00")


async def test_a_concession_for_a_lot_counted_rejected_does_not_count_the_lot_twice(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id, inspection_id = await contract(uow, supplier), uuid4()
    await handlers.count_lot(uow, CountLot(order_id, inspection_id, None, accepted=False))

    await handlers.count_disposition(uow, disposition(order_id, inspection_id=inspection_id))
    await handlers.count_lot(uow, CountLot(order_id, inspection_id, supplier.id, accepted=True, concession=True))

    card = counters(uow, supplier)
    assert (card["lots_inspected"], card["lots_accepted"], card["concessions"]) == (1, 0, 1)


async def test_a_concession_told_before_its_rejection_counts_the_lot_once_as_not_accepted(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id, inspection_id = await contract(uow, supplier), uuid4()
    data = {
        "order_id": str(order_id),
        "inspection_id": str(inspection_id),
        "certificate_id": str(uuid4()),
        "concession": True,
        "price_reduction_kzt": "50000.00",
    }
    event = CloudEvent(source="sdo/quality", type=EventType.QUALITY_LOT_ACCEPTED, subject=str(order_id), data=data)

    await consumers.on_lot_accepted(event, LotAccepted.model_validate(data), uow)
    await handlers.count_lot(uow, CountLot(order_id, inspection_id, None, accepted=False))

    card = counters(uow, supplier)
    assert (card["lots_inspected"], card["lots_accepted"]) == (1, 0)
    assert uow.audit[-1].details["concession"] is True


async def test_a_concession_before_the_contract_waits_and_counts_with_it(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = uuid4()
    await handlers.count_disposition(uow, disposition(order_id))
    assert counters(uow, supplier)["concessions"] == 0

    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal("1000000.00")))

    assert counters(uow, supplier)["concessions"] == 1
    assert uow.ledger.contracts[order_id].value_kzt == Decimal("950000.00")
    assert all(d.counted and d.supplier_id == supplier.id for d in uow.ledger.dispositions.values())


# Discontinuations.


async def test_a_discontinuation_counts_once_until_the_inspections_resume_and_then_again(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = await contract(uow, supplier)
    stop = CountDiscontinuation(order_id, supplier.id, lots_not_accepted=5)

    await handlers.count_discontinuation(uow, stop)
    await handlers.count_discontinuation(uow, stop)
    assert counters(uow, supplier)["discontinuations"] == 1

    await handlers.note_resumption(uow, NoteResumption(order_id, "corrective action verified"))
    await handlers.note_resumption(uow, NoteResumption(order_id, "corrective action verified"))
    await handlers.count_discontinuation(uow, stop)

    assert counters(uow, supplier)["discontinuations"] == 2
    assert uow.audit_actions().count("inspection_resumed") == 1


async def test_a_discontinuation_naming_no_supplier_counts_for_the_contract_or_waits_for_it(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    contracted_order, early_order = await contract(uow, supplier), uuid4()

    await handlers.count_discontinuation(uow, CountDiscontinuation(contracted_order, None, 5))
    await handlers.count_discontinuation(uow, CountDiscontinuation(early_order, None, 5))
    assert counters(uow, supplier)["discontinuations"] == 1

    await handlers.count_contract(uow, CountContract(early_order, supplier.id, "repair", Decimal(1)))
    assert counters(uow, supplier)["discontinuations"] == 2


# Amended prices.


async def test_an_amended_price_replaces_the_contract_value_once_and_never_by_an_older_amendment(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = await contract(uow, supplier)

    await handlers.apply_amendment(uow, ApplyAmendment(order_id, 2, Decimal("800000.00")))
    await handlers.apply_amendment(uow, ApplyAmendment(order_id, 1, Decimal("900000.00")))
    await handlers.apply_amendment(uow, ApplyAmendment(order_id, 2, Decimal("700000.00")))

    assert uow.ledger.contracts[order_id].value_kzt == Decimal("800000.00")
    assert uow.ledger.contracts[order_id].price_amendment == 2
    assert uow.audit_actions().count("contract_repriced") == 1


async def test_an_amendment_that_leaves_the_price_changes_no_value(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = await contract(uow, supplier)

    await handlers.apply_amendment(uow, ApplyAmendment(order_id, 1, None))

    assert uow.ledger.contracts[order_id].value_kzt == Decimal("1000000.00")
    assert (order_id, 1) in uow.ledger.amendments
    assert "contract_repriced" not in uow.audit_actions()


async def test_an_amendment_told_before_the_contract_prices_it(
    uow: FakeSuppliersUnitOfWork, supplier: Supplier
) -> None:
    order_id = uuid4()
    await handlers.apply_amendment(uow, ApplyAmendment(order_id, 1, Decimal("600000.00")))

    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal("1000000.00")))

    kept = uow.ledger.contracts[order_id]
    assert (kept.value_kzt, kept.price_amendment) == (Decimal("600000.00"), 1)
    assert counters(uow, supplier)["orders_awarded"] == 1
