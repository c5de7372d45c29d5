"""What the fund knows of an enterprise: its registry status, as the registry's events told it.

The fund never reads the registry's tables (contract section 1); it keeps the status each
``kz.sdo.supplier.status_changed.v1`` announces (registration announces ``null -> pending``).

Events may arrive late or out of order (redelivery, several consumers), so each status is kept
with the moment the registry announced it (the event's ``time``): an announcement older than the
one already kept changes nothing. Equal moments take the later arrival.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.fund.domain.errors import EnterpriseExcluded, EnterpriseUnknown

# The registry's statuses (contract section 4).
ACTIVE = "active"
EXCLUDED = "excluded"
REGISTRY_STATUSES = frozenset({"pending", ACTIVE, "suspended", EXCLUDED})


@dataclass(slots=True)
class Enterprise:
    id: UUID
    status: str
    as_of: datetime
    event_id: UUID | None = None
    reason: str | None = None
    version: int = 1

    @classmethod
    def first_heard(
        cls, enterprise_id: UUID, status: str, as_of: datetime, event_id: UUID | None, reason: str | None = None
    ) -> Enterprise:
        return cls(enterprise_id, status, as_of, event_id, reason)

    def learn(self, status: str, as_of: datetime, event_id: UUID | None, reason: str | None = None) -> bool:
        """Keep ``status`` unless what is kept was announced later; True when it was kept."""
        if as_of < self.as_of:
            return False
        self.status, self.as_of, self.event_id, self.reason = status, as_of, event_id, reason
        self.version += 1
        return True


def check_may_apply(enterprise_id: UUID, enterprise: Enterprise | None) -> None:
    """A project may be submitted for an enterprise the fund knows and the registry has not excluded.

    Approval asks more (``active``, ``Project.approve``); a pending or suspended enterprise may
    still be verified or reinstated before then.
    """
    if enterprise is None:
        raise EnterpriseUnknown(enterprise_id)
    if enterprise.status == EXCLUDED:
        raise EnterpriseExcluded(enterprise_id)
