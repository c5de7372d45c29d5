"""Exchange rates in force (contract section 8; issue 11 item 5): effective dates, history, the bound on one
change, and awards that keep the rate they used."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from services.orders import handlers
from services.orders.domain.commands import AwardOrder, SetExchangeRate
from services.orders.domain.errors import PriceAboveCeiling
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.pricing import CurrencyRates, RateEntry, check_max_rate_change, check_rate_change
from shared import clock
from shared.errors import InvalidInput
from shared.principal import Principal
from tests.unit.orders.fakes import NOW, FakeOrdersUnitOfWork, a_spec, an_order

OFFICER = Principal("officer", frozenset({"mod_officer"}))
LATER = NOW + timedelta(days=30)


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def rates_of(*entries: tuple[str, datetime, int]) -> CurrencyRates:
    made = [RateEntry(Decimal(rate), at, version, NOW, "setup") for rate, at, version in entries]
    return CurrencyRates("EUR", made, len(made))


def test_the_rate_in_force_is_the_latest_to_take_effect_by_then_and_the_default_before_any() -> None:
    eur = rates_of(("500", NOW, 1), ("520", LATER, 2))
    assert eur.rate_at(NOW - timedelta(seconds=1)) == Decimal("489.13")  # the built-in default
    assert eur.rate_at(NOW) == Decimal("500")
    assert eur.rate_at(LATER - timedelta(microseconds=1)) == Decimal("500")
    assert eur.rate_at(LATER) == Decimal("520")


def test_of_two_rates_taking_effect_at_once_the_later_set_applies() -> None:
    assert rates_of(("500", LATER, 1), ("510", LATER, 2)).rate_at(LATER) == Decimal("510")


def test_a_currency_without_a_default_has_no_rate_before_its_first_takes_effect() -> None:
    cny = CurrencyRates("CNY", [RateEntry(Decimal("62.10"), LATER, 1, NOW, "setup")], 1)
    assert cny.as_of(NOW) is None
    view = cny.as_of(LATER)
    assert view is not None and (view.kzt_per_unit, view.effective_from) == (Decimal("62.10"), LATER)


def test_the_view_as_of_a_moment_lists_the_rates_scheduled_after_it() -> None:
    view = rates_of(("500", NOW, 1), ("530", LATER + timedelta(days=1), 3), ("520", LATER, 2)).as_of(NOW)
    assert view is not None
    assert (view.kzt_per_unit, [e.kzt_per_unit for e in view.scheduled]) == (
        Decimal("500"),
        [Decimal("520"), Decimal("530")],
    )


@pytest.mark.parametrize(
    ("new", "previous", "factor", "refused"),
    [
        ("4891.30", "489.13", "10", False),  # exactly 10x up
        ("48.913", "489.13", "10", False),  # exactly 10x down
        ("4891.31", "489.13", "10", True),
        ("48.912", "489.13", "10", True),
        ("0.000001", "489.13", "10", True),
        ("0.000001", "489.13", "0", False),  # 0: no bound
        ("999", "1", "1000", False),
    ],
)
def test_one_change_moves_a_rate_at_most_the_configured_factor_either_way(
    new: str, previous: str, factor: str, refused: bool
) -> None:
    if refused:
        with pytest.raises(InvalidInput) as caught:
            check_rate_change(Decimal(new), Decimal(previous), Decimal(factor), "rate")
        assert caught.value.field == "rate" and "SDO_MAX_RATE_CHANGE" in caught.value.message
    else:
        check_rate_change(Decimal(new), Decimal(previous), Decimal(factor), "rate")


@pytest.mark.parametrize("value", ["0.5", "-1", "x", "NaN"])
def test_the_factor_is_0_or_at_least_1(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_max_rate_change(value)
    assert caught.value.field == "SDO_MAX_RATE_CHANGE"


def set_rate(value: str, **fields: object) -> SetExchangeRate:
    return SetExchangeRate("EUR", value, **fields)  # type: ignore[arg-type]


async def test_a_rate_set_for_later_leaves_the_rate_in_force_until_then() -> None:
    uow = FakeOrdersUnitOfWork()
    view = await handlers.set_exchange_rate(uow, set_rate("500", effective_from=LATER))
    assert (view.kzt_per_unit, view.effective_from, view.version) == (Decimal("489.13"), None, 1)
    assert [(e.kzt_per_unit, e.effective_from) for e in view.scheduled] == [(Decimal("500"), LATER)]
    assert (await uow.rates.in_force(NOW))["EUR"] == Decimal("489.13")
    assert (await uow.rates.in_force(LATER))["EUR"] == Decimal("500")
    assert uow.audit[0].details == {
        "from": "489.13",
        "to": "500",
        "effective_from": LATER.isoformat(),
        "version": 1,
    }


async def test_a_rate_cannot_take_effect_in_the_past_beyond_a_minute_of_clock_skew() -> None:
    uow = FakeOrdersUnitOfWork()
    with pytest.raises(InvalidInput) as refused:
        await handlers.set_exchange_rate(uow, set_rate("500", effective_from=NOW - timedelta(minutes=2)))
    assert refused.value.field == "effective_from"
    skewed = await handlers.set_exchange_rate(uow, set_rate("500", effective_from=NOW - timedelta(seconds=30)))
    assert skewed.effective_from == NOW  # counted from now, never before the setting


async def test_a_rate_moved_tenfold_in_one_step_is_refused_naming_the_field_it_came_in() -> None:
    uow = FakeOrdersUnitOfWork()
    with pytest.raises(InvalidInput) as refused:
        await handlers.set_exchange_rate(uow, set_rate("0.000001", field="rate"))
    assert refused.value.field == "rate"
    assert uow.rates.stored == {} and uow.audit == []
    unbounded = await handlers.set_exchange_rate(uow, set_rate("0.000001", max_change=Decimal(0)))
    assert unbounded.kzt_per_unit == Decimal("0.000001")


async def test_an_award_keeps_the_rate_it_used_whatever_the_rate_does_later() -> None:
    """Issue 11: EUR set to 0.000001, an award, EUR set back: the order still shows the rate it used."""
    uow = FakeOrdersUnitOfWork()
    unbounded = Decimal(0)
    await handlers.set_exchange_rate(uow, set_rate("0.000001", max_change=unbounded))
    order = uow.orders.put(an_order(OrderStatus.PUBLISHED, spec=a_spec()))
    price = Money(Decimal("900000000.00"), "EUR")  # 440 billion KZT at 489.13
    command = AwardOrder(order_ref=order.number, actor=OFFICER, supplier_id=uuid4(), price=price)
    awarded = await handlers.award(uow, command)
    assert (awarded.contract_price_kzt, awarded.rate_used) == (Decimal("900.00"), Decimal("0.000001"))
    assert uow.audit[-1].details["rate_used"] == "0.000001"
    assert uow.audit[-1].details["price_ceiling_kzt"] == "1000000.00"
    await handlers.set_exchange_rate(uow, set_rate("489.13", max_change=unbounded))
    kept = uow.orders.stored[order.id]
    assert (kept.contract_price_kzt, kept.rate_used) == (Decimal("900.00"), Decimal("0.000001"))
    # The same award at the rate in force now is refused: the ceiling compares in KZT at the award's moment.
    again = uow.orders.put(an_order(OrderStatus.PUBLISHED, number="SDO-2030-000002"))
    with pytest.raises(PriceAboveCeiling):
        await handlers.award(uow, AwardOrder(order_ref=again.number, actor=OFFICER, supplier_id=uuid4(), price=price))


async def test_an_award_in_kzt_used_the_rate_1() -> None:
    uow = FakeOrdersUnitOfWork()
    order = uow.orders.put(an_order(OrderStatus.PUBLISHED))
    command = AwardOrder(
        order_ref=order.number, actor=OFFICER, supplier_id=uuid4(), price=Money(Decimal("5.00"), "KZT")
    )
    assert (await handlers.award(uow, command)).rate_used == Decimal(1)
