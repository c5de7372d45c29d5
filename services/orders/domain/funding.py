"""The Fund's projects as the orders service knows them (contract section 9).

An order funded by the Defense Industry Development Fund names its project, and is published only
while that project is approved. The orders service never asks the fund: it keeps what the fund's
events told it (``kz.sdo.fund.project_approved.v1`` / ``project_closed.v1``). Closed is final: a
late or replayed approval never reopens a closed project, whatever order the events arrive in.

Pure: the moment is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID


class FundProjectStatus(StrEnum):
    APPROVED = "approved"
    CLOSED = "closed"


# A later event may only move a project up this ranking: approved, then closed (final).
_RANK = {FundProjectStatus.APPROVED: 1, FundProjectStatus.CLOSED: 2}


@dataclass(slots=True)
class FundProject:
    id: UUID
    status: FundProjectStatus
    enterprise_id: UUID
    category: str
    budget_kzt: Decimal
    noted_at: datetime

    @property
    def approved(self) -> bool:
        return self.status == FundProjectStatus.APPROVED

    def learned(
        self, status: FundProjectStatus, *, enterprise_id: UUID, category: str, budget_kzt: Decimal, at: datetime
    ) -> bool:
        """Take what a later event says; False (nothing changes) when it would not move the project on."""
        if _RANK[status] <= _RANK[self.status]:
            return False
        self.status, self.enterprise_id, self.category, self.budget_kzt = status, enterprise_id, category, budget_kzt
        self.noted_at = at
        return True
