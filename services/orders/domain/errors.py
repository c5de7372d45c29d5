"""What the orders domain refuses, as kinds of the suite's domain errors (``shared.errors``).

``shared/http`` maps each kind once: ``InvalidInput`` and its subclasses answer 422 (``field``
fills ``errors[].field``), ``NotFound`` 404, ``Refused`` 409 with ``code`` as the problem slug.
A move the lifecycle table does not draw is the suite's ``IllegalTransition``, raised by the table.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from shared.errors import InvalidInput, NotFound, Refused


class InvalidMoney(InvalidInput):
    """A money object that is not ``{"amount": "<decimal string>", "currency": "<ISO 4217>"}``."""


class UnknownCurrency(InvalidInput):
    """No exchange rate is known for ``currency``, so it cannot be compared in KZT."""

    def __init__(self, currency: str, field: str = "currency") -> None:
        super().__init__(field, f"no exchange rate to KZT is known for currency {currency!r}")
        self.currency = currency


class PriceAboveCeiling(InvalidInput):
    """The contract price, converted to KZT, exceeds the order's price ceiling in KZT."""

    def __init__(self, price_kzt: Decimal, ceiling_kzt: Decimal, field: str = "contract_price") -> None:
        super().__init__(field, f"contract price {price_kzt} KZT is above the price ceiling {ceiling_kzt} KZT")
        self.price_kzt = price_kzt
        self.ceiling_kzt = ceiling_kzt


class InvalidKpiTargets(InvalidInput):
    """``SDO_KPI_TARGETS`` cannot be read."""

    def __init__(self, message: str) -> None:
        super().__init__("SDO_KPI_TARGETS", message)


class InvalidOrderNumber(InvalidInput):
    """A string that is not ``SDO-<year>-<6 digits>``, or numbering input out of range."""


class OrderNumbersExhausted(Refused):
    """The per-year sequence went past 999999; the number format has no room left."""

    code = "order-numbers-exhausted"

    def __init__(self, year: int, sequence: int) -> None:
        super().__init__(f"order number sequence {sequence} for {year} exceeds 999999")
        self.year = year
        self.sequence = sequence


class OrderNotFound(NotFound):
    """No such order, or not the caller's to see: another supplier's order is "not found" too."""

    def __init__(self, ref: str | UUID) -> None:
        super().__init__(f"Order {ref} does not exist or is not visible to you.")


class EventNotApplicable(Refused):
    """An event that must not move the order (another supplier's, a late verdict): dropped, not retried."""

    code = "event-not-applicable"


class InspectionDiscontinued(Refused):
    """The quality service discontinued inspection of the order (ISO 2859-1 clause 9) until it is resumed."""

    code = "inspection_discontinued"

    def __init__(self) -> None:
        super().__init__(
            "inspection of this order is discontinued after too many lots not accepted on tightened inspection; "
            "no lot can be submitted until the ministry resumes it (POST /api/v1/plans/{order_id}/resume)"
        )


class NothingToShip(Refused):
    """Every accepted unit is already shipped."""

    code = "nothing-to-ship"

    def __init__(self, accepted: int, shipped: int) -> None:
        super().__init__(
            f"no accepted unit is waiting to ship ({accepted} accepted, {shipped} shipped); "
            "submit the next lot for inspection first",
            accepted_quantity=accepted,
            shipped_quantity=shipped,
        )


class NoShipmentInTransit(Refused):
    """Every shipment has been received: there is nothing to confirm."""

    code = "no-shipment-in-transit"

    def __init__(self) -> None:
        super().__init__("no shipment of this order is waiting to be received")


class ShipmentAlreadyReceived(Refused):
    code = "shipment-already-received"

    def __init__(self, shipment_no: int) -> None:
        super().__init__(f"shipment {shipment_no} has already been received", shipment_no=shipment_no)


class AmendmentNotFound(NotFound):
    def __init__(self, order_ref: str | UUID, number: int) -> None:
        super().__init__(f"Order {order_ref} has no amendment {number}.")


class AmendmentAlreadyProposed(Refused):
    """One amendment is open at a time: it is accepted, rejected or withdrawn before the next is proposed."""

    code = "amendment-already-proposed"

    def __init__(self, number: int) -> None:
        super().__init__(
            f"amendment {number} is still proposed; the supplier accepts or rejects it, or the ministry withdraws "
            "it, before another is proposed",
            open_amendment=number,
        )


class AmendmentNoLongerApplies(Refused):
    """The order moved on since the proposal (e.g. more units accepted): the changes break a rule now."""

    code = "amendment-no-longer-applies"

    def __init__(self, number: int, errors: list[dict[str, str]]) -> None:
        rules = "; ".join(f"{e['field']} {e['message']}" for e in errors)
        super().__init__(
            f"amendment {number} can no longer be applied: {rules}; reject it, or have it withdrawn and proposed again",
            errors=errors,
        )


class FundProjectNotApproved(Refused):
    """An order funded by the Development Fund is published only while its project is approved."""

    code = "fund_project_not_approved"

    def __init__(self, project_id: UUID | None, known_status: str | None) -> None:
        if project_id is None:
            detail = "the order is funded by the Development Fund but names no fund_project_id"
        elif known_status is None:
            detail = f"fund project {project_id} has not been approved by the Development Fund"
        else:
            detail = f"fund project {project_id} is {known_status}, not approved"
        super().__init__(
            detail, fund_project_id=None if project_id is None else str(project_id), project_status=known_status
        )
