"""Prices in KZT: exchange rates, conversion and the price-ceiling rule.

Rates are KZT per one unit of the currency. Every comparison happens in KZT, rounded to
the tiyn (2 decimal places, half up), so the same inputs always give the same verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from services.orders.domain.errors import PriceAboveCeiling, UnknownCurrency
from services.orders.domain.money import CENT, Money, check_currency
from shared.errors import InvalidInput

KZT = "KZT"

DEFAULT_RATES: Mapping[str, Decimal] = MappingProxyType(
    {
        KZT: Decimal("1"),
        "USD": Decimal("451.27"),
        "EUR": Decimal("489.13"),
        "RUB": Decimal("4.87"),
    }
)

# Rates finer than a millionth of a tenge add nothing but rounding noise.
RATE_DECIMAL_PLACES = 6
MAX_RATE = Decimal("1000000")
# A rate may not move more than this factor from the one it replaces (`SDO_MAX_RATE_CHANGE`; 0: no bound).
DEFAULT_MAX_RATE_CHANGE = Decimal("10")
# `effective_from` this little in the past is "now" (a client's clock runs a little behind).
CLOCK_SKEW = timedelta(seconds=60)


def quantize_kzt(amount: Decimal) -> Decimal:
    """Round to the tiyn, half up (the rule used for every KZT figure)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_kzt(money: Money, rates: Mapping[str, Decimal] = DEFAULT_RATES, *, field: str = "currency") -> Decimal:
    """``money`` in KZT, 2 decimal places; raises ``UnknownCurrency`` when no rate is known.

    KZT converts at 1 even when ``rates`` omits it.
    """
    if money.currency == KZT:
        return quantize_kzt(money.amount)
    rate = rates.get(money.currency)
    if rate is None:
        raise UnknownCurrency(money.currency, field)
    # Wide enough that amount x rate is exact, so the only rounding is the one to the tiyn.
    with localcontext() as ctx:
        ctx.prec = 50
        return quantize_kzt(money.amount * rate)


def check_within_ceiling(
    price: Money,
    ceiling: Money,
    rates: Mapping[str, Decimal] = DEFAULT_RATES,
    *,
    field: str = "contract_price",
) -> Decimal:
    """The price in KZT when it is at most the ceiling in KZT (equal passes).

    Raises ``PriceAboveCeiling`` carrying both KZT amounts, or ``UnknownCurrency``.
    """
    price_kzt = to_kzt(price, rates, field=f"{field}.currency")
    ceiling_kzt = to_kzt(ceiling, rates, field="price_ceiling.currency")
    if price_kzt > ceiling_kzt:
        raise PriceAboveCeiling(price_kzt, ceiling_kzt, field)
    return price_kzt


def reduce_price(price: Money, price_kzt: Decimal, reduction_kzt: Decimal) -> tuple[Money, Decimal]:
    """The contract price after a reduction in KZT (a concession's consideration, FAR 46.407).

    The KZT figure drops by the reduction exactly; a price in another currency drops in proportion,
    at the rate of the award (``price_kzt / price.amount``), to the cent.
    """
    if not Decimal(0) < reduction_kzt < price_kzt:
        raise InvalidInput("price_reduction_kzt", f"must be greater than 0 and below the contract price {price_kzt}")
    reduced_kzt = quantize_kzt(price_kzt - reduction_kzt)
    if price.currency == KZT:
        return Money(reduced_kzt, KZT), reduced_kzt
    with localcontext() as ctx:
        ctx.prec = 50
        amount = (price.amount * reduced_kzt / price_kzt).quantize(CENT, rounding=ROUND_HALF_UP)
    return Money(amount, price.currency), reduced_kzt


def rate_of(currency: str, rates: Mapping[str, Decimal]) -> Decimal:
    """KZT per unit of ``currency`` in ``rates`` (1 for KZT); the caller has converted with it already."""
    return Decimal(1) if currency == KZT else rates[currency]


def parse_rate(currency: Any, value: Any, field: str = "kzt_per_unit") -> tuple[str, Decimal]:
    """Validate one rate for ``PUT /exchange-rates/{currency}``: a positive decimal string.

    KZT is the unit of account and always 1, so it cannot be set.
    """
    code = check_currency(currency, "currency")
    if code == KZT:
        raise InvalidInput("currency", "KZT is the unit of account; its rate is always 1")
    if not isinstance(value, str):
        raise InvalidInput(field, 'must be a decimal string such as "451.27", not a JSON number')
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(field, f"{value!r} is not a decimal number") from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidInput(field, "must be a positive finite number")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_DECIMAL_PLACES:
        raise InvalidInput(field, f"must have at most {RATE_DECIMAL_PLACES} decimal places")
    if rate > MAX_RATE:
        raise InvalidInput(field, f"must be at most {MAX_RATE}")
    return code, rate


@dataclass(frozen=True, slots=True)
class RateEntry:
    """One rate set through the API: KZT per unit from ``effective_from`` on, until a later one takes over."""

    kzt_per_unit: Decimal
    effective_from: datetime
    version: int  # the currency's version this setting made
    set_at: datetime
    set_by: str


@dataclass(slots=True)
class ExchangeRate:
    """One currency's rate as of a moment: the one in force, and those set to take effect later.

    Version 0 while the built-in default applies and nothing was set.
    """

    currency: str
    kzt_per_unit: Decimal
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None
    effective_from: datetime | None = None  # of the rate in force; None: the built-in default
    scheduled: tuple[RateEntry, ...] = ()

    @property
    def is_new_currency(self) -> bool:
        """Set once, for a currency the defaults do not know (the API answers 201 Created)."""
        return self.version == 1 and self.currency not in DEFAULT_RATES


@dataclass(slots=True)
class CurrencyRates:
    """Every rate of one currency (contract section 8, rates in force): the default and each one set.

    A rate applies from its ``effective_from`` (never in the past) until a later one does; an award or
    an amendment converts at the rate in force at its moment and keeps it, so a later change never
    moves an agreed price. Each setting is a new version of the currency, audited.
    """

    currency: str
    entries: list[RateEntry] = field(default_factory=list)  # in the order they were set
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None
    pending: list[RateEntry] = field(default_factory=list, repr=False)

    @property
    def default(self) -> Decimal | None:
        return DEFAULT_RATES.get(self.currency)

    def entry_at(self, at: datetime) -> RateEntry | None:
        """The setting in force at ``at``: the latest to take effect by then (of two at once, the later set)."""
        in_force = [e for e in self.entries if e.effective_from <= at]
        return max(in_force, key=lambda e: (e.effective_from, e.version), default=None)

    def rate_at(self, at: datetime) -> Decimal | None:
        entry = self.entry_at(at)
        return self.default if entry is None else entry.kzt_per_unit

    def as_of(self, at: datetime) -> ExchangeRate | None:
        """The currency's rate at ``at``; None for a currency with no default before its first rate applies."""
        rate = self.rate_at(at)
        if rate is None:
            return None
        entry = self.entry_at(at)
        later = tuple(sorted((e for e in self.entries if e.effective_from > at), key=lambda e: e.effective_from))
        effective = None if entry is None else entry.effective_from
        return ExchangeRate(self.currency, rate, self.version, self.updated_at, self.updated_by, effective, later)

    def set(
        self,
        kzt_per_unit: Decimal,
        *,
        effective_from: datetime | None,
        by: str,
        at: datetime,
        max_change: Decimal = DEFAULT_MAX_RATE_CHANGE,
        field: str = "kzt_per_unit",
    ) -> tuple[RateEntry, Decimal | None]:
        """A new rate from ``effective_from`` (default: now), at most ``max_change`` times off the one it replaces.

        Returns the new entry and the rate it replaces at its moment (None for a new currency).
        """
        starts = at if effective_from is None else effective_from
        if starts < at - CLOCK_SKEW:
            raise InvalidInput("effective_from", f"must not be in the past (now is {at.isoformat()})")
        starts = max(starts, at)
        replaced = self.rate_at(starts)
        check_rate_change(kzt_per_unit, replaced, max_change, field)
        self.version += 1
        self.updated_at, self.updated_by = at, by
        entry = RateEntry(kzt_per_unit, starts, self.version, at, by)
        self.entries.append(entry)
        self.pending.append(entry)
        return entry, replaced


def check_rate_change(new: Decimal, previous: Decimal | None, max_change: Decimal, field: str = "kzt_per_unit") -> None:
    """A new rate within ``max_change`` times the one it replaces, either way (0: no bound).

    The bound turns a slip of the keyboard (or a rate set to 0.000001 to slip a price under its ceiling)
    into a 422; every change is audited and every award keeps the rate it used, so no change is silent.
    """
    if not max_change or previous is None:
        return
    with localcontext() as ctx:
        ctx.prec = 50
        ratio = new / previous
    if ratio > max_change or ratio * max_change < 1:
        raise InvalidInput(
            field,
            f"{new} moves more than {max_change}x from the rate it replaces ({previous} KZT); "
            "SDO_MAX_RATE_CHANGE bounds one change",
        )


def check_max_rate_change(value: Any) -> Decimal:
    """`SDO_MAX_RATE_CHANGE`: 0 (no bound) or a factor of at least 1."""
    try:
        factor = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput("SDO_MAX_RATE_CHANGE", f"must be a number, got {value!r}") from None
    if not factor.is_finite() or (factor != 0 and factor < 1):
        raise InvalidInput("SDO_MAX_RATE_CHANGE", f"must be 0 (no bound) or at least 1, got {value!r}")
    return factor


def merge_rates(overrides: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Defaults with stored overrides on top; KZT stays 1."""
    merged = dict(DEFAULT_RATES)
    merged.update(overrides)
    merged[KZT] = Decimal("1")
    return merged
