"""The order lifecycle: statuses, business verbs, one transition table and who may act.

Contract section 3 draws the diagram; this module is the only place it is written down.
Handlers and event consumers ask it; nothing else decides whether an order may move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from services.orders.domain.errors import ActionNotPermitted, IllegalTransition


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


class Role(StrEnum):
    MOD_OFFICER = "mod_officer"
    MIC_OFFICER = "mic_officer"
    QUALITY_INSPECTOR = "quality_inspector"
    SUPPLIER = "supplier"
    AUDITOR = "auditor"
    INTEGRATION = "integration"
    # Internal actor of the event consumers. Never grant it from a token.
    SYSTEM = "system"


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

# The one transition table. `update` (PATCH) keeps the order in draft: listing it here makes
# "draft only" a rule of the table and gives a PATCH on a published order the same 409.
TRANSITIONS: Mapping[tuple[OrderStatus, Action], OrderStatus] = MappingProxyType(
    {
        (_S.DRAFT, _A.UPDATE): _S.DRAFT,
        (_S.DRAFT, _A.PUBLISH): _S.PUBLISHED,
        (_S.PUBLISHED, _A.AWARD): _S.AWARD_PENDING,
        (_S.AWARD_PENDING, _A.AWARD_CONFIRMED): _S.CONTRACTED,
        (_S.AWARD_PENDING, _A.AWARD_DECLINED): _S.PUBLISHED,
        (_S.CONTRACTED, _A.START_PRODUCTION): _S.IN_PRODUCTION,
        (_S.IN_PRODUCTION, _A.SUBMIT_FOR_INSPECTION): _S.INSPECTION,
        (_S.REWORK, _A.SUBMIT_FOR_INSPECTION): _S.INSPECTION,
        (_S.INSPECTION, _A.LOT_ACCEPTED): _S.ACCEPTED,
        (_S.INSPECTION, _A.LOT_REJECTED): _S.REWORK,
        (_S.ACCEPTED, _A.SHIP): _S.SHIPPED,
        (_S.SHIPPED, _A.CONFIRM_DELIVERY): _S.DELIVERED,
        (_S.DELIVERED, _A.CLOSE): _S.CLOSED,
        **{(status, _A.CANCEL): _S.CANCELLED for status in CANCELLABLE},
    }
)

_MINISTRY = frozenset({Role.MOD_OFFICER, Role.INTEGRATION})
_SUPPLIER = frozenset({Role.SUPPLIER})
_SYSTEM = frozenset({Role.SYSTEM})

# Who may perform each action. A supplier acts on its own orders only: that scoping is the
# handler's job (another supplier's order is "not found"), not this table's.
ACTION_ROLES: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        _A.CREATE: _MINISTRY,
        _A.UPDATE: _MINISTRY,
        _A.PUBLISH: _MINISTRY,
        _A.AWARD: _MINISTRY,
        _A.START_PRODUCTION: _SUPPLIER,
        _A.SUBMIT_FOR_INSPECTION: _SUPPLIER,
        _A.SHIP: _SUPPLIER,
        _A.CONFIRM_DELIVERY: _MINISTRY,
        _A.CLOSE: _MINISTRY,
        _A.CANCEL: _MINISTRY,
        _A.AWARD_CONFIRMED: _SYSTEM,
        _A.AWARD_DECLINED: _SYSTEM,
        _A.LOT_ACCEPTED: _SYSTEM,
        _A.LOT_REJECTED: _SYSTEM,
    }
)

# Consumed event types and the action each one performs (contract section 6).
EVENT_ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        "kz.sdo.supplier.award_confirmed.v1": _A.AWARD_CONFIRMED,
        "kz.sdo.supplier.award_declined.v1": _A.AWARD_DECLINED,
        "kz.sdo.quality.lot_accepted.v1": _A.LOT_ACCEPTED,
        "kz.sdo.quality.lot_rejected.v1": _A.LOT_REJECTED,
    }
)


def may(roles: Iterable[str], action: Action | str) -> bool:
    """True when any of ``roles`` may perform ``action`` (in some status)."""
    permitted = ACTION_ROLES[Action(action)]
    return any(role in permitted for role in roles)


def can_transition(status: OrderStatus | str, action: Action | str) -> bool:
    """True when the table draws ``action`` from ``status``."""
    return (OrderStatus(status), Action(action)) in TRANSITIONS


def allowed_actions(status: OrderStatus | str, roles: Iterable[str] | None = None) -> list[str]:
    """Action names drawn from ``status``, in declaration order.

    With ``roles``: only those this caller may perform (what the 409 body lists). Without:
    every action drawn from the status, whoever performs it.
    """
    current = OrderStatus(status)
    role_set = None if roles is None else frozenset(roles)
    return [
        action.value
        for action in Action
        if (current, action) in TRANSITIONS and (role_set is None or may(role_set, action))
    ]


def transition(status: OrderStatus | str, action: Action | str, roles: Iterable[str] | None = None) -> OrderStatus:
    """The status after ``action``; raises ``IllegalTransition`` when the table does not draw it.

    ``roles`` only shapes the error's ``allowed_actions`` (pass the caller's roles so the 409
    lists what this caller could do); permission is checked by ``may`` / ``apply_action``.
    """
    current, verb = OrderStatus(status), Action(action)
    try:
        return TRANSITIONS[(current, verb)]
    except KeyError:
        raise IllegalTransition(current, verb, allowed_actions(current, roles)) from None


def apply_action(status: OrderStatus | str, action: Action | str, roles: Iterable[str]) -> OrderStatus:
    """Check the caller may act (403 before 409), then move through the table."""
    role_set = frozenset(roles)
    if not may(role_set, action):
        raise ActionNotPermitted(Action(action), role_set)
    return transition(status, action, role_set)
