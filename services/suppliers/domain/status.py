"""The supplier's lifecycle: one transition table, and who keeps the register."""

from __future__ import annotations

from enum import StrEnum

from shared.lifecycle import Lifecycle
from shared.principal import Role


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


# The registry officers (contract section 4): they register suppliers, add licenses and
# certifications, and take every status action.
REGISTRARS: frozenset[str] = frozenset({Role.MIC_OFFICER, Role.INTEGRATION})

S, A = SupplierStatus, SupplierAction

# The only place the lifecycle is defined; `excluded` draws nothing, so it is final.
SUPPLIER: Lifecycle[SupplierStatus, SupplierAction] = Lifecycle(
    "supplier",
    {
        (S.PENDING, A.VERIFY): S.ACTIVE,
        (S.PENDING, A.EXCLUDE): S.EXCLUDED,
        (S.ACTIVE, A.SUSPEND): S.SUSPENDED,
        (S.ACTIVE, A.EXCLUDE): S.EXCLUDED,
        (S.SUSPENDED, A.REINSTATE): S.ACTIVE,
        (S.SUSPENDED, A.EXCLUDE): S.EXCLUDED,
    },
    roles={action: REGISTRARS for action in SupplierAction},
)

# Actions whose request must carry a reason (contract section 4).
ACTIONS_NEEDING_REASON: frozenset[SupplierAction] = frozenset({A.SUSPEND, A.EXCLUDE})
