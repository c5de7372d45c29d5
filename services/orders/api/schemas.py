"""Request and response bodies of the orders API (contract section 3).

Requests check each field on its own (types, ranges, enumerations); rules spanning several
fields or needing stored data (unique requirement codes, min <= max, lot size against the
quantity, the ceiling in KZT) are the domain's and answer the same 422 shape.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from services.orders.domain.amendment import Amendment, AmendmentStatus, Changes
from services.orders.domain.delivery import MAX_LOTS, LotProgress, ScheduledLot
from services.orders.domain.delivery import Shipment as ShipmentRecord
from services.orders.domain.errors import InvalidMoney
from services.orders.domain.money import MAX_INTEGER_DIGITS, Money, check_currency, parse_amount
from services.orders.domain.order import Order
from services.orders.domain.pricing import ExchangeRate, RateEntry
from services.orders.domain.specification import (
    AQL_VALUES,
    DEFAULT_AQL,
    MAX_CODE_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    Category,
    FundingSource,
    Specification,
    check_aql,
    check_certifications,
    check_local_content,
    check_text,
)
from shared.errors import InvalidInput
from shared.requirements import TechnicalRequirement

_AS_NUMBER = PlainSerializer(float, return_type=float, when_used="json")


def _in_utc(moment: datetime) -> datetime:
    # Compared with UTC columns: an instant with no UTC date (year 1 at +14:00) is bad input, not a 500.
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("is outside the range of representable UTC timestamps") from None


# RFC 3339 as the document says (format date-time): pydantic alone would also read "0.5" or "1700000000"
# as Unix time, or a date-time without an offset as local time.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T09:00:00Z")
    return value


UtcMoment = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]
# KZT per unit as a decimal string (a rate has up to 6 decimal places).
RateText = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,6})?$", "examples": ["489.13"]}),
]
# An amount below 10^15 with two decimal places: "999999999999999.99".
MAX_AMOUNT_LENGTH = MAX_INTEGER_DIGITS + 3
# A requirement's limit is any finite JSON number, an IEEE 754 binary64 (RFC 8259 section 6); an
# integer literal beyond that range is refused too. Limits are stored as JSON numbers.
MAX_BOUND = sys.float_info.max
# KZT per unit is at most 1000000 with 6 decimal places (domain.pricing); this bounds what is read.
MAX_RATE_LENGTH = 40


def _amount(value: Any) -> Decimal:
    # A Decimal comes from storage (already checked); the wire must bring a decimal string.
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and len(value) > MAX_AMOUNT_LENGTH:
        raise InvalidMoney("amount", f"must be at most {MAX_AMOUNT_LENGTH} characters")
    return parse_amount(value, "amount")


AmountText = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": MAX_AMOUNT_LENGTH,
            "pattern": r"^[0-9]+(\.[0-9]{1,2})?$",
            "examples": ["125000000.00"],
        }
    ),
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
Bound = Annotated[
    Decimal,
    Field(allow_inf_nan=False, ge=-MAX_BOUND, le=MAX_BOUND),
    _AS_NUMBER,
    WithJsonSchema({"type": "number", "minimum": -MAX_BOUND, "maximum": MAX_BOUND}),
]
# A standard's name such as "ISO 9001": as long as a requirement code (surrounding blanks dropped).
Certification = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CODE_LENGTH)]


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

    def to_requirement(self) -> TechnicalRequirement:
        return TechnicalRequirement(self.code, self.name, self.unit, self.min, self.max, self.critical)


class LotEntry(BaseModel):
    """One lot of the delivery schedule: `quantity` units due by `due_date`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quantity": 6, "due_date": "2030-03-31"}]}
    )

    quantity: Count
    due_date: date

    def to_lot(self) -> ScheduledLot:
        return ScheduledLot(self.quantity, self.due_date)


_SCHEDULE_DESCRIPTION = (
    f"Lots to deliver, 1 to {MAX_LOTS}: quantities summing to `quantity`, due dates non-decreasing and not after "
    "`delivery_deadline`. Left out: one lot of the whole quantity due on `delivery_deadline` (it follows both "
    "when they change). Frozen at publish."
)

_FUND_PROJECT_DESCRIPTION = (
    "The Development Fund's project paying for the order: required when `funding_source` is "
    "`development_fund`, not allowed otherwise (422). The order is published only while the fund has "
    "the project approved (409 `fund_project_not_approved`). Changing `funding_source` to `state_budget` "
    "drops it."
)

_SPEC_EXAMPLE: dict[str, Any] = {
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
    "delivery_schedule": [{"quantity": 6, "due_date": "2030-03-31"}, {"quantity": 6, "due_date": "2030-06-30"}],
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

    @field_validator("required_certifications", check_fields=False)
    @classmethod
    def _certifications(cls, value: list[str] | None) -> list[str] | None:
        return value if value is None else check_certifications(value)

    def _values(self, names: Iterable[str]) -> dict[str, Any]:
        """The named fields as the domain's ``Specification`` holds them."""
        values: dict[str, Any] = {name: getattr(self, name) for name in names}
        if "price_ceiling" in values:
            values["price_ceiling"] = values["price_ceiling"].to_money()
        if "technical_requirements" in values:
            values["technical_requirements"] = tuple(r.to_requirement() for r in values["technical_requirements"])
        if "required_certifications" in values:
            values["required_certifications"] = tuple(values["required_certifications"])
        if values.get("delivery_schedule") is not None:
            values["delivery_schedule"] = tuple(lot.to_lot() for lot in values["delivery_schedule"])
        return values


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
    required_certifications: list[Certification] = Field(default_factory=list, max_length=50)
    requires_security_clearance: bool = True
    aql: Aql = DEFAULT_AQL
    technical_requirements: list[Requirement] = Field(max_length=500)
    delivery_schedule: list[LotEntry] | None = Field(
        default=None, min_length=1, max_length=MAX_LOTS, description=_SCHEDULE_DESCRIPTION
    )
    fund_project_id: UUID | None = Field(default=None, description=_FUND_PROJECT_DESCRIPTION)

    def to_specification(self) -> Specification:
        return Specification(**self._values(type(self).model_fields))


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
    required_certifications: list[Certification] | None = Field(default=None, max_length=50)
    requires_security_clearance: bool | None = None
    aql: Aql | None = None
    technical_requirements: list[Requirement] | None = Field(default=None, max_length=500)
    delivery_schedule: list[LotEntry] | None = Field(
        default=None, min_length=1, max_length=MAX_LOTS, description=_SCHEDULE_DESCRIPTION
    )
    fund_project_id: UUID | None = Field(default=None, description=_FUND_PROJECT_DESCRIPTION)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: Any) -> Any:
        # Defaults are not validated, so this fires only on an explicit null.
        if value is None:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the body names, as the domain's ``Specification`` holds them."""
        return self._values(sorted(self.model_fields_set))


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

    lot_size: Count = Field(
        description="Units presented for inspection; at most the units not yet accepted "
        "(`quantity - accepted_quantity`)."
    )


class Shipment(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"waybill": "KZ-WB-2030-000417"}, {"waybill": "KZ-WB-2030-000418", "quantity": 6}]
        },
    )

    waybill: Text
    quantity: Count | None = Field(
        default=None, description="Units to ship; left out: every accepted unit not yet shipped. More answers 422."
    )

    _waybill = field_validator("waybill", mode="before")(_text)


class DeliveryConfirmation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"received_quantity": 12}, {"received_quantity": 5, "shipment_no": 2}]},
    )

    received_quantity: Count = Field(
        description="Units received of the shipment; at most its quantity. Fewer is a short receipt: the missing "
        "units go back to production."
    )
    shipment_no: Count | None = Field(
        default=None, description="The shipment received; may be left out while exactly one is waiting."
    )


class Cancellation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Requirement withdrawn"}]})

    reason: Text

    _reason = field_validator("reason", mode="before")(_text)


_CHANGES_EXAMPLE: dict[str, Any] = {"quantity": 10, "contract_price": {"amount": "1150000000.00", "currency": "KZT"}}


class AmendmentChanges(BaseModel):
    """The terms to change; a field left out is not changed (at least one is named)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CHANGES_EXAMPLE]})

    quantity: Count | None = Field(
        default=None,
        description="Never below the units accepted (nor, in `inspection` or `rework`, those of the lot inspected).",
    )
    delivery_deadline: date | None = Field(
        default=None, description="Not in the past; no lot of the schedule may fall due after it."
    )
    delivery_schedule: list[LotEntry] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LOTS,
        description="The lots to deliver, summing to the (new) quantity and due by the (new) deadline; lots already "
        "received in full keep their quantity and due date. Needed when the order has a schedule of its own and "
        "the quantity or the deadline changes; a default schedule follows them by itself.",
    )
    contract_price: MoneyModel | None = Field(
        default=None,
        description="Above 0 and at most the price ceiling, compared in KZT at the rates in force; converted when the "
        "amendment is accepted, at the rates in force then.",
    )

    _price_positive = field_validator("contract_price")(_positive)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null; leave the field out to keep the term as it is")
        return value

    def to_changes(self) -> Changes:
        schedule = None if self.delivery_schedule is None else tuple(lot.to_lot() for lot in self.delivery_schedule)
        price = None if self.contract_price is None else self.contract_price.to_money()
        return Changes(self.quantity, self.delivery_deadline, schedule, price)


def _changes_schema(schema: dict[str, Any]) -> None:
    _patch_schema(schema)
    schema["examples"] = [_CHANGES_EXAMPLE, {"delivery_deadline": "2030-09-30"}]


AmendmentChanges.model_config["json_schema_extra"] = _changes_schema


class AmendmentProposal(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "Two vehicles are no longer needed (letter 12/345 of 2030-02-01)",
                    "changes": _CHANGES_EXAMPLE,
                },
                {
                    "reason": "Supplier's request: test range closed in March",
                    "changes": {"delivery_deadline": "2030-09-30"},
                },
            ]
        },
    )

    reason: Text
    changes: AmendmentChanges

    _reason = field_validator("reason", mode="before")(_text)


class AmendmentRejection(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "The new deadline cannot be met with our line"}]}
    )

    reason: Text

    _reason = field_validator("reason", mode="before")(_text)


class AmendmentWithdrawal(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Proposed with the wrong quantity"}]}
    )

    reason: Text | None = Field(default=None, description="Why the ministry takes the proposal back (optional).")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: Any, info: Any) -> Any:
        return value if value is None else _text(value, info)


_TERMS_DESCRIPTION = (
    "The changed terms as JSON values: `quantity`, `delivery_deadline`, `delivery_schedule`, `contract_price`."
)


class AmendmentSummary(BaseModel):
    """The latest amendment, as the order shows it."""

    number: int
    status: AmendmentStatus
    changes: dict[str, Any] = Field(description=_TERMS_DESCRIPTION)
    reason: str
    at: datetime = Field(description="When it was proposed.")
    decided_at: datetime | None

    @classmethod
    def of(cls, amendment: Amendment) -> AmendmentSummary:
        a = amendment
        return cls(
            number=a.number,
            status=a.status,
            changes=a.changes.as_dict(),
            reason=a.reason,
            at=a.proposed_at,
            decided_at=a.decided_at,
        )


class AmendmentPublic(BaseModel):
    """A proposed change of the contract and what became of it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": 1,
                    "order_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                    "status": "accepted",
                    "changes": _CHANGES_EXAMPLE,
                    "reason": "Two vehicles are no longer needed (letter 12/345 of 2030-02-01)",
                    "proposed_by": "mod-officer-17",
                    "at": "2030-02-03T09:00:00Z",
                    "version": 2,
                    "decided_by": "supplier-5b0f0c4e",
                    "decided_at": "2030-02-04T11:30:00Z",
                    "decision_reason": None,
                    "before": {
                        "quantity": 12,
                        "contract_price": {"amount": "1350000000.00", "currency": "KZT"},
                        "delivery_schedule": [{"quantity": 12, "due_date": "2030-06-30"}],
                    },
                    "after": {
                        "quantity": 10,
                        "contract_price": {"amount": "1150000000.00", "currency": "KZT"},
                        "delivery_schedule": [{"quantity": 10, "due_date": "2030-06-30"}],
                    },
                    "contract_price_kzt": "1150000000.00",
                    "rate_used": "1",
                }
            ]
        }
    )

    number: int = Field(description="1, 2, ... per order.")
    order_id: UUID
    status: AmendmentStatus = Field(description="`proposed`, then `accepted`, `rejected` or `withdrawn` (final).")
    changes: dict[str, Any] = Field(description="What was proposed. " + _TERMS_DESCRIPTION)
    reason: str
    proposed_by: str
    at: datetime = Field(description="When it was proposed.")
    version: int = Field(description="1 while proposed, 2 once decided; `If-Match` of a decision checks it.")
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None = Field(
        description="The supplier's reason for a rejection, the ministry's for a withdrawal."
    )
    before: dict[str, Any] | None = Field(
        description="On acceptance: the changed terms before (a default schedule that followed the quantity or the "
        "deadline included)."
    )
    after: dict[str, Any] | None = Field(description="On acceptance: the same terms after.")
    contract_price_kzt: AmountText | None = Field(description="On acceptance of a new price: the price in KZT.")
    rate_used: RateText | None = Field(description="On acceptance of a new price: KZT per unit it was converted at.")

    @classmethod
    def of(cls, order_id: UUID, amendment: Amendment) -> AmendmentPublic:
        a = amendment
        return cls(
            number=a.number,
            order_id=order_id,
            status=a.status,
            changes=a.changes.as_dict(),
            reason=a.reason,
            proposed_by=a.proposed_by,
            at=a.proposed_at,
            version=a.version,
            decided_by=a.decided_by,
            decided_at=a.decided_at,
            decision_reason=a.decision_reason,
            before=a.before,
            after=a.after,
            contract_price_kzt=a.contract_price_kzt,
            rate_used=a.rate_used,
        )


class RequirementPublic(BaseModel):
    code: str
    name: str
    unit: str
    min: Bound | None = None
    max: Bound | None = None
    critical: bool

    @classmethod
    def of(cls, requirement: TechnicalRequirement) -> RequirementPublic:
        r = requirement
        return cls(code=r.code, name=r.name, unit=r.unit, min=r.min, max=r.max, critical=r.critical)


class LotPublic(BaseModel):
    """One lot of the schedule and its share of the order's units (units fill the lots in `lot_no` order)."""

    lot_no: int
    quantity: int
    due_date: date
    accepted_quantity: int
    shipped_quantity: int
    received_quantity: int
    on_time: bool | None = Field(
        description="Whether the lot's last unit arrived on or before its due date (SDO_TIMEZONE's calendar); "
        "null until it is received in full."
    )

    @classmethod
    def of(cls, lot: LotProgress) -> LotPublic:
        return cls(**{name: getattr(lot, name) for name in cls.model_fields})


class ShipmentPublic(BaseModel):
    """Units sent with one waybill, and their receipt."""

    shipment_no: int
    quantity: int
    waybill: str
    shipped_at: datetime
    received_quantity: int | None = Field(description="null while in transit; fewer than `quantity`: short.")
    received_at: datetime | None
    on_time: bool | None = Field(
        description="Received, on SDO_TIMEZONE's calendar, no later than the earliest due date of the lots it fills."
    )

    @classmethod
    def of(cls, shipment: ShipmentRecord | Any) -> ShipmentPublic:
        return cls(**{name: getattr(shipment, name) for name in cls.model_fields})


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
    contract_price_kzt: AmountText | None = Field(
        description="The contract price in KZT at the rate in force at the award (or at the amendment that set it)."
    )
    rate_used: RateText | None = Field(
        description="KZT per unit of the contract price's currency that `contract_price_kzt` was converted at; a "
        "later rate change never moves it. null before the award (and for orders awarded before rates were kept "
        "in another currency than KZT)."
    )
    supplier_country: str | None
    local_content_share: Percent | None
    award_decline_reason: str | None
    inspection_rounds: int
    lot_size: int | None
    waybill: str | None
    received_quantity: int | None = Field(description="Units received so far; null before the first receipt.")
    delivered_on: date | None
    on_time: bool | None = Field(description="Set on delivery: true only if every shipment was on time.")
    cancel_reason: str | None
    accepted_quantity: int = Field(description="Units accepted by inspections and not found missing on receipt.")
    shipped_quantity: int = Field(description="Units shipped, less those found missing on receipt.")
    delivery_schedule: list[LotPublic]
    inspection_discontinued: bool = Field(
        description="The quality service discontinued inspection (ISO 2859-1 clause 9): no lot may be submitted."
    )
    fund_project_id: UUID | None
    amendment_count: int = Field(description="How many amendments were proposed, whatever became of them.")
    last_amendment: AmendmentSummary | None = Field(description="The latest amendment; null before the first.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, order: Order) -> OrderPublic:
        """The body of an order, from the aggregate (a command's result or a read)."""
        spec = order.spec
        return cls(
            **{name: getattr(spec, name) for name in _FROM_SPEC},
            **{name: getattr(order, name) for name in _FROM_ORDER},
            price_ceiling=MoneyModel(amount=spec.price_ceiling.amount, currency=spec.price_ceiling.currency),
            technical_requirements=[RequirementPublic.of(r) for r in spec.technical_requirements],
            contract_price=MoneyModel.of(order.contract_price),
            delivery_schedule=[LotPublic.of(lot) for lot in order.lots],
            amendment_count=len(order.amendments),
            last_amendment=None if order.last_amendment is None else AmendmentSummary.of(order.last_amendment),
        )


_COMPOSED = {
    "price_ceiling",
    "technical_requirements",
    "contract_price",
    "delivery_schedule",
    "amendment_count",
    "last_amendment",
}
_FROM_SPEC = tuple(set(OrderCreate.model_fields) - _COMPOSED)
_FROM_ORDER = tuple(set(OrderPublic.model_fields) - set(OrderCreate.model_fields) - _COMPOSED)


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
    localized_value_kzt: str = Field(
        examples=["810000000.00"],
        description="Contracted value weighted by each contract's `local_content_share` (from the registry).",
    )
    localized_share: float | None = Field(
        description="localized_value_kzt as a percent (0-100) of contracted_value_kzt; null when nothing is contracted."
    )


class KpiReport(BaseModel):
    categories: list[CategoryKpiPublic]


class RateUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"rate": "451.27"},
                {"rate": "455.10", "effective_from": "2030-07-01T00:00:00+05:00"},
                {"kzt_per_unit": "451.27"},
            ]
        },
    )

    rate: str | None = Field(
        default=None,
        max_length=MAX_RATE_LENGTH,
        description="KZT per one unit of the currency, as a decimal string (at most 6 decimal places). "
        "`kzt_per_unit` is the older name of the same field: give one of them.",
    )
    kzt_per_unit: str | None = Field(
        default=None, max_length=MAX_RATE_LENGTH, description="The same as `rate` (kept for existing clients)."
    )
    effective_from: UtcMoment | None = Field(
        default=None,
        description="RFC 3339; when the rate takes effect. Not in the past (a minute of clock skew counts as now); "
        "left out: now.",
    )

    def given(self) -> tuple[str, Any]:
        """The body field holding the rate and its value (the handler checks the value, naming the field)."""
        if self.rate is not None and self.kzt_per_unit is not None:
            raise InvalidInput("rate", "give `rate` or `kzt_per_unit`, not both")
        if self.kzt_per_unit is not None:
            return "kzt_per_unit", self.kzt_per_unit
        if self.rate is None:
            raise InvalidInput("rate", "is required (KZT per unit as a decimal string)")
        return "rate", self.rate


class ScheduledRatePublic(BaseModel):
    kzt_per_unit: str = Field(examples=["455.10"])
    effective_from: datetime
    version: int

    @classmethod
    def of(cls, entry: RateEntry) -> ScheduledRatePublic:
        return cls(kzt_per_unit=str(entry.kzt_per_unit), effective_from=entry.effective_from, version=entry.version)


class ExchangeRatePublic(BaseModel):
    currency: str
    kzt_per_unit: str = Field(examples=["451.27"], description="The rate in force now.")
    version: int = Field(description="0 while the built-in default applies.")
    updated_at: datetime | None
    updated_by: str | None
    effective_from: datetime | None = Field(
        description="Since when the rate in force applies; null for the built-in default."
    )
    scheduled: list[ScheduledRatePublic] = Field(
        description="Rates set to take effect later, soonest first (each applies until a later one does)."
    )

    @classmethod
    def of(cls, rate: ExchangeRate) -> ExchangeRatePublic:
        return cls(
            currency=rate.currency,
            kzt_per_unit=str(rate.kzt_per_unit),
            version=rate.version,
            updated_at=rate.updated_at,
            updated_by=rate.updated_by,
            effective_from=rate.effective_from,
            scheduled=[ScheduledRatePublic.of(entry) for entry in rate.scheduled],
        )


class RateHistoryEntry(BaseModel):
    """One rate of a currency: the built-in default (version 0) or one set through the API."""

    version: int
    kzt_per_unit: str = Field(examples=["489.13"])
    effective_from: datetime | None = Field(description="null for the built-in default, in force before any rate set.")
    set_at: datetime | None
    set_by: str | None

    @classmethod
    def of(cls, entry: RateEntry) -> RateHistoryEntry:
        return cls(
            version=entry.version,
            kzt_per_unit=str(entry.kzt_per_unit),
            effective_from=entry.effective_from,
            set_at=entry.set_at,
            set_by=entry.set_by,
        )

    @classmethod
    def default(cls, kzt_per_unit: Decimal) -> RateHistoryEntry:
        return cls(version=0, kzt_per_unit=str(kzt_per_unit), effective_from=None, set_at=None, set_by=None)
