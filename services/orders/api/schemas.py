"""Request and response bodies of the orders API (contract section 3).

Requests check each field on its own (types, ranges, enumerations); rules spanning several
fields or needing stored data (unique requirement codes, min <= max, lot size against the
quantity, the ceiling in KZT) are the domain's and answer the same 422 shape.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from services.orders import clock
from services.orders.domain.money import Money, check_currency, parse_amount
from services.orders.domain.specification import (
    AQL_VALUES,
    DEFAULT_AQL,
    MAX_CODE_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    Category,
    FundingSource,
    check_aql,
    check_certifications,
    check_delivery_deadline,
    check_local_content,
    check_text,
)

_AS_NUMBER = PlainSerializer(float, return_type=float, when_used="json")


def _amount(value: Any) -> Decimal:
    # A Decimal comes from storage (already checked); the wire must bring a decimal string.
    return value if isinstance(value, Decimal) else parse_amount(value, "amount")


AmountText = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$", "examples": ["125000000.00"]}),
]
CurrencyCode = Annotated[
    str,
    BeforeValidator(lambda value: check_currency(value, "currency")),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["KZT"]}),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(lambda value: check_local_content(value, "percent")),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100, "examples": [50]}),
]
Aql = Annotated[
    Decimal,
    BeforeValidator(lambda value: check_aql(value)),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "enum": [float(v) for v in AQL_VALUES], "default": 1.0}),
]
Bound = Annotated[Decimal, Field(allow_inf_nan=False), _AS_NUMBER, WithJsonSchema({"type": "number"})]


def _whole_number(value: Any) -> Any:
    # JSON Schema's integer: 12 and 12.0 are the same number. Strings and booleans stay refused (strict).
    return int(value) if isinstance(value, float) and value.is_integer() else value


Count = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY), BeforeValidator(_whole_number)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_LENGTH)]


def _text(value: Any, info: Any) -> str:
    return check_text(value, info.field_name)


class MoneyModel(BaseModel):
    """`{"amount": "123.45", "currency": "KZT"}`: the amount is a decimal string, never a float."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "125000000.00", "currency": "KZT"}]}
    )

    amount: AmountText
    currency: CurrencyCode

    def to_money(self) -> Money:
        return Money(self.amount, self.currency)

    @classmethod
    def of(cls, money: Money | None) -> MoneyModel | None:
        return None if money is None else cls(amount=money.amount, currency=money.currency)


class Requirement(BaseModel):
    """One measurable technical requirement; a unit is defective when a value falls outside [min, max]."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "RANGE", "name": "Range", "unit": "km", "min": 10, "max": 12.5, "critical": True}]
        },
    )

    code: str = Field(min_length=1, max_length=MAX_CODE_LENGTH, description="Unique within the order.")
    name: Text
    unit: str = Field(min_length=1, max_length=MAX_CODE_LENGTH)
    min: Bound | None = None
    max: Bound | None = None
    critical: bool = False

    def stored(self) -> dict[str, Any]:
        """The JSON kept in the database: bounds as decimal strings, so they stay exact."""
        data = self.model_dump(mode="python")
        data["min"] = None if self.min is None else str(self.min)
        data["max"] = None if self.max is None else str(self.max)
        return data


_SPEC_EXAMPLE = {
    "title": "Overhaul of BTR-82A armoured personnel carriers",
    "category": "repair",
    "quantity": 12,
    "unit": "vehicle",
    "delivery_deadline": "2030-06-30",
    "delivery_location": "Military unit 12345, Astana",
    "price_ceiling": {"amount": "1500000000.00", "currency": "KZT"},
    "funding_source": "state_budget",
    "min_local_content": 40,
    "required_certifications": ["ISO 9001", "AQAP-2110"],
    "requires_security_clearance": True,
    "aql": 1.0,
    "technical_requirements": [
        {"code": "ENGINE_HOURS", "name": "Engine hours after overhaul", "unit": "h", "max": 5, "critical": True},
        {"code": "MASS", "name": "Combat mass", "unit": "t", "min": 14.5, "max": 15.2, "critical": False},
    ],
}


def _positive(money: MoneyModel | None, info: Any) -> MoneyModel | None:
    if money is not None and money.amount <= 0:
        raise ValueError("amount must be greater than 0")
    return money


class _Specification(BaseModel):
    """Field rules shared by create and patch."""

    _ceiling_positive = field_validator("price_ceiling", check_fields=False)(_positive)

    @field_validator("title", "unit", "delivery_location", mode="before", check_fields=False)
    @classmethod
    def _non_blank(cls, value: Any, info: Any) -> Any:
        return value if value is None else _text(value, info)

    @field_validator("delivery_deadline", check_fields=False)
    @classmethod
    def _not_in_the_past(cls, value: date | None) -> date | None:
        return value if value is None else check_delivery_deadline(value, clock.today())

    @field_validator("required_certifications", check_fields=False)
    @classmethod
    def _certifications(cls, value: list[str] | None) -> list[str] | None:
        return value if value is None else check_certifications(value)


class OrderCreate(_Specification):
    """A new order in `draft`: the specification the ministry will publish."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_SPEC_EXAMPLE]})

    title: Text
    category: Category
    quantity: Count
    unit: Text
    delivery_deadline: date = Field(description="The last day of delivery; not in the past.")
    delivery_location: Text
    price_ceiling: MoneyModel
    funding_source: FundingSource
    min_local_content: Percent = Field(description="Minimum local content of the supplier, percent (0-100).")
    required_certifications: list[str] = Field(default_factory=list, max_length=50)
    requires_security_clearance: bool = True
    aql: Aql = DEFAULT_AQL
    technical_requirements: list[Requirement] = Field(max_length=500)


def _patch_schema(schema: dict[str, Any]) -> None:
    # A field may be left out (it keeps its value) but never null (`_no_nulls`): the document offers no null.
    for field in schema.get("properties", {}).values():
        branches = [b for b in field.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            field.update(branches[0])
        elif branches:
            field["anyOf"] = branches
        field.pop("default", None)  # left out means unchanged, never a default
    schema["examples"] = [{"quantity": 14, "delivery_deadline": "2030-09-30"}]


class OrderPatch(_Specification):
    """Fields to change while the order is a `draft`; a field left out keeps its value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_patch_schema)

    title: Text | None = None
    category: Category | None = None
    quantity: Count | None = None
    unit: Text | None = None
    delivery_deadline: date | None = None
    delivery_location: Text | None = None
    price_ceiling: MoneyModel | None = None
    funding_source: FundingSource | None = None
    min_local_content: Percent | None = None
    required_certifications: list[str] | None = Field(default=None, max_length=50)
    requires_security_clearance: bool | None = None
    aql: Aql | None = None
    technical_requirements: list[Requirement] | None = Field(default=None, max_length=500)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: Any) -> Any:
        # Defaults are not validated, so this fires only on an explicit null.
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


class AwardRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "supplier_id": "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01",
                    "contract_price": {"amount": "1350000000.00", "currency": "KZT"},
                }
            ]
        },
    )

    supplier_id: UUID
    contract_price: MoneyModel

    _price_positive = field_validator("contract_price")(_positive)


class LotSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"lot_size": 12}]})

    lot_size: Count = Field(description="Units presented for inspection; at most the ordered quantity.")


class Shipment(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"waybill": "KZ-WB-2030-000417"}]})

    waybill: Text

    _waybill = field_validator("waybill", mode="before")(_text)


class DeliveryConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"received_quantity": 12}]})

    received_quantity: Count = Field(description="Units received; at most the ordered quantity.")


class Cancellation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Requirement withdrawn"}]})

    reason: Text

    _reason = field_validator("reason", mode="before")(_text)


class RequirementPublic(BaseModel):
    code: str
    name: str
    unit: str
    min: Bound | None = None
    max: Bound | None = None
    critical: bool


class OrderPublic(BaseModel):
    """The whole order as stored."""

    id: UUID
    number: str = Field(examples=["SDO-2030-000042"])
    title: str
    category: Category
    quantity: int
    unit: str
    delivery_deadline: date
    delivery_location: str
    price_ceiling: MoneyModel
    funding_source: FundingSource
    min_local_content: Percent
    required_certifications: list[str]
    requires_security_clearance: bool
    aql: Aql
    technical_requirements: list[RequirementPublic]
    status: str = Field(examples=["published"])
    version: int
    supplier_id: UUID | None
    contract_price: MoneyModel | None
    contract_price_kzt: AmountText | None = Field(description="The contract price in KZT at the rate of the award.")
    supplier_country: str | None
    local_content_share: Percent | None
    award_decline_reason: str | None
    inspection_rounds: int
    lot_size: int | None
    waybill: str | None
    received_quantity: int | None
    delivered_on: date | None
    on_time: bool | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, order: Any) -> OrderPublic:
        """From a stored order: an ORM object or a Core row with the table's columns."""
        return cls(
            **{name: getattr(order, name) for name in _STORED_AS_IS},
            price_ceiling=MoneyModel(amount=order.price_ceiling_amount, currency=order.price_ceiling_currency),
            contract_price=None
            if order.contract_price_amount is None
            else MoneyModel(amount=order.contract_price_amount, currency=order.contract_price_currency),
        )


_STORED_AS_IS = tuple(set(OrderPublic.model_fields) - {"price_ceiling", "contract_price"})


class OrderStatusPublic(BaseModel):
    """The poller's view: cheap to serve, cheap to compare."""

    id: UUID
    number: str
    status: str
    version: int
    updated_at: datetime


class HistoryEntry(BaseModel):
    from_status: str | None = Field(description="null for the order's creation.")
    to_status: str
    at: datetime
    actor: str
    reason: str | None
    event_id: UUID | None


class Change(BaseModel):
    seq: int
    order_id: UUID
    number: str
    status: str
    version: int
    at: datetime


class ChangesFeed(BaseModel):
    """Changes after `after`, oldest first; pass `last_seq` back as `after` to continue."""

    changes: list[Change]
    last_seq: int


class CategoryKpiPublic(BaseModel):
    category: Category
    contracted_value_kzt: str = Field(examples=["1350000000.00"])
    domestic_value_kzt: str
    domestic_share: float | None = Field(description="Percent (0-100); null when nothing is contracted.")
    target: float
    gap: float | None = Field(description="target - domestic_share, in percentage points.")


class KpiReport(BaseModel):
    categories: list[CategoryKpiPublic]


class RateUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"kzt_per_unit": "451.27"}]})

    kzt_per_unit: str = Field(description="KZT per one unit of the currency, as a decimal string.")


class ExchangeRatePublic(BaseModel):
    currency: str
    kzt_per_unit: str = Field(examples=["451.27"])
    version: int = Field(description="0 while the built-in default applies.")
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(
        cls, currency: str, rate: Decimal, version: int = 0, at: datetime | None = None, by: str | None = None
    ) -> ExchangeRatePublic:
        return cls(currency=currency, kzt_per_unit=str(rate), version=version, updated_at=at, updated_by=by)
