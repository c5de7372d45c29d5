"""The order lifecycle: statuses, business verbs, the one transition table and who may act.

Contract section 3 draws the diagram; ``ORDER`` is the only place it is written down. Routes take
their role rule from it (``ORDER.roles_for``), the ``Order`` aggregate moves through it
(``ORDER.move``); nothing else decides whether an order may move.
"""

from __future__ import annotations

from enum import StrEnum

from shared.lifecycle import SYSTEM, Lifecycle
from shared.principal import Role


class OrderStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    AWARD_PENDING = "award_pending"
    CONTRACTED = "contracted"
    IN_PRODUCTION = "in_production"
    INSPECTION = "inspection"
    ACCEPTED = "accepted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    REWORK = "rework"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """Business verbs. HTTP-facing ones are spelled as their URL segment."""

    CREATE = "create"
    UPDATE = "update"
    PUBLISH = "publish"
    AWARD = "award"
    START_PRODUCTION = "start-production"
    SUBMIT_FOR_INSPECTION = "submit-for-inspection"
    SHIP = "ship"
    CONFIRM_DELIVERY = "confirm-delivery"
    CLOSE = "close"
    CANCEL = "cancel"
    # Moves caused by other services' events; only the internal system actor performs them.
    AWARD_CONFIRMED = "award_confirmed"
    AWARD_DECLINED = "award_declined"
    LOT_ACCEPTED = "lot_accepted"
    LOT_REJECTED = "lot_rejected"
    NONCONFORMANCE_DISPOSITIONED = "nonconformance_dispositioned"
    # Not moves: the quality service stops and resumes inspections of the order (a version and a history row).
    INSPECTION_DISCONTINUED = "inspection_discontinued"
    INSPECTION_RESUMED = "inspection_resumed"
    # Contract amendments (section 8): who proposes and decides is the amendment's table
    # (``domain/amendment.py``); the order follows. ``amend`` applies an accepted amendment (a move
    # whose outcome the new quantity picks); the others are notes (a version and a history row).
    AMEND = "amend"
    AMENDMENT_PROPOSED = "amendment_proposed"
    AMENDMENT_REJECTED = "amendment_rejected"
    AMENDMENT_WITHDRAWN = "amendment_withdrawn"


INITIAL_STATUS = OrderStatus.DRAFT

# Statuses from which an order may still be cancelled (contract: before goods are accepted).
CANCELLABLE: frozenset[OrderStatus] = frozenset(
    {
        OrderStatus.DRAFT,
        OrderStatus.PUBLISHED,
        OrderStatus.AWARD_PENDING,
        OrderStatus.CONTRACTED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.INSPECTION,
        OrderStatus.REWORK,
    }
)

_S = OrderStatus
_A = Action

MINISTRY = frozenset({Role.MOD_OFFICER, Role.INTEGRATION})
SUPPLIER = frozenset({Role.SUPPLIER})
# The consumers' actor: the saga moves are the other services' answers, never a token's.
EVENTS = frozenset({SYSTEM})
# The order's own amendments: an accepted one moves the order, never a token (no token has this role).
AMENDMENTS = frozenset({"amendment"})

# Deliveries in lots (contract section 7): units are accepted one inspection at a time, shipped and
# received in parts. Where an action has several outcomes the order's counts pick one:
# - a lot accepted -> `accepted` once every unit is, else back to `in_production`; from `rework` the
#   lot is accepted under concession (a `use_as_is` disposition, the price reduced);
# - `ship` from `in_production` or `accepted` -> `shipped` once every unit is shipped;
# - `confirm-delivery` -> `delivered` once every unit is received; a short receipt returns the missing
#   units to production (`accepted`/`shipped` -> `in_production`);
# - a `scrap` or `return` disposition puts the rejected lot's units back to production;
# - goods of a shipment in transit may arrive while another lot is inspected or reworked:
#   `confirm-delivery` then keeps the status, a short receipt's units going back to production;
# - an accepted amendment (`amend`) keeps the status, except that a new quantity may complete the
#   order's units (`in_production` -> `accepted`, `shipped` or `delivered` when every unit is already
#   accepted, shipped or received) or leave some to produce (`accepted`/`shipped` -> `in_production`).
# `update` (PATCH) keeps the order in draft: listing it here makes "draft only" a rule of the
# table and gives a PATCH on a published order the same 409. `create` moves nothing but has its
# roles here too, so every order route reads its guard from one place. A supplier acts on its own
# orders only: that scoping is the repository's (another supplier's order is "not found").
ORDER: Lifecycle[OrderStatus, Action] = Lifecycle(
    "order",
    {
        (_S.DRAFT, _A.UPDATE): _S.DRAFT,
        (_S.DRAFT, _A.PUBLISH): _S.PUBLISHED,
        (_S.PUBLISHED, _A.AWARD): _S.AWARD_PENDING,
        (_S.AWARD_PENDING, _A.AWARD_CONFIRMED): _S.CONTRACTED,
        (_S.AWARD_PENDING, _A.AWARD_DECLINED): _S.PUBLISHED,
        (_S.CONTRACTED, _A.START_PRODUCTION): _S.IN_PRODUCTION,
        (_S.IN_PRODUCTION, _A.SUBMIT_FOR_INSPECTION): _S.INSPECTION,
        (_S.REWORK, _A.SUBMIT_FOR_INSPECTION): _S.INSPECTION,
        (_S.INSPECTION, _A.LOT_ACCEPTED): frozenset({_S.ACCEPTED, _S.IN_PRODUCTION}),
        (_S.INSPECTION, _A.LOT_REJECTED): _S.REWORK,
        (_S.REWORK, _A.LOT_ACCEPTED): frozenset({_S.ACCEPTED, _S.IN_PRODUCTION}),
        (_S.REWORK, _A.NONCONFORMANCE_DISPOSITIONED): _S.IN_PRODUCTION,
        (_S.IN_PRODUCTION, _A.SHIP): _S.IN_PRODUCTION,
        (_S.ACCEPTED, _A.SHIP): frozenset({_S.ACCEPTED, _S.SHIPPED}),
        (_S.IN_PRODUCTION, _A.CONFIRM_DELIVERY): _S.IN_PRODUCTION,
        (_S.ACCEPTED, _A.CONFIRM_DELIVERY): frozenset({_S.ACCEPTED, _S.IN_PRODUCTION}),
        (_S.SHIPPED, _A.CONFIRM_DELIVERY): frozenset({_S.SHIPPED, _S.DELIVERED, _S.IN_PRODUCTION}),
        (_S.INSPECTION, _A.CONFIRM_DELIVERY): _S.INSPECTION,
        (_S.REWORK, _A.CONFIRM_DELIVERY): _S.REWORK,
        (_S.DELIVERED, _A.CLOSE): _S.CLOSED,
        (_S.CONTRACTED, _A.AMEND): _S.CONTRACTED,
        (_S.IN_PRODUCTION, _A.AMEND): frozenset({_S.IN_PRODUCTION, _S.ACCEPTED, _S.SHIPPED, _S.DELIVERED}),
        (_S.INSPECTION, _A.AMEND): _S.INSPECTION,
        (_S.REWORK, _A.AMEND): _S.REWORK,
        (_S.ACCEPTED, _A.AMEND): frozenset({_S.ACCEPTED, _S.IN_PRODUCTION}),
        (_S.SHIPPED, _A.AMEND): frozenset({_S.SHIPPED, _S.IN_PRODUCTION}),
        **{(status, _A.CANCEL): _S.CANCELLED for status in CANCELLABLE},
    },
    roles={
        _A.CREATE: MINISTRY,
        _A.UPDATE: MINISTRY,
        _A.PUBLISH: MINISTRY,
        _A.AWARD: MINISTRY,
        _A.START_PRODUCTION: SUPPLIER,
        _A.SUBMIT_FOR_INSPECTION: SUPPLIER,
        _A.SHIP: SUPPLIER,
        _A.CONFIRM_DELIVERY: MINISTRY,
        _A.CLOSE: MINISTRY,
        _A.CANCEL: MINISTRY,
        _A.AWARD_CONFIRMED: EVENTS,
        _A.AWARD_DECLINED: EVENTS,
        _A.LOT_ACCEPTED: EVENTS,
        _A.LOT_REJECTED: EVENTS,
        _A.NONCONFORMANCE_DISPOSITIONED: EVENTS,
        _A.INSPECTION_DISCONTINUED: EVENTS,
        _A.INSPECTION_RESUMED: EVENTS,
        _A.AMEND: AMENDMENTS,
        _A.AMENDMENT_PROPOSED: AMENDMENTS,
        _A.AMENDMENT_REJECTED: AMENDMENTS,
        _A.AMENDMENT_WITHDRAWN: AMENDMENTS,
    },
)
