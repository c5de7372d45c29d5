"""The rules of each orders command, on a fake unit of work: no app, no database, no broker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.orders import consumers, handlers
from services.orders.domain.commands import (
    AwardOrder,
    CancelOrder,
    CloseOrder,
    ConfirmDelivery,
    CreateOrder,
    PublishOrder,
    RecordAwardConfirmed,
    RecordAwardDeclined,
    RecordDisposition,
    RecordInspectionDiscontinued,
    RecordInspectionResumed,
    RecordLotAccepted,
    RecordLotRejected,
    SetExchangeRate,
    ShipLot,
    StartProduction,
    SubmitForInspection,
    UpdateOrder,
)
from services.orders.domain.delivery import Shipment
from services.orders.domain.errors import (
    EventNotApplicable,
    InspectionDiscontinued,
    NothingToShip,
    OrderNotFound,
    PriceAboveCeiling,
    UnknownCurrency,
)
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.order import Order
from shared import clock
from shared.errors import IllegalTransition, InvalidInput, Refused, StaleVersion
from shared.events.envelope import CloudEvent
from shared.events.payloads import LotAccepted, LotRejected, Nonconformity, SupplierAwardConfirmed
from shared.events.types import EventType
from shared.principal import Principal
from shared.requirements import TechnicalRequirement
from shared.versioning import Expected
from tests.unit.orders.fakes import NOW, FakeOrdersUnitOfWork, a_spec, an_order

OFFICER = Principal("officer", frozenset({"mod_officer"}))
SUPPLIER_ID = uuid4()
SUPPLIER = Principal("supplier-user", frozenset({"supplier"}), supplier_id=SUPPLIER_ID)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda timezone=None: TODAY)


@pytest.fixture
def uow() -> FakeOrdersUnitOfWork:
    return FakeOrdersUnitOfWork()


def stored(uow: FakeOrdersUnitOfWork, status: OrderStatus, **fields: object) -> Order:
    return uow.orders.put(an_order(status, **fields))


def contracted(uow: FakeOrdersUnitOfWork, status: OrderStatus = OrderStatus.CONTRACTED, **fields: object) -> Order:
    award = {"supplier_id": SUPPLIER_ID, "contract_price": Money(Decimal("900000.00"), "KZT")}
    return stored(uow, status, **{**award, "contract_price_kzt": Decimal("900000.00"), **fields})


def still(uow: FakeOrdersUnitOfWork, order: Order) -> Order:
    """What is stored of ``order`` now."""
    return uow.orders.stored[order.id]


# --- create ------------------------------------------------------------------------------------


async def test_a_new_order_is_a_draft_with_the_years_next_number_and_announces_itself(
    uow: FakeOrdersUnitOfWork,
) -> None:
    first = await handlers.create_order(uow, CreateOrder(a_spec()))
    second = await handlers.create_order(uow, CreateOrder(a_spec()))
    assert (first.number, second.number) == ("SDO-2030-000001", "SDO-2030-000002")
    assert (first.status, first.version, first.created_by, first.created_at) == ("draft", 1, "officer", NOW)
    assert uow.event_types() == ["kz.sdo.order.draft.v1"] * 2
    assert uow.audit_actions() == ["order.create"] * 2
    assert uow.audit[0].details == {"number": first.number, "to": "draft", "event_id": str(uow.events[0].id)}
    assert uow.orders.written[0].event_id == uow.events[0].id  # the history row names its event


async def test_a_ceiling_in_a_currency_without_a_rate_is_refused_before_a_number_is_taken(
    uow: FakeOrdersUnitOfWork,
) -> None:
    with pytest.raises(UnknownCurrency) as refused:
        await handlers.create_order(uow, CreateOrder(a_spec(price_ceiling=Money(Decimal("10.00"), "XAU"))))
    assert refused.value.field == "price_ceiling.currency"
    assert (await handlers.create_order(uow, CreateOrder(a_spec()))).number == "SDO-2030-000001"


async def test_requirements_sharing_a_code_are_refused_naming_the_second(uow: FakeOrdersUnitOfWork) -> None:
    twice = (TechnicalRequirement("LEN", "Length", "mm"), TechnicalRequirement("LEN", "Again", "mm"))
    with pytest.raises(InvalidInput) as refused:
        await handlers.create_order(uow, CreateOrder(a_spec(technical_requirements=twice)))
    assert refused.value.field == "technical_requirements[1].code"
    assert uow.orders.stored == {} and uow.events == []


# --- update ------------------------------------------------------------------------------------


def update(order: Order, expected: Expected | None = None, **changes: object) -> UpdateOrder:
    return UpdateOrder(order_ref=order.number, actor=OFFICER, expected=expected, changes=changes)


async def test_a_draft_takes_the_changed_fields_and_its_history_names_them(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT)
    changed = await handlers.update_order(uow, update(order, Expected(frozenset({3})), quantity=120, unit="set"))
    assert (changed.spec.quantity, changed.spec.unit, changed.version) == (120, "set", 4)
    assert still(uow, order).spec.quantity == 120
    assert uow.orders.written[-1].reason == "changed quantity, unit"
    assert uow.audit_actions() == ["order.update"]


async def test_a_patch_naming_no_field_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT)
    with pytest.raises(InvalidInput) as refused:
        await handlers.update_order(uow, update(order))
    assert refused.value.field == "body"


async def test_a_published_order_can_no_longer_be_changed(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.PUBLISHED)
    with pytest.raises(IllegalTransition) as refused:
        await handlers.update_order(uow, update(order, quantity=5))
    assert (refused.value.current_status, refused.value.allowed_actions) == ("published", ["award", "cancel"])
    assert still(uow, order).spec.quantity == 100


async def test_a_change_based_on_a_stale_version_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT)
    with pytest.raises(StaleVersion) as refused:
        await handlers.update_order(uow, update(order, Expected(frozenset({2}), raw='"2"'), quantity=5))
    assert refused.value.current_version == 3


# --- publish -----------------------------------------------------------------------------------


async def test_publishing_a_draft_puts_it_on_the_market_with_its_category(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT)
    published = await handlers.publish(uow, PublishOrder(order_ref=str(order.id), actor=OFFICER))
    assert (published.status, published.version) == ("published", 4)
    assert uow.event_types() == ["kz.sdo.order.published.v1"]
    assert uow.events[0].data["category"] == "repair" and uow.events[0].data["from_status"] == "draft"


async def test_a_draft_whose_deadline_has_passed_cannot_be_published(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT, spec=a_spec(delivery_deadline=TODAY - timedelta(days=1)))
    with pytest.raises(InvalidInput) as refused:
        await handlers.publish(uow, PublishOrder(order_ref=order.number, actor=OFFICER))
    assert refused.value.field == "delivery_deadline"
    assert still(uow, order).status == "draft"


# --- award -------------------------------------------------------------------------------------


def award(order: Order, amount: str, currency: str = "KZT", supplier_id: UUID = SUPPLIER_ID) -> AwardOrder:
    price = Money(Decimal(amount), currency)
    return AwardOrder(order_ref=order.number, actor=OFFICER, supplier_id=supplier_id, price=price)


async def test_an_award_within_the_ceiling_in_kzt_asks_the_suppliers_service(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.PUBLISHED, award_decline_reason="an earlier decline")
    awarded = await handlers.award(uow, award(order, "2000.00", "USD"))
    assert (awarded.status, awarded.supplier_id, awarded.contract_price_kzt) == (
        "award_pending",
        SUPPLIER_ID,
        Decimal("902540.00"),  # 2000 x 451.27
    )
    assert awarded.award_decline_reason is None
    assert uow.event_types() == ["kz.sdo.order.award_pending.v1", "kz.sdo.order.award_requested.v1"]
    requested = uow.events[1].data
    assert requested["contract_price"] == {"amount": "2000.00", "currency": "USD"}
    assert requested["required_certifications"] == ["ISO 9001"] and requested["contract_price_kzt"] == "902540.00"
    assert uow.audit[0].details["kzt"] == "902540.00"


async def test_a_price_above_the_ceiling_in_kzt_is_refused_and_the_order_stays_published(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = stored(uow, OrderStatus.PUBLISHED)
    with pytest.raises(PriceAboveCeiling) as refused:
        await handlers.award(uow, award(order, "2216.00", "USD"))  # 1,000,014.32 KZT
    assert refused.value.field == "contract_price"
    assert (refused.value.price_kzt, refused.value.ceiling_kzt) == (Decimal("1000014.32"), Decimal("1000000.00"))
    assert still(uow, order).status == "published" and still(uow, order).supplier_id is None
    assert uow.events == [] and uow.audit == []


async def test_an_award_is_compared_at_the_rates_in_force() -> None:
    uow = FakeOrdersUnitOfWork(rates={"USD": Decimal("500")})
    order = stored(uow, OrderStatus.PUBLISHED)
    assert (await handlers.award(uow, award(order, "2000.00", "USD"))).contract_price_kzt == Decimal("1000000.00")


async def test_an_order_that_is_not_published_cannot_be_awarded(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.DRAFT)
    with pytest.raises(IllegalTransition) as refused:
        await handlers.award(uow, award(order, "1.00"))
    assert refused.value.allowed_actions == ["update", "publish", "cancel"]


# --- the supplier's part -----------------------------------------------------------------------


async def test_the_supplier_starts_production_of_its_contracted_order(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    started = await handlers.start_production(uow, StartProduction(order_ref=order.number, actor=SUPPLIER))
    assert started.status == "in_production"
    assert uow.event_types() == ["kz.sdo.order.in_production.v1"]


async def test_another_suppliers_order_is_not_found(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, supplier_id=uuid4())
    with pytest.raises(OrderNotFound):
        await handlers.start_production(uow, StartProduction(order_ref=order.number, actor=SUPPLIER))


async def test_a_submitted_lot_opens_the_next_inspection_round(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.REWORK, inspection_rounds=1)
    command = SubmitForInspection(order_ref=order.number, actor=SUPPLIER, lot_size=80)
    submitted = await handlers.submit_for_inspection(uow, command)
    assert (submitted.status, submitted.inspection_rounds, submitted.lot_size) == ("inspection", 2, 80)
    assert uow.event_types() == ["kz.sdo.order.inspection.v1", "kz.sdo.order.submitted_for_inspection.v1"]
    assert (uow.events[1].data["round"], uow.events[1].data["lot_size"]) == (2, 80)
    assert uow.orders.written[-1].reason == "round 2, lot of 80"


async def test_a_lot_larger_than_the_ordered_quantity_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION)
    with pytest.raises(InvalidInput) as refused:
        await handlers.submit_for_inspection(
            uow, SubmitForInspection(order_ref=order.number, actor=SUPPLIER, lot_size=101)
        )
    assert refused.value.errors == [{"field": "lot_size", "message": "must not exceed the ordered quantity 100"}]
    assert still(uow, order).inspection_rounds == 0


async def test_an_accepted_lot_ships_with_its_waybill(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.ACCEPTED)
    shipped = await handlers.ship(uow, ShipLot(order_ref=order.number, actor=SUPPLIER, waybill="WB-7"))
    assert (shipped.status, shipped.waybill) == ("shipped", "WB-7")
    assert uow.orders.written[-1].reason == "waybill WB-7"


async def test_a_lot_in_rework_cannot_ship_and_the_refusal_names_what_the_supplier_may_do(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, OrderStatus.REWORK)
    with pytest.raises(IllegalTransition) as refused:
        await handlers.ship(uow, ShipLot(order_ref=order.number, actor=SUPPLIER, waybill="WB-7"))
    assert refused.value.allowed_actions == ["submit-for-inspection"]
    assert still(uow, order).waybill is None


# --- delivery, closing, cancelling ---------------------------------------------------------------


def confirm(order: Order, received: int) -> ConfirmDelivery:
    return ConfirmDelivery(order_ref=order.number, actor=OFFICER, received_quantity=received)


async def test_a_delivery_on_the_deadline_day_is_on_time(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED, spec=a_spec(delivery_deadline=TODAY))
    delivered = await handlers.confirm_delivery(uow, confirm(order, 100))
    assert (delivered.status, delivered.on_time, delivered.delivered_on, delivered.received_quantity) == (
        "delivered",
        True,
        TODAY,
        100,
    )
    assert uow.events[0].data["on_time"] is True
    assert uow.orders.written[-1].reason == "received 100 of 100, on time"


async def test_a_delivery_the_day_after_the_deadline_is_late(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED, spec=a_spec(delivery_deadline=TODAY - timedelta(days=1)))
    assert (await handlers.confirm_delivery(uow, confirm(order, 100))).on_time is False


async def test_more_received_than_ordered_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED)
    with pytest.raises(InvalidInput) as refused:
        await handlers.confirm_delivery(uow, confirm(order, 101))
    assert refused.value.field == "received_quantity"


async def test_a_delivered_order_closes(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.DELIVERED)
    closed = await handlers.close(uow, CloseOrder(order_ref=order.number, actor=OFFICER))
    assert closed.status == "closed"
    assert uow.event_types() == ["kz.sdo.order.closed.v1"]


async def test_cancelling_keeps_the_reason_and_announces_it(uow: FakeOrdersUnitOfWork) -> None:
    order = stored(uow, OrderStatus.PUBLISHED)
    cancelled = await handlers.cancel(uow, CancelOrder(order_ref=order.number, actor=OFFICER, reason="withdrawn"))
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "withdrawn")
    assert uow.events[0].type == EventType.ORDER_CANCELLED and uow.events[0].data["reason"] == "withdrawn"
    assert uow.audit[0].details["from"] == "published" and uow.audit[0].details["reason"] == "withdrawn"


async def test_an_accepted_lot_can_no_longer_be_cancelled(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.ACCEPTED)
    with pytest.raises(IllegalTransition):
        await handlers.cancel(uow, CancelOrder(order_ref=order.number, actor=OFFICER, reason="late"))


# --- exchange rates ----------------------------------------------------------------------------


async def test_a_rate_for_a_new_currency_starts_at_version_1_and_is_new(uow: FakeOrdersUnitOfWork) -> None:
    rate = await handlers.set_exchange_rate(uow, SetExchangeRate("CNY", "62.10"))
    assert (rate.kzt_per_unit, rate.version, rate.updated_by, rate.is_new_currency) == (
        Decimal("62.10"),
        1,
        "officer",
        True,
    )
    # The audit entry also says from when the rate applies and which version of the currency it made.
    assert uow.audit[0].details == {"from": None, "to": "62.10", "effective_from": NOW.isoformat(), "version": 1}


async def test_a_default_rate_overridden_for_the_first_time_is_no_new_currency(uow: FakeOrdersUnitOfWork) -> None:
    rate = await handlers.set_exchange_rate(uow, SetExchangeRate("USD", "460", Expected(frozenset({0}))))
    assert (rate.version, rate.is_new_currency) == (1, False)
    assert (await uow.rates.in_force())["USD"] == Decimal("460")


async def test_changing_a_rate_with_a_stale_version_is_refused() -> None:
    uow = FakeOrdersUnitOfWork(rates={"CNY": Decimal("62.10")})
    with pytest.raises(StaleVersion):
        await handlers.set_exchange_rate(uow, SetExchangeRate("CNY", "63", Expected(frozenset({0}))))
    changed = await handlers.set_exchange_rate(uow, SetExchangeRate("CNY", "63", Expected(frozenset({1}))))
    assert changed.version == 2
    assert uow.audit[0].details == {"from": "62.10", "to": "63", "effective_from": NOW.isoformat(), "version": 2}


@pytest.mark.parametrize(("currency", "value", "field"), [("KZT", "2", "currency"), ("EUR", 489.13, "kzt_per_unit")])
async def test_kzt_has_no_rate_and_a_rate_is_a_decimal_string(
    uow: FakeOrdersUnitOfWork, currency: str, value: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await handlers.set_exchange_rate(uow, SetExchangeRate(currency, value))
    assert refused.value.field == field


# --- the award saga and the quality verdicts -----------------------------------------------------


async def test_a_confirmed_award_contracts_the_order_with_the_suppliers_country(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.AWARD_PENDING)
    command = RecordAwardConfirmed(order.id, SUPPLIER_ID, " kz ", Decimal("60"))
    confirmed = await handlers.record_award_confirmed(uow, command)
    assert (confirmed.status, confirmed.supplier_country, confirmed.local_content_share) == (
        "contracted",
        "KZ",
        Decimal("60"),
    )
    contract = uow.events[0].data
    assert uow.events[0].type == EventType.ORDER_CONTRACTED
    assert [r["code"] for r in contract["technical_requirements"]] == ["LEN", "MASS"]
    assert contract["technical_requirements"][0]["min"] == "99.5" and contract["aql"] == "1.0"
    assert uow.audit[0].actor == "officer" and uow.audit[0].details["supplier_country"] == "KZ"


async def test_a_confirmation_naming_another_supplier_changes_nothing(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.AWARD_PENDING)
    with pytest.raises(EventNotApplicable):
        await handlers.record_award_confirmed(uow, RecordAwardConfirmed(order.id, uuid4(), "KZ", Decimal("60")))
    assert still(uow, order).status == "award_pending" and uow.events == []


async def test_a_declined_award_puts_the_order_back_on_the_market_and_tells_the_declined_supplier(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, OrderStatus.AWARD_PENDING)
    reasons = ("missing_certification", "local_content_below_minimum")
    declined = await handlers.record_award_declined(uow, RecordAwardDeclined(order.id, SUPPLIER_ID, reasons))
    assert declined.status == "published"
    assert (declined.supplier_id, declined.contract_price, declined.contract_price_kzt) == (None, None, None)
    assert declined.award_decline_reason == "missing_certification; local_content_below_minimum"
    assert uow.orders.written[-1].concerns == SUPPLIER_ID  # the feed row is shown to the declined supplier
    assert uow.events[0].data["reason"] == declined.award_decline_reason


async def test_a_decline_without_reasons_still_says_who_declined(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.AWARD_PENDING)
    declined = await handlers.record_award_declined(uow, RecordAwardDeclined(order.id, SUPPLIER_ID, ()))
    assert declined.award_decline_reason == "declined by the suppliers service"


async def test_a_decline_after_the_contract_is_an_illegal_transition(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow)
    with pytest.raises(IllegalTransition):
        await handlers.record_award_declined(uow, RecordAwardDeclined(order.id, SUPPLIER_ID, ("not_active",)))
    assert still(uow, order).status == "contracted"


async def test_an_accepted_lot_of_the_current_round_moves_the_order_to_accepted(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=1, lot_size=100)
    inspection, certificate = uuid4(), uuid4()
    accepted = await handlers.record_lot_accepted(uow, RecordLotAccepted(order.id, inspection, certificate, round=1))
    assert (accepted.status, accepted.last_inspection_id) == ("accepted", inspection)
    assert uow.orders.written[-1].reason == f"certificate {certificate}"
    assert uow.audit[0].details["certificate_id"] == str(certificate)


async def test_a_verdict_for_an_earlier_round_is_late(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=2)
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_accepted(uow, RecordLotAccepted(order.id, uuid4(), uuid4(), round=1))
    assert still(uow, order).status == "inspection"


async def test_a_second_verdict_on_an_inspection_already_decided_is_late(uow: FakeOrdersUnitOfWork) -> None:
    decided = uuid4()
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=2, last_inspection_id=decided)
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_rejected(uow, RecordLotRejected(order.id, decided, (("LEN", True),)))


async def test_a_rejected_lot_goes_to_rework_naming_the_nonconformities(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=1)
    failed = (("LEN", True), ("MASS", False))
    rejected = await handlers.record_lot_rejected(uow, RecordLotRejected(order.id, uuid4(), failed, SUPPLIER_ID, 1))
    assert rejected.status == "rework"
    assert uow.orders.written[-1].reason == "nonconformities: LEN (critical), MASS"


async def test_a_verdict_naming_another_supplier_changes_nothing(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=1)
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_rejected(uow, RecordLotRejected(order.id, uuid4(), (), supplier_id=uuid4()))


async def test_an_event_about_an_unknown_order_is_not_applicable(uow: FakeOrdersUnitOfWork) -> None:
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_accepted(uow, RecordLotAccepted(uuid4(), uuid4(), uuid4()))


# --- the consumers: each consumed event performs its action, a late one is dropped ----------------


def event(event_type: EventType, subject: UUID) -> CloudEvent:
    return CloudEvent(source="sdo/test", type=str(event_type), subject=str(subject), data={})


async def test_each_consumed_event_type_performs_its_action(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.AWARD_PENDING)
    confirmed = SupplierAwardConfirmed(
        order_id=order.id, supplier_id=SUPPLIER_ID, supplier_country="KZ", local_content_share=Decimal("60")
    )
    handle = consumers.SUBSCRIPTIONS[EventType.SUPPLIER_AWARD_CONFIRMED]
    await handle(event(EventType.SUPPLIER_AWARD_CONFIRMED, order.id), confirmed, uow)
    stored_now = still(uow, order)
    stored_now.status, stored_now.inspection_rounds = OrderStatus.INSPECTION, 1
    uow.orders.put(stored_now)
    verdict = LotRejected(order_id=order.id, inspection_id=uuid4(), nonconformities=[Nonconformity(code="LEN")])
    handle = consumers.SUBSCRIPTIONS[EventType.QUALITY_LOT_REJECTED]
    await handle(event(EventType.QUALITY_LOT_REJECTED, order.id), verdict, uow)
    assert uow.audit_actions() == ["order.award_confirmed", "order.lot_rejected"]
    assert set(consumers.SUBSCRIPTIONS) == {
        EventType.SUPPLIER_AWARD_CONFIRMED,
        EventType.SUPPLIER_AWARD_DECLINED,
        EventType.QUALITY_LOT_ACCEPTED,
        EventType.QUALITY_LOT_REJECTED,
        EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED,
        EventType.QUALITY_INSPECTION_DISCONTINUED,
        EventType.QUALITY_INSPECTION_RESUMED,
        EventType.FUND_PROJECT_APPROVED,
        EventType.FUND_PROJECT_CLOSED,
    }


async def test_a_consumer_drops_a_late_verdict_without_raising(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.ACCEPTED, inspection_rounds=1)
    verdict = LotAccepted(order_id=order.id, inspection_id=uuid4(), certificate_id=uuid4(), round=1)
    await consumers.on_lot_accepted(event(EventType.QUALITY_LOT_ACCEPTED, order.id), verdict, uow)
    assert uow.events == [] and uow.audit == [] and still(uow, order).status == "accepted"


async def test_a_consumer_drops_an_event_about_an_unknown_order(uow: FakeOrdersUnitOfWork) -> None:
    verdict = LotAccepted(order_id=uuid4(), inspection_id=uuid4(), certificate_id=uuid4())
    await consumers.on_lot_accepted(event(EventType.QUALITY_LOT_ACCEPTED, verdict.order_id), verdict, uow)
    assert uow.events == []


# --- deliveries in lots: units accepted one inspection at a time, shipped and received in parts ----

REAL_TODAY = clock.today


def lot_of(order: Order, inspection_id: UUID | None = None, **fields: object) -> RecordLotAccepted:
    return RecordLotAccepted(order.id, inspection_id or uuid4(), uuid4(), round=order.inspection_rounds, **fields)  # type: ignore[arg-type]


async def test_a_lot_short_of_the_whole_order_is_accepted_and_the_order_goes_back_to_production(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=1, lot_size=60)
    accepted = await handlers.record_lot_accepted(uow, lot_of(order))
    assert (accepted.status, accepted.accepted_quantity) == ("in_production", 60)
    assert uow.orders.written[-1].reason.endswith("; 60 units accepted, 60 of 100")
    second = contracted(uow, OrderStatus.INSPECTION, inspection_rounds=2, lot_size=40, accepted_quantity=60)
    assert (await handlers.record_lot_accepted(uow, lot_of(second))).status == "accepted"


async def test_no_more_units_can_be_submitted_than_are_not_yet_accepted(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=60)
    with pytest.raises(InvalidInput) as refused:
        await handlers.submit_for_inspection(
            uow, SubmitForInspection(order_ref=order.number, actor=SUPPLIER, lot_size=41)
        )
    assert refused.value.field == "lot_size" and "40 units not yet accepted" in refused.value.message


def ship(order: Order, quantity: int | None = None, waybill: str = "WB-9") -> ShipLot:
    return ShipLot(order_ref=order.number, actor=SUPPLIER, waybill=waybill, quantity=quantity)


async def test_accepted_units_ship_while_the_rest_is_in_production(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=60)
    shipped = await handlers.ship(uow, ship(order, 25))
    assert (shipped.status, shipped.shipped_quantity, shipped.shipments[0].quantity) == ("in_production", 25, 25)
    assert uow.event_types() == ["kz.sdo.order.in_production.v1"]
    rest = await handlers.ship(uow, ship(shipped))
    assert (rest.status, rest.shipped_quantity, [s.shipment_no for s in rest.shipments]) == (
        "in_production",
        60,
        [1, 2],
    )
    with pytest.raises(NothingToShip):
        await handlers.ship(uow, ship(rest))


async def test_the_order_is_shipped_once_its_last_unit_ships(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.ACCEPTED)
    with pytest.raises(InvalidInput) as refused:
        await handlers.ship(uow, ship(order, 101))
    assert refused.value.field == "quantity"
    assert (await handlers.ship(uow, ship(order, 99))).status == "accepted"
    assert (await handlers.ship(uow, ship(order))).status == "shipped"
    assert uow.orders.written[-1].reason == "shipment 2: 1 units, waybill WB-9; 100 of 100 shipped"


def receive(order: Order, received: int, shipment_no: int | None = None, tz: str = "Asia/Almaty") -> ConfirmDelivery:
    return ConfirmDelivery(
        order_ref=order.number, actor=OFFICER, received_quantity=received, shipment_no=shipment_no, timezone=tz
    )


def shipments(*quantities: int) -> list[Shipment]:
    return [Shipment(n, q, f"WB-{n}", NOW) for n, q in enumerate(quantities, start=1)]


async def test_with_two_shipments_waiting_the_receipt_must_name_one(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED, shipments=shipments(60, 40))
    with pytest.raises(InvalidInput) as refused:
        await handlers.confirm_delivery(uow, receive(order, 60))
    assert refused.value.field == "shipment_no"
    first = await handlers.confirm_delivery(uow, receive(order, 60, 1))
    assert (first.status, first.received_quantity, first.shipments[0].on_time) == ("shipped", 60, True)
    last = await handlers.confirm_delivery(uow, receive(first, 40))
    assert (last.status, last.on_time, last.received_quantity) == ("delivered", True, 100)
    assert (uow.events[-1].data["lots"], uow.events[-1].data["lots_on_time"]) == (1, 1)


async def test_a_short_receipt_returns_the_missing_units_to_production_and_says_so(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.SHIPPED, shipments=shipments(100))
    short = await handlers.confirm_delivery(uow, receive(order, 98))
    assert (short.status, short.accepted_quantity, short.shipped_quantity, short.received_quantity) == (
        "in_production",
        98,
        98,
        98,
    )
    assert uow.event_types() == ["kz.sdo.order.in_production.v1", "kz.sdo.order.delivery_short.v1"]
    assert {k: uow.events[1].data[k] for k in ("shipment_no", "shipped", "received")} == {
        "shipment_no": 1,
        "shipped": 100,
        "received": 98,
    }
    assert uow.orders.written[-1].reason.endswith("2 missing units go back to production")
    with pytest.raises(InvalidInput) as refused:
        await handlers.submit_for_inspection(
            uow, SubmitForInspection(order_ref=order.number, actor=SUPPLIER, lot_size=3)
        )
    assert refused.value.field == "lot_size"


async def test_more_received_than_the_shipment_holds_is_refused(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.IN_PRODUCTION, accepted_quantity=50, shipments=shipments(30))
    with pytest.raises(InvalidInput) as refused:
        await handlers.confirm_delivery(uow, receive(order, 31))
    assert (refused.value.field, refused.value.message) == (
        "received_quantity",
        "must not exceed the 30 units of shipment 1",
    )
    assert still(uow, order).received_quantity is None


async def test_a_receipt_is_judged_on_the_almaty_calendar(
    uow: FakeOrdersUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "today", REAL_TODAY)
    monkeypatch.setattr(clock, "now", lambda: datetime(2030, 3, 31, 20, 0, tzinfo=UTC))
    order = contracted(uow, OrderStatus.SHIPPED, spec=a_spec(delivery_deadline=date(2030, 3, 31)))
    late = await handlers.confirm_delivery(uow, receive(order, 100))
    assert (late.delivered_on, late.on_time) == (date(2030, 4, 1), False)
    on_utc = contracted(
        uow, OrderStatus.SHIPPED, spec=a_spec(delivery_deadline=date(2030, 3, 31)), number="SDO-2030-000002"
    )
    assert (await handlers.confirm_delivery(uow, receive(on_utc, 100, tz="UTC"))).on_time is True


async def test_a_lot_accepted_under_concession_reduces_the_contract_price(uow: FakeOrdersUnitOfWork) -> None:
    rejected = uuid4()
    order = contracted(uow, OrderStatus.REWORK, inspection_rounds=1, lot_size=100, last_inspection_id=rejected)
    nc = uuid4()
    command = lot_of(order, rejected, concession=True, price_reduction_kzt=Decimal("90000.00"), nonconformance_id=nc)
    accepted = await handlers.record_lot_accepted(uow, command)
    assert (accepted.status, accepted.accepted_quantity) == ("accepted", 100)
    assert (accepted.contract_price, accepted.contract_price_kzt) == (
        Money(Decimal("810000.00"), "KZT"),
        Decimal("810000.00"),
    )
    reason = uow.orders.written[-1].reason
    assert f"nonconformance {nc}" in reason and "reduced by 90000.00 KZT from 900000.00 to 810000.00 KZT" in reason
    details = uow.audit[0].details
    assert (details["concession"], details["price_reduction_kzt"], details["contract_price_kzt_before"]) == (
        True,
        "90000.00",
        "900000.00",
    )


async def test_a_concession_in_a_foreign_currency_reduces_it_at_the_awards_rate(uow: FakeOrdersUnitOfWork) -> None:
    rejected = uuid4()
    usd = {"contract_price": Money(Decimal("2000.00"), "USD"), "contract_price_kzt": Decimal("902540.00")}
    order = stored(uow, OrderStatus.REWORK, supplier_id=SUPPLIER_ID, lot_size=100, last_inspection_id=rejected, **usd)
    command = lot_of(order, rejected, concession=True, price_reduction_kzt=Decimal("90254.00"))
    accepted = await handlers.record_lot_accepted(uow, command)
    assert (accepted.contract_price, accepted.contract_price_kzt) == (
        Money(Decimal("1800.00"), "USD"),
        Decimal("812286.00"),
    )


async def test_a_concession_for_another_lot_or_a_plain_acceptance_in_rework_changes_nothing(
    uow: FakeOrdersUnitOfWork,
) -> None:
    order = contracted(uow, OrderStatus.REWORK, inspection_rounds=1, lot_size=100, last_inspection_id=uuid4())
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_accepted(uow, lot_of(order, concession=True, price_reduction_kzt=Decimal("1")))
    with pytest.raises(EventNotApplicable):
        await handlers.record_lot_accepted(uow, lot_of(order, order.last_inspection_id))
    assert (still(uow, order).status, still(uow, order).contract_price_kzt) == ("rework", Decimal("900000.00"))


async def test_a_scrapped_or_returned_lot_puts_its_units_back_to_production(uow: FakeOrdersUnitOfWork) -> None:
    rejected = uuid4()
    order = contracted(uow, OrderStatus.REWORK, inspection_rounds=1, lot_size=30, last_inspection_id=rejected)
    for disposition in ("rework", "repair", "use_as_is"):
        kept = await handlers.record_disposition(uow, RecordDisposition(order.id, rejected, uuid4(), disposition))
        assert kept.status == "rework"
    assert uow.events == []
    scrapped = await handlers.record_disposition(uow, RecordDisposition(order.id, rejected, uuid4(), "return"))
    assert scrapped.status == "in_production"
    assert "dispositioned return: the lot's 30 units go back to production" in uow.orders.written[-1].reason


async def test_a_discontinued_inspection_refuses_new_lots_until_resumed(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.REWORK, inspection_rounds=5)
    stopped = await handlers.record_inspection_discontinued(uow, RecordInspectionDiscontinued(order.id, 5))
    assert (stopped.inspection_discontinued, stopped.status, stopped.version) == (True, "rework", order.version + 1)
    with pytest.raises(EventNotApplicable):
        await handlers.record_inspection_discontinued(uow, RecordInspectionDiscontinued(order.id, 5))
    submit = SubmitForInspection(order_ref=order.number, actor=SUPPLIER, lot_size=10)
    with pytest.raises(InspectionDiscontinued) as refused:
        await handlers.submit_for_inspection(uow, submit)
    assert refused.value.code == "inspection_discontinued"
    await handlers.record_inspection_resumed(uow, RecordInspectionResumed(order.id, "corrective action verified"))
    assert (await handlers.submit_for_inspection(uow, submit)).status == "inspection"
    assert uow.audit_actions()[:2] == ["order.inspection_discontinued", "order.inspection_resumed"]


# --- goods of a shipment in transit arrive while another lot is inspected or reworked -------------


@pytest.mark.parametrize("status", [OrderStatus.INSPECTION, OrderStatus.REWORK])
async def test_a_receipt_during_inspection_or_rework_keeps_the_status(
    uow: FakeOrdersUnitOfWork, status: OrderStatus
) -> None:
    order = contracted(uow, status, accepted_quantity=60, lot_size=40, inspection_rounds=2, shipments=shipments(60))
    received = await handlers.confirm_delivery(uow, receive(order, 60))
    assert (received.status, received.received_quantity, received.accepted_quantity) == (status, 60, 60)
    assert uow.event_types() == [f"kz.sdo.order.{status}.v1"]


@pytest.mark.parametrize("status", [OrderStatus.INSPECTION, OrderStatus.REWORK])
async def test_a_short_receipt_during_inspection_returns_units_to_production_without_moving_the_order(
    uow: FakeOrdersUnitOfWork, status: OrderStatus
) -> None:
    order = contracted(uow, status, accepted_quantity=60, lot_size=40, inspection_rounds=2, shipments=shipments(60))
    short = await handlers.confirm_delivery(uow, receive(order, 55))
    assert (short.status, short.accepted_quantity, short.shipped_quantity, short.received_quantity) == (
        status,
        55,
        55,
        55,
    )
    assert uow.event_types() == [f"kz.sdo.order.{status}.v1", "kz.sdo.order.delivery_short.v1"]
    assert uow.orders.written[-1].reason.endswith("5 missing units go back to production")


async def test_nothing_in_transit_during_inspection_is_nothing_to_receive(uow: FakeOrdersUnitOfWork) -> None:
    order = contracted(uow, OrderStatus.INSPECTION, accepted_quantity=60, lot_size=40, inspection_rounds=2)
    with pytest.raises(Refused) as refused:
        await handlers.confirm_delivery(uow, receive(order, 1))
    assert refused.value.code == "no-shipment-in-transit"
