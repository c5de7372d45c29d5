"""Supplier status machine, kept as one transition table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from services.suppliers.domain.errors import NoValidLicenseError, TransitionNotAllowedError

if TYPE_CHECKING:
    from services.suppliers.domain.facts import LicenseFacts


class SupplierStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXCLUDED = "excluded"


class SupplierAction(StrEnum):
    VERIFY = "verify"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    EXCLUDE = "exclude"


# The only place the lifecycle is defined; everything else reads it.
TRANSITIONS: Mapping[SupplierStatus, Mapping[SupplierAction, SupplierStatus]] = MappingProxyType(
    {
        SupplierStatus.PENDING: MappingProxyType(
            {SupplierAction.VERIFY: SupplierStatus.ACTIVE, SupplierAction.EXCLUDE: SupplierStatus.EXCLUDED}
        ),
        SupplierStatus.ACTIVE: MappingProxyType(
            {SupplierAction.SUSPEND: SupplierStatus.SUSPENDED, SupplierAction.EXCLUDE: SupplierStatus.EXCLUDED}
        ),
        SupplierStatus.SUSPENDED: MappingProxyType(
            {SupplierAction.REINSTATE: SupplierStatus.ACTIVE, SupplierAction.EXCLUDE: SupplierStatus.EXCLUDED}
        ),
        SupplierStatus.EXCLUDED: MappingProxyType({}),
    }
)

# Actions whose request body must carry a reason (contract section 4).
ACTIONS_NEEDING_REASON: frozenset[SupplierAction] = frozenset({SupplierAction.SUSPEND, SupplierAction.EXCLUDE})


def allowed_actions(status: SupplierStatus | str) -> list[SupplierAction]:
    """Actions drawn from ``status``, in table order; empty for the final status."""
    return list(TRANSITIONS[SupplierStatus(status)])


def is_final(status: SupplierStatus | str) -> bool:
    return not TRANSITIONS[SupplierStatus(status)]


def next_status(current: SupplierStatus | str, action: SupplierAction | str) -> SupplierStatus:
    """Target status of ``action`` from ``current`` by the table alone (no business rules).

    Raises TransitionNotAllowedError carrying ``current_status`` and ``allowed_actions``.
    """
    status = SupplierStatus(current)
    act = SupplierAction(action)
    target = TRANSITIONS[status].get(act)
    if target is None:
        raise TransitionNotAllowedError(
            f"cannot {act.value} a supplier that is {status.value}",
            current_status=status,
            action=act,
            allowed_actions=allowed_actions(status),
        )
    return target


def apply_action(
    current: SupplierStatus | str,
    action: SupplierAction | str,
    *,
    licenses: Iterable[LicenseFacts] = (),
    on: date | None = None,
) -> SupplierStatus:
    """Apply ``action`` to a supplier in ``current`` status and return the new status.

    ``verify`` additionally needs a license valid on ``on`` (the caller passes today's date;
    the domain reads no clock). The table is checked first, so verifying an active supplier is
    a transition error, not a license error.
    """
    target = next_status(current, action)
    act = SupplierAction(action)
    if act is SupplierAction.VERIFY:
        if on is None:
            raise ValueError("verify needs the date on which licenses must be valid")
        if not any(lic.is_valid_on(on) for lic in licenses):
            status = SupplierStatus(current)
            raise NoValidLicenseError(
                f"cannot verify: the supplier has no valid license on {on.isoformat()}",
                current_status=status,
                action=act,
                allowed_actions=allowed_actions(status),
            )
    return target
