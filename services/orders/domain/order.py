"""The order aggregate: a state defense order and what may happen to it.

Each business verb (``order.award(...)``, ``order.ship(...)``) moves the order through the one
transition table (``lifecycle.ORDER``), checks the rules of its input and leaves a ``Transition``
in ``order.pending``: the fact the adapters write down (a history row, a changes-feed row) and the
handler announces (its events, its audit entry). No I/O here and no clock: the caller passes the
moment (``at``) and the calendar day (``today``).

Roles are checked once, by the route, from the table; ``roles`` here only shape the 409 that
lists what this caller could do instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from services.orders.domain.amendment import (
    AMENDABLE_FIELDS,
    AMENDMENT,
    Amendment,
    AmendmentAction,
    Changes,
    describe,
    terms_value,
)
from services.orders.domain.delivery import (
    LotProgress,
    ScheduledLot,
    Shipment,
    check_schedule,
    progress,
    receipt_on_time,
    received_units,
    shipped_units,
)
from services.orders.domain.errors import (
    AmendmentAlreadyProposed,
    AmendmentNoLongerApplies,
    AmendmentNotFound,
    EventNotApplicable,
    FundProjectNotApproved,
    InspectionDiscontinued,
    NoShipmentInTransit,
    NothingToShip,
    ShipmentAlreadyReceived,
)
from services.orders.domain.funding import FundProject
from services.orders.domain.lifecycle import EVENTS, INITIAL_STATUS, ORDER, Action, OrderStatus
from services.orders.domain.money import Money
from services.orders.domain.pricing import check_within_ceiling, rate_of, reduce_price, to_kzt
from services.orders.domain.specification import (
    FundingSource,
    Specification,
    check_delivery_deadline,
    check_lot_size,
    check_quantity,
)
from shared.errors import InvalidInput
from shared.events.payloads import (
    OrderAmended,
    OrderAwardRequested,
    OrderCancelled,
    OrderContracted,
    OrderDelivered,
    OrderDeliveryShort,
    OrderEvent,
    OrderPublished,
    OrderSubmittedForInspection,
    Payload,
)
from shared.events.payloads import TechnicalRequirement as RequirementPayload
from shared.events.types import EventType, order_status_event


@dataclass(slots=True)
class Transition:
    """One move of an order, to be written down and announced in the same transaction."""

    action: Action
    from_status: OrderStatus | None  # None: the order's creation
    to_status: OrderStatus
    version: int
    at: datetime
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    # The supplier the feed row is shown to when the order no longer names one (a declined award).
    concerns: UUID | None = None
    # The status event announcing the move; the handler fills it in when it emits the event.
    event_id: UUID | None = None
    # Events the move announces besides its status event: (type, fields beyond the common ones).
    extra: tuple[tuple[EventType, Mapping[str, Any]], ...] = ()

    def audit(self, number: str) -> dict[str, Any]:
        """The audit entry's details."""
        event_id = None if self.event_id is None else str(self.event_id)
        if self.from_status is None:
            return {"number": number, "to": self.to_status, "event_id": event_id}
        return {
            "number": number,
            "from": self.from_status,
            "to": self.to_status,
            "version": self.version,
            "reason": self.reason,
            "event_id": event_id,
            **self.details,
        }


@dataclass(frozen=True, slots=True)
class AmendedTerms:
    """The contract an amendment would make, and the terms it changes (JSON values, before and after)."""

    spec: Specification
    price: Money | None
    price_kzt: Decimal | None
    rate_used: Decimal | None
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(eq=False)
class Order:
    id: UUID
    number: str
    spec: Specification
    status: OrderStatus
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    # The award and what followed.
    supplier_id: UUID | None = None
    contract_price: Money | None = None
    contract_price_kzt: Decimal | None = None
    # KZT per unit of the contract price's currency at the award (or the amendment that set the price).
    rate_used: Decimal | None = None
    supplier_country: str | None = None
    local_content_share: Decimal | None = None
    award_decline_reason: str | None = None
    inspection_rounds: int = 0
    lot_size: int | None = None
    last_inspection_id: UUID | None = None
    waybill: str | None = None
    received_quantity: int | None = None
    delivered_on: date | None = None
    on_time: bool | None = None
    cancel_reason: str | None = None
    # Units, not lots (contract section 7): accepted by inspections, shipped and received in parts.
    accepted_quantity: int = 0
    shipments: list[Shipment] = field(default_factory=list)
    inspection_discontinued: bool = False
    # Contract amendments (section 8), by number; at most one is open (proposed) at a time.
    amendments: list[Amendment] = field(default_factory=list)
    pending: list[Transition] = field(default_factory=list, repr=False)

    @property
    def shipped_quantity(self) -> int:
        """Units shipped, less those found missing on receipt (they went back to production)."""
        return shipped_units(self.shipments)

    @property
    def lots(self) -> list[LotProgress]:
        """The delivery schedule with each lot's accepted, shipped and received units."""
        return progress(self.spec.schedule, self.accepted_quantity, self.shipments)

    def in_transit(self) -> list[Shipment]:
        return [s for s in self.shipments if s.in_transit]

    @property
    def last_amendment(self) -> Amendment | None:
        return self.amendments[-1] if self.amendments else None

    @property
    def open_amendment(self) -> Amendment | None:
        return next((a for a in self.amendments if a.is_open), None)

    def amendment(self, number: int) -> Amendment:
        found = next((a for a in self.amendments if a.number == number), None)
        if found is None:
            raise AmendmentNotFound(self.number, number)
        return found

    @classmethod
    def create(cls, spec: Specification, *, number: str, by: str, at: datetime) -> Order:
        """A new draft; ``spec`` has passed ``Specification.checked``."""
        order = cls(uuid4(), number, spec, INITIAL_STATUS, 1, created_by=by, created_at=at, updated_at=at)
        order.pending.append(Transition(Action.CREATE, None, order.status, order.version, at))
        return order

    # --- the ministry's and the supplier's verbs ------------------------------------------------

    def update(
        self,
        changes: Mapping[str, Any],
        rates: Mapping[str, Decimal],
        *,
        today: date,
        roles: Iterable[str],
        at: datetime,
    ) -> None:
        """Change specification fields (draft only); ``changes`` names ``Specification`` fields.

        A new delivery deadline is not in the past of ``today`` (the ministry's).
        """
        to = ORDER.move(self.status, Action.UPDATE, roles)
        reason = f"changed {', '.join(sorted(changes))}"
        if changes.get("funding_source") == FundingSource.STATE_BUDGET and "fund_project_id" not in changes:
            changes = {**changes, "fund_project_id": None}  # the state budget is backed by no fund project
        self.spec = dataclasses.replace(self.spec, **changes).checked(
            rates, today=today if "delivery_deadline" in changes else None
        )
        self._moved(Action.UPDATE, to, at, reason=reason)

    def publish(
        self, *, today: date, roles: Iterable[str], at: datetime, fund_project: FundProject | None = None
    ) -> None:
        """Put the draft on the market; one the Development Fund pays for needs its project approved."""
        to = ORDER.move(self.status, Action.PUBLISH, roles)
        check_delivery_deadline(self.spec.delivery_deadline, today)  # a draft may have outlived its deadline
        details: dict[str, Any] = {}
        if self.spec.funding_source == FundingSource.DEVELOPMENT_FUND:
            project_id = self.spec.fund_project_id
            if project_id is None or fund_project is None or fund_project.id != project_id or not fund_project.approved:
                known = None if fund_project is None or fund_project.id != project_id else str(fund_project.status)
                raise FundProjectNotApproved(project_id, known)
            details["fund_project_id"] = str(project_id)
        self._moved(Action.PUBLISH, to, at, details=details)

    def award(
        self,
        supplier_id: UUID,
        price: Money,
        rates: Mapping[str, Decimal],
        *,
        roles: Iterable[str],
        at: datetime,
    ) -> None:
        """Offer the contract to a supplier at ``price``, at most the ceiling in KZT at ``rates``."""
        to = ORDER.move(self.status, Action.AWARD, roles)
        price_kzt = check_within_ceiling(price, self.spec.price_ceiling, rates)
        self.supplier_id, self.contract_price, self.contract_price_kzt = supplier_id, price, price_kzt
        self.rate_used = rate_of(price.currency, rates)
        self.award_decline_reason = None
        details = {
            "supplier_id": str(supplier_id),
            "contract_price": price.to_dict(),
            "kzt": str(price_kzt),
            "rate_used": str(self.rate_used),
            "price_ceiling_kzt": str(to_kzt(self.spec.price_ceiling, rates)),
        }
        self._moved(Action.AWARD, to, at, details=details)

    def start_production(self, *, roles: Iterable[str], at: datetime) -> None:
        self._moved(Action.START_PRODUCTION, ORDER.move(self.status, Action.START_PRODUCTION, roles), at)

    def submit_for_inspection(self, lot_size: int, *, roles: Iterable[str], at: datetime) -> None:
        """Present a lot (at most the units not yet accepted), opening the next inspection round."""
        to = ORDER.move(self.status, Action.SUBMIT_FOR_INSPECTION, roles)
        if self.inspection_discontinued:
            raise InspectionDiscontinued()
        self.lot_size = check_lot_size(lot_size, self.spec.quantity, accepted=self.accepted_quantity)
        self.inspection_rounds += 1
        reason = f"round {self.inspection_rounds}, lot of {self.lot_size}"
        self._moved(Action.SUBMIT_FOR_INSPECTION, to, at, reason=reason)

    def ship(self, waybill: str, quantity: int | None = None, *, roles: Iterable[str], at: datetime) -> Shipment:
        """Send accepted, unshipped units (all of them by default) with ``waybill``."""
        ORDER.move(self.status, Action.SHIP, roles, to=self._any_outcome(Action.SHIP))  # drawn from here?
        available = self.accepted_quantity - self.shipped_quantity
        if available <= 0:
            raise NothingToShip(self.accepted_quantity, self.shipped_quantity)
        units = available if quantity is None else quantity
        if units <= 0:
            raise InvalidInput("quantity", "must be greater than 0")
        if units > available:
            raise InvalidInput("quantity", f"must not exceed the {available} accepted units not yet shipped")
        shipment = Shipment(len(self.shipments) + 1, units, waybill, at)
        self.shipments.append(shipment)
        self.waybill = waybill
        done = self.shipped_quantity == self.spec.quantity
        to = ORDER.move(self.status, Action.SHIP, roles, to=OrderStatus.SHIPPED if done else self.status)
        reason = f"waybill {waybill}"  # the whole order in one shipment
        if not (done and len(self.shipments) == 1):
            reason = (
                f"shipment {shipment.shipment_no}: {units} units, waybill {waybill}; "
                f"{self.shipped_quantity} of {self.spec.quantity} shipped"
            )
        details = {"shipment_no": shipment.shipment_no, "quantity": units, "waybill": waybill}
        self._moved(Action.SHIP, to, at, reason=reason, details=details)
        return shipment

    def confirm_delivery(
        self,
        received_quantity: int,
        shipment_no: int | None = None,
        *,
        today: date,
        roles: Iterable[str],
        at: datetime,
    ) -> Shipment:
        """Receive a shipment ``today`` (the ministry's calendar); fewer units than shipped is a short receipt."""
        ORDER.move(self.status, Action.CONFIRM_DELIVERY, roles, to=self._any_outcome(Action.CONFIRM_DELIVERY))
        shipment = self._shipment_to_receive(shipment_no)
        received = check_quantity(received_quantity, "received_quantity")
        if received > shipment.quantity:
            raise InvalidInput(
                "received_quantity", f"must not exceed the {shipment.quantity} units of shipment {shipment.shipment_no}"
            )
        before = received_units(self.shipments)
        shipment.received_quantity, shipment.received_at, shipment.received_on = received, at, today
        shipment.receipt_no = 1 + max((s.receipt_no or 0 for s in self.shipments), default=0)
        shipment.on_time = receipt_on_time(self.spec.schedule, before, received, today)
        self.accepted_quantity -= shipment.missing  # missing units go back to production: neither accepted nor shipped
        self.received_quantity = before + received
        if self.received_quantity == self.spec.quantity:
            to = OrderStatus.DELIVERED
            self.delivered_on = today
            self.on_time = all(s.on_time for s in self.shipments)
        elif shipment.missing and self.status in (OrderStatus.ACCEPTED, OrderStatus.SHIPPED):
            # Units missing leave nothing complete; in production, inspection or rework the status stays.
            to = OrderStatus.IN_PRODUCTION
        else:
            to = self.status
        to = ORDER.move(self.status, Action.CONFIRM_DELIVERY, roles, to=to)
        timing = "on time" if shipment.on_time else "late"
        reason = f"received {self.received_quantity} of {self.spec.quantity}, {timing}"
        if len(self.shipments) > 1 or shipment.missing or to != OrderStatus.DELIVERED:
            reason = (
                f"shipment {shipment.shipment_no}: received {received} of {shipment.quantity}, {timing}; "
                f"{self.received_quantity} of {self.spec.quantity} received"
            )
        extra: tuple[tuple[EventType, Mapping[str, Any]], ...] = ()
        if shipment.missing:
            reason += f"; {shipment.missing} missing units go back to production"
            short = {"shipment_no": shipment.shipment_no, "shipped": shipment.quantity, "received": received}
            extra = ((EventType.ORDER_DELIVERY_SHORT, short),)
        details = {"shipment_no": shipment.shipment_no, "received_quantity": received, "on_time": shipment.on_time}
        self._moved(Action.CONFIRM_DELIVERY, to, at, reason=reason, details=details, extra=extra)
        return shipment

    def _shipment_to_receive(self, shipment_no: int | None) -> Shipment:
        waiting = self.in_transit()
        if shipment_no is None:
            if not waiting:
                raise NoShipmentInTransit()
            if len(waiting) > 1:
                numbers = ", ".join(str(s.shipment_no) for s in waiting)
                raise InvalidInput("shipment_no", f"is needed: shipments {numbers} are waiting to be received")
            return waiting[0]
        found = next((s for s in self.shipments if s.shipment_no == shipment_no), None)
        if found is None:
            raise InvalidInput("shipment_no", f"names no shipment of this order (it has {len(self.shipments)})")
        if not found.in_transit:
            raise ShipmentAlreadyReceived(shipment_no)
        return found

    def _any_outcome(self, action: Action) -> OrderStatus:
        """One status the table draws for ``action`` from here (to ask whether the action is drawn at all)."""
        outcomes = ORDER.outcomes(self.status, action)
        return next(iter(sorted(outcomes))) if outcomes else self.status

    def close(self, *, roles: Iterable[str], at: datetime) -> None:
        self._moved(Action.CLOSE, ORDER.move(self.status, Action.CLOSE, roles), at)

    def cancel(self, reason: str, *, roles: Iterable[str], at: datetime) -> None:
        to = ORDER.move(self.status, Action.CANCEL, roles)
        self.cancel_reason = reason
        self._moved(Action.CANCEL, to, at, reason=reason)

    # --- amendments (contract section 8): the contract changes only by amendment after award --------

    def propose_amendment(
        self,
        changes: Changes,
        reason: str,
        rates: Mapping[str, Decimal],
        *,
        today: date,
        by: str,
        roles: Iterable[str],
        at: datetime,
    ) -> Amendment:
        """The ministry proposes ``changes``; they must hold now (422 naming ``changes.<field>`` otherwise)."""
        ORDER.move(self.status, Action.AMEND, roles, to=self._any_outcome(Action.AMEND))  # contracted ... shipped
        open_amendment = self.open_amendment
        if open_amendment is not None:
            raise AmendmentAlreadyProposed(open_amendment.number)
        terms = self._amended_terms(changes, rates, today)
        amendment = Amendment(len(self.amendments) + 1, changes, reason, by, at, dirty=True)
        self.amendments.append(amendment)
        note = f"amendment {amendment.number} proposed: {describe(terms.before, terms.after)} ({reason})"
        self._noted(Action.AMENDMENT_PROPOSED, at, note, details={"amendment_number": amendment.number})
        return amendment

    def accept_amendment(
        self,
        number: int,
        rates: Mapping[str, Decimal],
        *,
        today: date,
        by: str,
        roles: Iterable[str],
        at: datetime,
    ) -> Amendment:
        """The supplier agrees: the changes apply now, the price converted at the rates in force now.

        A new quantity may complete the order's units or leave some to produce: in production with
        every unit already accepted the order is `accepted` (`shipped` when every unit is shipped,
        `delivered` when every unit is received); `accepted` or `shipped` with units added goes back
        to `in_production`. Elsewhere the status stays.
        """
        amendment = self.amendment(number)
        AMENDMENT.move(amendment.status, AmendmentAction.ACCEPT, roles)  # decided already: the table's 409
        ORDER.move(self.status, Action.AMEND, roles, to=self._any_outcome(Action.AMEND))
        try:
            terms = self._amended_terms(amendment.changes, rates, today)
        except InvalidInput as broken:
            raise AmendmentNoLongerApplies(number, broken.errors) from None
        amendment.decide(AmendmentAction.ACCEPT, by=by, at=at, reason=None, roles=roles)
        self.spec = terms.spec
        self.contract_price, self.contract_price_kzt, self.rate_used = terms.price, terms.price_kzt, terms.rate_used
        amendment.before, amendment.after = terms.before, terms.after
        if amendment.changes.contract_price is not None:
            amendment.contract_price_kzt, amendment.rate_used = terms.price_kzt, terms.rate_used
        to = ORDER.move(self.status, Action.AMEND, roles, to=self._after_amendment())
        if to == OrderStatus.DELIVERED:
            received_on = [s.received_on for s in self.shipments if s.received_on is not None]
            self.delivered_on = max(received_on, default=today)
            self.on_time = all(s.on_time for s in self.shipments)
        amended = {
            "amendment_number": number,
            "before": terms.before,
            "after": terms.after,
            "quantity": self.spec.quantity,
            "accepted_quantity": self.accepted_quantity,
            "contract_price_kzt": self.contract_price_kzt,
            "category": self.spec.category.value,
        }
        details: dict[str, Any] = {"amendment_number": number, "before": terms.before, "after": terms.after}
        if amendment.rate_used is not None:
            details |= {"contract_price_kzt": str(terms.price_kzt), "rate_used": str(terms.rate_used)}
        reason = f"amendment {number} accepted: {describe(terms.before, terms.after)}"
        self._moved(Action.AMEND, to, at, reason=reason, details=details, extra=((EventType.ORDER_AMENDED, amended),))
        return amendment

    def reject_amendment(self, number: int, reason: str, *, by: str, roles: Iterable[str], at: datetime) -> Amendment:
        """The supplier declines the proposal; the contract stays as it is."""
        amendment = self.amendment(number)
        amendment.decide(AmendmentAction.REJECT, by=by, at=at, reason=reason, roles=roles)
        note = f"amendment {number} rejected by the supplier: {reason}"
        self._noted(Action.AMENDMENT_REJECTED, at, note, details={"amendment_number": number})
        return amendment

    def withdraw_amendment(
        self, number: int, reason: str | None, *, by: str, roles: Iterable[str], at: datetime
    ) -> Amendment:
        """The ministry takes its proposal back before the supplier decides."""
        amendment = self.amendment(number)
        amendment.decide(AmendmentAction.WITHDRAW, by=by, at=at, reason=reason, roles=roles)
        note = f"amendment {number} withdrawn" + (f": {reason}" if reason else "")
        self._noted(Action.AMENDMENT_WITHDRAWN, at, note, details={"amendment_number": number})
        return amendment

    def _amended_terms(self, changes: Changes, rates: Mapping[str, Decimal], today: date) -> AmendedTerms:
        """The contract after ``changes``, checked against where the order stands; else ``InvalidInput``.

        Never below the units accepted (nor those under inspection), never above the ceiling in KZT at
        ``rates``, a schedule that adds up and fits the deadline (lots received in full keep their terms),
        a deadline not in the past.
        """
        named = changes.named()
        if not named:
            raise InvalidInput("changes", f"names nothing to change; give any of {', '.join(AMENDABLE_FIELDS)}")
        spec = self.spec
        quantity = spec.quantity
        if changes.quantity is not None:
            quantity = check_quantity(changes.quantity, "changes.quantity")
            self._check_quantity_floor(quantity)
        deadline = spec.delivery_deadline
        if changes.delivery_deadline is not None:
            deadline = check_delivery_deadline(changes.delivery_deadline, today, "changes.delivery_deadline")
        schedule = spec.delivery_schedule
        if changes.delivery_schedule is not None:
            schedule = check_schedule(changes.delivery_schedule, quantity, deadline, "changes.delivery_schedule")
            self._check_received_lots_kept(schedule)
        elif schedule is not None and (quantity, deadline) != (spec.quantity, spec.delivery_deadline):
            try:
                check_schedule(schedule, quantity, deadline)
            except InvalidInput as unfit:
                raise InvalidInput(
                    "changes.delivery_schedule",
                    f"is needed: the order's delivery schedule no longer fits ({unfit.message})",
                ) from None
        amended = dataclasses.replace(spec, quantity=quantity, delivery_deadline=deadline, delivery_schedule=schedule)
        price, price_kzt, rate = self.contract_price, self.contract_price_kzt, self.rate_used
        if changes.contract_price is not None:
            price = changes.contract_price
            if price.amount <= 0:
                raise InvalidInput("changes.contract_price.amount", "must be greater than 0")
            price_kzt = check_within_ceiling(price, spec.price_ceiling, rates, field="changes.contract_price")
            rate = rate_of(price.currency, rates)
        now: dict[str, Any] = {"quantity": quantity, "delivery_deadline": deadline, "contract_price": price}
        was: dict[str, Any] = {
            "quantity": spec.quantity,
            "delivery_deadline": spec.delivery_deadline,
            "contract_price": self.contract_price,
        }
        if amended.schedule != spec.schedule:  # named, or the default schedule following quantity or deadline
            named = [*named, "delivery_schedule"] if "delivery_schedule" not in named else named
        now["delivery_schedule"], was["delivery_schedule"] = amended.schedule, spec.schedule
        fields = [name for name in AMENDABLE_FIELDS if name in named]
        before = {name: terms_value(name, was[name]) for name in fields}
        after = {name: terms_value(name, now[name]) for name in fields}
        if before == after:
            raise InvalidInput("changes", "changes nothing: the contract already has these terms")
        return AmendedTerms(amended, price, price_kzt, rate, before, after)

    def _check_quantity_floor(self, quantity: int) -> None:
        """Units accepted (or under inspection) are the supplier's: an amendment never takes them away."""
        pending = (self.lot_size or 0) if self.status in (OrderStatus.INSPECTION, OrderStatus.REWORK) else 0
        floor = self.accepted_quantity + pending
        if quantity >= floor:
            return
        counted = f"the {self.accepted_quantity} units already accepted ({self.shipped_quantity} shipped)"
        if pending:
            counted += f" and the {pending} of the lot under inspection"
        raise InvalidInput("changes.quantity", f"must not be below {counted}: {floor}")

    def _check_received_lots_kept(self, schedule: Sequence[ScheduledLot]) -> None:
        """A lot received in full was judged on time or late by its due date: it keeps its terms."""
        for lot in self.lots:
            if lot.received_quantity < lot.quantity:
                break
            index = lot.lot_no - 1
            kept = index < len(schedule) and (schedule[index].quantity, schedule[index].due_date) == (
                lot.quantity,
                lot.due_date,
            )
            if not kept:
                raise InvalidInput(
                    f"changes.delivery_schedule[{index}]",
                    f"lot {lot.lot_no} is received in full: it keeps its {lot.quantity} units due {lot.due_date}",
                )

    def _after_amendment(self) -> OrderStatus:
        """Where the new quantity leaves the order's units (see ``accept_amendment``)."""
        quantity = self.spec.quantity
        if self.status == OrderStatus.IN_PRODUCTION and self.accepted_quantity == quantity:
            if received_units(self.shipments) == quantity:
                return OrderStatus.DELIVERED
            return OrderStatus.SHIPPED if self.shipped_quantity == quantity else OrderStatus.ACCEPTED
        if self.status in (OrderStatus.ACCEPTED, OrderStatus.SHIPPED) and self.accepted_quantity < quantity:
            return OrderStatus.IN_PRODUCTION
        return self.status

    # --- the saga: the other services' answers ---------------------------------------------------
    # A late, repeated or mismatched answer raises IllegalTransition (the table does not draw the
    # move from where the order stands) or EventNotApplicable, and changes nothing.

    def award_confirmed(
        self, supplier_id: UUID, supplier_country: str, local_content_share: Decimal, *, at: datetime
    ) -> None:
        to = self._answer(Action.AWARD_CONFIRMED, supplier_id)
        self.supplier_country = supplier_country.strip().upper()
        self.local_content_share = local_content_share
        self._moved(Action.AWARD_CONFIRMED, to, at, details={"supplier_country": self.supplier_country})

    def award_declined(self, supplier_id: UUID, reasons: Sequence[str], *, at: datetime) -> None:
        """Back on the market: the declined supplier and its price no longer belong to the order."""
        to = self._answer(Action.AWARD_DECLINED, supplier_id)
        reason = "; ".join(reasons) or "declined by the suppliers service"
        declined_by, self.award_decline_reason = self.supplier_id, reason
        self.supplier_id = self.contract_price = self.contract_price_kzt = self.rate_used = None
        self._moved(Action.AWARD_DECLINED, to, at, reason=reason, concerns=declined_by)

    def lot_accepted(
        self,
        inspection_id: UUID,
        certificate_id: UUID,
        *,
        supplier_id: UUID | None,
        round: int | None,
        at: datetime,
        concession: bool = False,
        price_reduction_kzt: Decimal | None = None,
        nonconformance_id: UUID | None = None,
    ) -> None:
        """The submitted lot's units are accepted; the order is `accepted` once every unit is.

        Under concession (a rejected lot dispositioned `use_as_is`) the order stands in `rework`, the
        verdict is for the rejected inspection, and the contract price is reduced by the consideration.
        """
        units = min(self.lot_size or 0, self.spec.quantity - self.accepted_quantity)
        done = self.accepted_quantity + units == self.spec.quantity
        to = OrderStatus.ACCEPTED if done else OrderStatus.IN_PRODUCTION
        details: dict[str, Any] = {"inspection_id": str(inspection_id), "certificate_id": str(certificate_id)}
        if concession:
            self._answer(Action.LOT_ACCEPTED, supplier_id, to=to)
            if self.status != OrderStatus.REWORK or inspection_id != self.last_inspection_id:
                raise EventNotApplicable("a concession is for the order's last rejected lot, while it is in rework")
            reduction = price_reduction_kzt or Decimal(0)
            before = self.contract_price_kzt
            if reduction < 0 or (
                reduction > 0 and (self.contract_price is None or before is None or reduction >= before)
            ):
                raise EventNotApplicable(f"a price reduction of {reduction} KZT cannot apply to the contract price")
            if reduction > 0:
                assert self.contract_price is not None and before is not None
                self.contract_price, self.contract_price_kzt = reduce_price(self.contract_price, before, reduction)
            reason = (
                f"lot of {units} accepted under concession (nonconformance {nonconformance_id}): contract price "
                f"reduced by {reduction} KZT from {before} to {self.contract_price_kzt} KZT"
            )
            details |= {
                "concession": True,
                "nonconformance_id": None if nonconformance_id is None else str(nonconformance_id),
                "price_reduction_kzt": str(reduction),
                "contract_price_kzt_before": None if before is None else str(before),
                "contract_price_kzt": None if self.contract_price_kzt is None else str(self.contract_price_kzt),
            }
        else:
            if self.status == OrderStatus.REWORK:
                raise EventNotApplicable("a lot accepted without concession while the order is in rework is late")
            self._verdict(Action.LOT_ACCEPTED, inspection_id, supplier_id, round, to=to)
            reason = f"certificate {certificate_id}"
        whole_order = done and self.accepted_quantity == 0 and not concession
        self.accepted_quantity += units
        if not whole_order:  # one lot of the whole order keeps the reason it always had
            reason += f"; {units} units accepted, {self.accepted_quantity} of {self.spec.quantity}"
        self._moved(Action.LOT_ACCEPTED, to, at, reason=reason, details=details)

    def lot_rejected(
        self,
        inspection_id: UUID,
        nonconformities: Iterable[tuple[str, bool]],
        *,
        supplier_id: UUID | None,
        round: int | None,
        at: datetime,
    ) -> None:
        """``nonconformities``: (requirement code, critical) of each failed requirement."""
        to = self._verdict(Action.LOT_REJECTED, inspection_id, supplier_id, round)
        failed = ", ".join(f"{code}{' (critical)' if critical else ''}" for code, critical in nonconformities)
        reason = f"nonconformities: {failed}" if failed else "lot rejected"
        self._moved(Action.LOT_REJECTED, to, at, reason=reason, details={"inspection_id": str(inspection_id)})

    def nonconformance_dispositioned(
        self,
        inspection_id: UUID,
        nonconformance_id: UUID,
        disposition: str,
        *,
        supplier_id: UUID | None,
        at: datetime,
    ) -> None:
        """The ministry's decision on a rejected lot: `scrap` and `return` put its units back to production.

        `rework` and `repair` leave the order in `rework` (the supplier resubmits the lot); `use_as_is`
        arrives as a lot accepted under concession, which is where the order acts on it.
        """
        if disposition not in ("scrap", "return"):
            return
        to = self._answer(Action.NONCONFORMANCE_DISPOSITIONED, supplier_id)
        if inspection_id != self.last_inspection_id:
            raise EventNotApplicable("the disposition is not for the order's last rejected lot")
        reason = (
            f"nonconformance {nonconformance_id} dispositioned {disposition}: "
            f"the lot's {self.lot_size} units go back to production"
        )
        details = {"nonconformance_id": str(nonconformance_id), "disposition": disposition}
        self._moved(Action.NONCONFORMANCE_DISPOSITIONED, to, at, reason=reason, details=details)

    def inspection_stopped(self, lots_not_accepted: int, *, supplier_id: UUID | None, at: datetime) -> None:
        """The quality service discontinued inspection: no lot may be submitted until it resumes."""
        self._note_applies(supplier_id, applies=not self.inspection_discontinued)
        self.inspection_discontinued = True
        reason = f"inspection discontinued after {lots_not_accepted} lots not accepted on tightened inspection"
        self._noted(Action.INSPECTION_DISCONTINUED, at, reason)

    def inspection_resumed(self, reason: str, *, supplier_id: UUID | None, at: datetime) -> None:
        self._note_applies(supplier_id, applies=self.inspection_discontinued)
        self.inspection_discontinued = False
        self._noted(Action.INSPECTION_RESUMED, at, f"inspection resumed: {reason}")

    def _note_applies(self, supplier_id: UUID | None, *, applies: bool) -> None:
        if ORDER.is_final(self.status) or not applies:
            state = "discontinued" if self.inspection_discontinued else "not discontinued"
            raise EventNotApplicable(f"nothing to change: the order is {self.status}, inspection {state}")
        if supplier_id is not None and supplier_id != self.supplier_id:
            raise EventNotApplicable("the event names another supplier than the order's")

    def _answer(self, action: Action, supplier_id: UUID | None, *, to: OrderStatus | None = None) -> OrderStatus:
        if to is not None and to not in ORDER.outcomes(self.status, action):
            ORDER.move(self.status, action, EVENTS)  # not drawn from here: the table's refusal
            raise EventNotApplicable(f"{action} cannot lead to {to} from {self.status}")
        to = ORDER.move(self.status, action, EVENTS, to=to)
        if supplier_id is not None and supplier_id != self.supplier_id:
            raise EventNotApplicable("the event names another supplier than the order's")
        return to

    def _verdict(
        self,
        action: Action,
        inspection_id: UUID,
        supplier_id: UUID | None,
        round: int | None,
        *,
        to: OrderStatus | None = None,
    ) -> OrderStatus:
        """A verdict for an earlier round, or for an inspection already decided, is late."""
        to = self._answer(action, supplier_id, to=to)
        if (round is not None and round != self.inspection_rounds) or inspection_id == self.last_inspection_id:
            raise EventNotApplicable(f"late verdict (round {round}, order at round {self.inspection_rounds})")
        self.last_inspection_id = inspection_id
        return to

    def _moved(
        self,
        action: Action,
        to: OrderStatus,
        at: datetime,
        *,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
        concerns: UUID | None = None,
        extra: tuple[tuple[EventType, Mapping[str, Any]], ...] = (),
    ) -> None:
        from_status, self.status = self.status, to
        self.version += 1
        self.updated_at = at
        move = Transition(action, from_status, to, self.version, at, reason, details or {}, concerns, extra=extra)
        self.pending.append(move)

    def _noted(self, action: Action, at: datetime, reason: str, details: Mapping[str, Any] | None = None) -> None:
        """A change that is no move of the lifecycle: a new version and a history row at the same status."""
        self._moved(action, self.status, at, reason=reason, details=details)


# --- what an order announces -------------------------------------------------------------------
# Every status has its `kz.sdo.order.<status>.v1` event; some carry more than the common fields,
# and two moves announce a second event other services act on (contract section 6).

Announcement = tuple[EventType, Payload]

# Every order transition is on the bus (kz.sdo.order.<status>.v1), plus the saga's requests.
PUBLISHES: frozenset[str] = frozenset(t for t in EventType if t.value.startswith("kz.sdo.order."))


def announcements(
    order: Order,
    from_status: str | None,
    reason: str | None = None,
    extra: Iterable[tuple[EventType, Mapping[str, Any]]] = (),
) -> list[Announcement]:
    """What to publish for the order's current status; the first is its `order.<status>` event.

    A move that stays at its status (a partial shipment, a receipt, a note) announces only the plain
    status event and its ``extra`` ones: the requests other services act on go out once, on arrival.
    """
    common: dict[str, Any] = {
        "order_id": order.id,
        "number": order.number,
        "status": order.status,
        "version": order.version,
        "supplier_id": order.supplier_id,
        "from_status": from_status,
        "reason": reason,
    }
    build = None if from_status == order.status else _SPECIAL.get(order.status)
    announced = [(order_status_event(order.status), OrderEvent(**common))] if build is None else build(order, common)
    return announced + [(kind, _EXTRA[kind](**common, **fields)) for kind, fields in extra]


_EXTRA: Mapping[EventType, type[Payload]] = {
    EventType.ORDER_DELIVERY_SHORT: OrderDeliveryShort,
    EventType.ORDER_AMENDED: OrderAmended,
}


def _published(order: Order, common: dict[str, Any]) -> list[Announcement]:
    return [(EventType.ORDER_PUBLISHED, OrderPublished(**common, category=order.spec.category))]


def _award_pending(order: Order, common: dict[str, Any]) -> list[Announcement]:
    # The plain status event keeps every move visible; award_requested is what the suppliers service acts on.
    spec = order.spec
    requested = OrderAwardRequested(
        **common,
        category=spec.category,
        required_certifications=list(spec.required_certifications),
        min_local_content=spec.min_local_content,
        requires_security_clearance=spec.requires_security_clearance,
        delivery_deadline=spec.delivery_deadline,
        contract_price_kzt=order.contract_price_kzt,
        contract_price=None if order.contract_price is None else order.contract_price.to_dict(),
    )
    return [(EventType.ORDER_AWARD_PENDING, OrderEvent(**common)), (EventType.ORDER_AWARD_REQUESTED, requested)]


def _contracted(order: Order, common: dict[str, Any]) -> list[Announcement]:
    spec = order.spec
    contracted = OrderContracted(
        **common,
        category=spec.category,
        quantity=spec.quantity,
        aql=spec.aql,
        technical_requirements=[RequirementPayload(**dataclasses.asdict(r)) for r in spec.technical_requirements],
        contract_price_kzt=order.contract_price_kzt,
        delivery_deadline=spec.delivery_deadline,
    )
    return [(EventType.ORDER_CONTRACTED, contracted)]


def _inspection(order: Order, common: dict[str, Any]) -> list[Announcement]:
    submitted = OrderSubmittedForInspection(**common, round=order.inspection_rounds, lot_size=order.lot_size)
    return [(EventType.ORDER_INSPECTION, OrderEvent(**common)), (EventType.ORDER_SUBMITTED_FOR_INSPECTION, submitted)]


def _delivered(order: Order, common: dict[str, Any]) -> list[Announcement]:
    lots = order.lots
    delivered = OrderDelivered(
        **common,
        on_time=order.on_time,
        received_quantity=order.received_quantity,
        lots=len(lots),
        lots_on_time=sum(1 for lot in lots if lot.on_time),
    )
    return [(EventType.ORDER_DELIVERED, delivered)]


def _cancelled(order: Order, common: dict[str, Any]) -> list[Announcement]:
    return [(EventType.ORDER_CANCELLED, OrderCancelled(**{**common, "reason": order.cancel_reason}))]


_SPECIAL: Mapping[str, Callable[[Order, dict[str, Any]], list[Announcement]]] = {
    OrderStatus.PUBLISHED: _published,
    OrderStatus.AWARD_PENDING: _award_pending,
    OrderStatus.CONTRACTED: _contracted,
    OrderStatus.INSPECTION: _inspection,
    OrderStatus.DELIVERED: _delivered,
    OrderStatus.CANCELLED: _cancelled,
}
