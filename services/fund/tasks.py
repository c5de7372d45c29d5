"""The overdue check: a background task of the service, started and stopped with its lifespan.

Every ``SDO_FUND_OVERDUE_CHECK_SECONDS`` (and once at start-up) each loan not yet repaid takes the
status its ledger gives today on the ministry's calendar (``SDO_TIMEZONE``): an installment due
before today and still unpaid makes it ``overdue``. Loans are taken a batch at a time, one
transaction per batch, locked with ``SKIP LOCKED`` on PostgreSQL so replicas checking side by side
never wait on each other (a loan being repaid sets its status itself). A failed run is logged and
the next one tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import structlog

from services.fund import handlers
from services.fund.domain.commands import CheckLoans
from services.fund.ports import Policy
from shared.lifecycle import SYSTEM
from shared.runtime import Runtime

log = structlog.get_logger("sdo.fund.overdue")

BATCH = 100


class OverdueCheck:
    def __init__(
        self, runtime: Runtime, policy: Policy, wrap: Callable[[Any], Any], *, interval: float, batch: int = BATCH
    ) -> None:
        self.runtime = runtime
        self.policy = policy
        self.wrap = wrap
        self.interval = interval
        self.batch = batch
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Check every open loan once; the number whose status changed."""
        today = self.policy.today()
        after = None
        changed = 0
        while True:
            async with self.runtime.uow(actor=SYSTEM) as uow:
                checked = await handlers.check_loans(self.wrap(uow), CheckLoans(today, after, self.batch))
                await uow.commit()
            changed += len(checked.changed)
            if checked.looked_at < self.batch:
                break
            after = checked.last_id
        self.runs += 1
        if changed:
            log.info("loan_statuses_checked", on=today.isoformat(), changed=changed)
        return changed

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="sdo.fund.overdue-check")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # the next run tries again; the service keeps answering
                log.warning("overdue_check_failed", error=repr(exc)[:500])
            await asyncio.sleep(self.interval)
