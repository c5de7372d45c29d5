"""Contract amendments (contract section 8) on the fake unit of work: the rules of each command."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from services.orders import handlers
from services.orders.domain.amendment import AMENDMENT, AmendmentAction, AmendmentStatus, Changes
from services.orders.domain.commands import AcceptAmendment, ProposeAmendment, RejectAmendment, WithdrawAmendment
from services.orders.domain.delivery import ScheduledLot, Shipment
from services.orders.domain.errors import (
    AmendmentAlreadyProposed,
    AmendmentNoLongerApplies,
    AmendmentNotFound,
    OrderNotFound,
    PriceAboveCeiling,
    UnknownCurrency,
)
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.order import Order
from services.orders.domain.pricing import CurrencyRates, RateEntry
from shared import clock
from shared.errors import IllegalTransition, InvalidInput, StaleVersion
from shared.events.types import EventType
from shared.principal import Principal
from shared.versioning import Expected
from tests.unit.orders.fakes import NOW, FakeOrdersUnitOfWork, a_spec, an_order

OFFICER = Principal("officer", frozenset({"mod_officer"}))
SUPPLIER_ID = uuid4()
SUPPLIER = Principal("supplier-user", frozenset({"supplier"}), supplier_id=SUPPLIER_ID)
TODAY = NOW.date()
DEADLINE = date(2030, 6, 30)


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda timezone=None: TODAY)


@pytest.fixture
def uow() -> FakeOrdersUnitOfWork:
    return FakeOrdersUnitOfWork()


def contracted(uow: FakeOrdersUnitOfWork, status: OrderStatus = OrderStatus.CONTRACTED, **fields: object) -> Order:
    award = {
        "supplier_id": SUPPLIER_ID,
        "contract_price": Money(Decimal("900000.00"), "KZT"),
        "contract_price_kzt": Decimal("900000.00"),
        "rate_used": Decimal(1),
    }
    return uow.orders.put(an_order(status, **{**award, **fields}))


def still(uow: FakeOrdersUnitOfWork, order: Order) -> Order:
    return uow.orders.stored[order.id]


def propose(order: Order, reason: str = "needs changed", **changes: object) -> ProposeAmendment:
    return ProposeAmendment(order_ref=order.number, actor=OFFICER, changes=Changes(**changes), reason=reason)  # type: ignore[arg-type]


def accept(order: Order, number: int = 1, expected: Expected | None = None) -> AcceptAmendment:
    return AcceptAmendment(order_ref=order.number, actor=SUPPLIER, number=number, expected=expected)


def kzt(amount: str) -> Money:
    return Money(Decimal(amount), "KZT")


# --- proposing ----------------------------------------------------------------------------------


async def test_a_proposal_after_award_is_an_open_amendment_and_a_new_version_of_the_order(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow)
    proposed = await handlers.propose_amendment(uow, propose(order, "two vehicles no longer needed", quantity=80))
    amendment = proposed.amendment(1)
    assert (amendment.status, amendment.version, amendment.proposed_by, amendment.proposed_at) == (
        "proposed",
        1,
        "officer",
        NOW,
    )
    assert amendment.changes.as_dict() == {"quantity": 80}
    assert (proposed.status, proposed.version, proposed.spec.quantity) == ("contracted", order.version + 1, 100)
    assert uow.orders.written[-1].reason == (
        "amendment 1 proposed: quantity 100 -> 80; delivery_schedule [100 by 2030-06-30] -> [80 by 2030-06-30] "
        "(two vehicles no longer needed)"
    )
    assert uow.audit_actions() == ["order.amendment_proposed"]
    assert uow.event_types() == ["kz.sdo.order.contracted.v1"]  # the order's plain status event, no request


@pytest.mark.parametrize("status", ["draft", "published", "award_pending", "delivered", "closed", "cancelled"])
async def test_an_amendment_is_proposed_only_between_contracted_and_shipped(
    uow: FakeOrdersUnitOfWork, status: str
) -> None:
    order = contracted(uow, OrderStatus(status))
    with pytest.raises(IllegalTransition) as refused:
        await handlers.propose_amendment(uow, propose(order, quantity=80))
    assert refused.value.current_status == status
    assert still(uow, order).amendments == [] and uow.events == []


async def test_one_amendment_is_open_at_a_time(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, quantity=80))
    with pytest.raises(AmendmentAlreadyProposed) as refused:
        await handlers.propose_amendment(uow, propose(order, delivery_deadline=date(2030, 9, 30)))
    assert refused.value.details == {"open_amendment": 1}
    assert len(still(uow, order).amendments) == 1


async def test_a_proposal_naming_nothing_or_changing_nothing_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    with pytest.raises(InvalidInput) as nothing:
        await handlers.propose_amendment(uow, propose(order))
    with pytest.raises(InvalidInput) as same:
        await handlers.propose_amendment(uow, propose(order, quantity=100, contract_price=kzt("900000.00")))
    assert (nothing.value.field, same.value.field) == ("changes", "changes")
    assert "changes nothing" in same.value.message


async def test_the_quantity_never_goes_below_the_units_accepted(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=60, shipments=[Shipment(1, 40, "WB-1", NOW)])
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, quantity=59))
    assert refused.value.errors == [
        {"field": "changes.quantity", "message": "must not be below the 60 units already accepted (40 shipped): 60"}
    ]
    assert (await handlers.propose_amendment(uow, propose(order, quantity=60))).open_amendment is not None


async def test_the_lot_under_inspection_counts_as_well(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, accepted_quantity=50, lot_size=20, inspection_rounds=2)
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, quantity=69))
    assert (
        refused.value.field == "changes.quantity" and "the 20 of the lot under inspection: 70" in refused.value.message
    )


async def test_a_price_above_the_ceiling_in_kzt_or_without_a_rate_is_refused() -> None:
    uow = FakeOrdersUnitOfWork(rates={"EUR": Decimal("500")})
    order = contracted(uow)
    with pytest.raises(PriceAboveCeiling) as above:
        await handlers.propose_amendment(uow, propose(order, contract_price=Money(Decimal("2000.01"), "EUR")))
    with pytest.raises(UnknownCurrency) as unknown:
        await handlers.propose_amendment(uow, propose(order, contract_price=Money(Decimal("1.00"), "XAU")))
    assert (above.value.field, above.value.price_kzt, above.value.ceiling_kzt) == (
        "changes.contract_price",
        Decimal("1000005.00"),
        Decimal("1000000.00"),
    )
    assert unknown.value.field == "changes.contract_price.currency"


async def test_a_deadline_in_the_past_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, delivery_deadline=TODAY - timedelta(days=1)))
    assert refused.value.field == "changes.delivery_deadline"


TWO_LOTS = (ScheduledLot(60, date(2030, 3, 31)), ScheduledLot(40, DEADLINE))


async def test_an_order_with_a_schedule_of_its_own_needs_a_new_one_when_the_quantity_changes(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, spec=a_spec(delivery_schedule=TWO_LOTS))
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, quantity=80))
    assert refused.value.field == "changes.delivery_schedule"
    assert "sum to 100, not to the ordered quantity 80" in refused.value.message
    schedule = (ScheduledLot(60, date(2030, 3, 31)), ScheduledLot(20, DEADLINE))
    assert await handlers.propose_amendment(uow, propose(order, quantity=80, delivery_schedule=schedule))


async def test_a_deadline_before_a_lot_already_due_then_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, spec=a_spec(delivery_schedule=TWO_LOTS))
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, delivery_deadline=date(2030, 5, 31)))
    assert refused.value.field == "changes.delivery_schedule"
    assert "must not be after the delivery deadline 2030-05-31" in refused.value.message


async def test_a_schedule_that_does_not_add_up_is_refused_naming_the_lot(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    wrong = (ScheduledLot(60, date(2030, 4, 30)), ScheduledLot(30, date(2030, 3, 31)))
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, delivery_schedule=wrong))
    assert refused.value.field == "changes.delivery_schedule[1].due_date"


async def test_a_lot_received_in_full_keeps_its_terms(uow: FakeOrdersUnitOfWork) -> None:
    received = Shipment(1, 60, "WB-1", NOW, 60, NOW, TODAY, 1, True)
    order = contracted(
        uow,
        OrderStatus.IN_PRODUCTION,
        spec=a_spec(delivery_schedule=TWO_LOTS),
        accepted_quantity=60,
        shipments=[received],
    )
    moved = (ScheduledLot(60, date(2030, 4, 30)), ScheduledLot(40, DEADLINE))
    with pytest.raises(InvalidInput) as refused:
        await handlers.propose_amendment(uow, propose(order, delivery_schedule=moved))
    assert refused.value.field == "changes.delivery_schedule[0]"
    later = (ScheduledLot(60, date(2030, 3, 31)), ScheduledLot(40, date(2030, 9, 30)))
    assert await handlers.propose_amendment(
        uow, propose(order, delivery_deadline=date(2030, 9, 30), delivery_schedule=later)
    )


# --- accepting ----------------------------------------------------------------------------------


async def test_an_accepted_amendment_applies_in_one_go_and_announces_before_and_after(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=20)
    changes = {"quantity": 80, "delivery_deadline": date(2030, 9, 30), "contract_price": kzt("720000.00")}
    proposed = await handlers.propose_amendment(uow, propose(order, **changes))
    amended = await handlers.accept_amendment(uow, accept(order))
    assert (amended.spec.quantity, amended.spec.delivery_deadline, amended.contract_price_kzt) == (
        80,
        date(2030, 9, 30),
        Decimal("720000.00"),
    )
    assert amended.lots[0].quantity == 80 and amended.lots[0].due_date == date(2030, 9, 30)  # the default follows
    assert (amended.status, amended.version) == ("in_production", proposed.version + 1)
    amendment = amended.amendment(1)
    assert (amendment.status, amendment.version, amendment.decided_by) == ("accepted", 2, "officer")
    assert amendment.before == {
        "quantity": 100,
        "delivery_deadline": "2030-06-30",
        "delivery_schedule": [{"quantity": 100, "due_date": "2030-06-30"}],
        "contract_price": {"amount": "900000.00", "currency": "KZT"},
    }
    assert amendment.after is not None and amendment.after["quantity"] == 80
    assert uow.event_types()[-2:] == ["kz.sdo.order.in_production.v1", "kz.sdo.order.amended.v1"]
    event = uow.events[-1].data
    assert (event["amendment_number"], event["quantity"], event["accepted_quantity"]) == (1, 80, 20)
    assert (event["contract_price_kzt"], event["category"], event["before"]) == (
        "720000.00",
        "repair",
        amendment.before,
    )
    assert uow.audit_actions()[-1] == "order.amend"
    assert uow.audit[-1].details["after"] == amendment.after
    assert uow.orders.written[-1].reason.startswith("amendment 1 accepted: quantity 100 -> 80; delivery_deadline")


async def test_an_amended_price_converts_at_the_rate_in_force_when_accepted_and_keeps_it() -> None:
    uow = FakeOrdersUnitOfWork(rates={"EUR": Decimal("480")})
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, contract_price=Money(Decimal("1800.00"), "EUR")))
    eur = uow.rates.stored["EUR"]
    eur.entries.append(RateEntry(Decimal("500"), NOW, 2, NOW, "treasury"))  # the rate changed before acceptance
    amended = await handlers.accept_amendment(uow, accept(order))
    assert (amended.contract_price, amended.contract_price_kzt, amended.rate_used) == (
        Money(Decimal("1800.00"), "EUR"),
        Decimal("900000.00"),
        Decimal("500"),
    )
    amendment = amended.amendment(1)
    assert (amendment.contract_price_kzt, amendment.rate_used) == (Decimal("900000.00"), Decimal("500"))
    assert uow.audit[-1].details["rate_used"] == "500"


async def test_a_price_the_rates_push_above_the_ceiling_before_acceptance_no_longer_applies() -> None:
    uow = FakeOrdersUnitOfWork(rates={"EUR": Decimal("480")})
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, contract_price=Money(Decimal("2000.00"), "EUR")))
    uow.rates.stored["EUR"] = CurrencyRates("EUR", [RateEntry(Decimal("600"), NOW, 1, NOW, "treasury")], 1)
    with pytest.raises(AmendmentNoLongerApplies) as refused:
        await handlers.accept_amendment(uow, accept(order))
    assert refused.value.code == "amendment-no-longer-applies"
    assert refused.value.details["errors"][0]["field"] == "changes.contract_price"
    assert still(uow, order).amendment(1).status == "proposed"  # still the supplier's to reject


async def test_a_quantity_cut_to_the_units_accepted_completes_the_order(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=60)
    await handlers.propose_amendment(uow, propose(order, quantity=60))
    assert (await handlers.accept_amendment(uow, accept(order))).status == "accepted"


async def test_a_quantity_cut_to_the_units_shipped_or_received_ships_or_delivers_it(uow: FakeOrdersUnitOfWork) -> None:
    shipped = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=60, shipments=[Shipment(1, 60, "WB-1", NOW)])
    await handlers.propose_amendment(uow, propose(shipped, quantity=60))
    assert (await handlers.accept_amendment(uow, accept(shipped))).status == "shipped"
    received = Shipment(1, 60, "WB-1", NOW, 60, NOW, TODAY - timedelta(days=2), 1, True)
    order = contracted(
        uow, OrderStatus.IN_PRODUCTION, number="SDO-2030-000002", accepted_quantity=60, shipments=[received]
    )
    await handlers.propose_amendment(uow, propose(order, quantity=60))
    delivered = await handlers.accept_amendment(uow, accept(order))
    assert (delivered.status, delivered.delivered_on, delivered.on_time) == (
        "delivered",
        TODAY - timedelta(days=2),
        True,
    )
    assert uow.event_types()[-2:] == ["kz.sdo.order.delivered.v1", "kz.sdo.order.amended.v1"]
    assert (uow.events[-2].data["lots"], uow.events[-2].data["lots_on_time"]) == (1, 1)


@pytest.mark.parametrize("status", [OrderStatus.ACCEPTED, OrderStatus.SHIPPED])
async def test_units_added_to_an_order_accepted_or_shipped_send_it_back_to_production(
    uow: FakeOrdersUnitOfWork, status: OrderStatus
) -> None:
    order = contracted(uow, status)
    await handlers.propose_amendment(uow, propose(order, quantity=120))
    amended = await handlers.accept_amendment(uow, accept(order))
    assert (amended.status, amended.spec.quantity, amended.accepted_quantity) == ("in_production", 120, 100)


async def test_an_amendment_the_order_has_outgrown_no_longer_applies(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=40)
    await handlers.propose_amendment(uow, propose(order, quantity=50))
    moved_on = still(uow, order)
    moved_on.accepted_quantity = 70  # a lot was accepted meanwhile
    uow.orders.put(moved_on)
    with pytest.raises(AmendmentNoLongerApplies) as refused:
        await handlers.accept_amendment(uow, accept(order))
    assert refused.value.details["errors"][0]["field"] == "changes.quantity"
    assert (still(uow, order).spec.quantity, still(uow, order).amendment(1).status) == (100, "proposed")


async def test_an_order_gone_past_shipped_can_no_longer_be_amended(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED)
    await handlers.propose_amendment(uow, propose(order, delivery_deadline=date(2030, 9, 30)))
    delivered = still(uow, order)
    delivered.status = OrderStatus.DELIVERED
    uow.orders.put(delivered)
    with pytest.raises(IllegalTransition) as refused:
        await handlers.accept_amendment(uow, accept(order))
    assert (refused.value.resource, refused.value.current_status) == ("order", "delivered")


# --- deciding: who, once, on which version --------------------------------------------------------


async def test_a_decided_amendment_cannot_be_decided_again(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, quantity=90))
    rejected = await handlers.reject_amendment(
        uow, RejectAmendment(order_ref=order.number, actor=SUPPLIER, number=1, reason="cannot meet it")
    )
    amendment = rejected.amendment(1)
    assert (amendment.status, amendment.decision_reason, rejected.spec.quantity) == ("rejected", "cannot meet it", 100)
    assert uow.orders.written[-1].reason == "amendment 1 rejected by the supplier: cannot meet it"
    for decide in (
        handlers.accept_amendment(uow, accept(order)),
        handlers.withdraw_amendment(uow, WithdrawAmendment(order_ref=order.number, actor=OFFICER, number=1)),
    ):
        with pytest.raises(IllegalTransition) as refused:
            await decide
        assert (refused.value.resource, refused.value.current_status) == ("amendment", "rejected")


async def test_a_withdrawn_amendment_makes_room_for_the_next(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, quantity=90))
    withdraw = WithdrawAmendment(order_ref=order.number, actor=OFFICER, number=1, reason="wrong quantity")
    withdrawn = await handlers.withdraw_amendment(uow, withdraw)
    assert withdrawn.amendment(1).status == AmendmentStatus.WITHDRAWN
    again = await handlers.propose_amendment(uow, propose(order, quantity=95))
    assert [(a.number, a.status) for a in again.amendments] == [(1, "withdrawn"), (2, "proposed")]
    assert uow.audit_actions() == ["order.amendment_proposed", "order.amendment_withdrawn", "order.amendment_proposed"]


async def test_a_decision_on_a_stale_version_of_the_amendment_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, quantity=90))
    with pytest.raises(StaleVersion) as refused:
        await handlers.accept_amendment(uow, accept(order, expected=Expected(frozenset({2}), raw='"2"')))
    assert refused.value.current_version == 1
    assert (await handlers.accept_amendment(uow, accept(order, expected=Expected(frozenset({1}))))).spec.quantity == 90


async def test_another_suppliers_order_and_an_unknown_amendment_are_not_found(uow: FakeOrdersUnitOfWork) -> None:
    theirs = contracted(uow, supplier_id=uuid4())
    with pytest.raises(OrderNotFound):
        await handlers.accept_amendment(uow, accept(theirs))
    mine = contracted(uow, number="SDO-2030-000002")
    with pytest.raises(AmendmentNotFound):
        await handlers.accept_amendment(uow, accept(mine, number=3))


def test_the_amendment_table_says_who_decides() -> None:
    assert AMENDMENT.roles_for(AmendmentAction.PROPOSE) == {"mod_officer", "integration"}
    assert AMENDMENT.roles_for(AmendmentAction.ACCEPT) == {"supplier"}
    assert AMENDMENT.roles_for(AmendmentAction.REJECT) == {"supplier"}
    assert AMENDMENT.roles_for(AmendmentAction.WITHDRAW) == {"mod_officer", "integration"}
    assert AMENDMENT.allowed_actions(AmendmentStatus.PROPOSED) == ["accept", "reject", "withdraw"]
    assert all(
        AMENDMENT.is_final(s) for s in (AmendmentStatus.ACCEPTED, AmendmentStatus.REJECTED, AmendmentStatus.WITHDRAWN)
    )


async def test_the_amended_event_is_declared_and_carries_what_consumers_read(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    await handlers.propose_amendment(uow, propose(order, contract_price=kzt("800000.00")))
    await handlers.accept_amendment(uow, accept(order))
    amended = next(e for e in uow.events if e.type == EventType.ORDER_AMENDED)
    # suppliers reprice from contract_price_kzt; quality re-plans from quantity and accepted_quantity.
    assert {k: amended.data[k] for k in ("order_id", "amendment_number", "contract_price_kzt", "quantity")} == {
        "order_id": str(order.id),
        "amendment_number": 1,
        "contract_price_kzt": "800000.00",
        "quantity": 100,
    }
    assert amended.data["supplier_id"] == str(SUPPLIER_ID)
