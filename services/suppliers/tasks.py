"""The suppliers service's own background task: suspensions that lapse on their own.

Started and stopped by the app's lifespan (``app.py``). Every ``SDO_SUSPENSION_SWEEP_SECONDS`` (and
once at start-up) it reinstates, in one unit of work per batch, the suppliers whose suspension ends
today or earlier on the ministry's calendar; each is announced (``supplier.status_changed``, reason
``suspension_expired``), kept in its history and audited under the actor ``system``. Replicas may run
it side by side: on PostgreSQL each skips the suppliers another is reinstating.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog

from services.suppliers import handlers
from services.suppliers.domain.commands import LapseSuspensions
from shared.lifecycle import SYSTEM
from shared.runtime import Runtime

log = structlog.get_logger("sdo.suppliers.tasks")

BATCH = 100


async def lapse_suspensions(runtime: Runtime, timezone: str | None) -> int:
    """One sweep; how many suppliers it reinstated."""
    total = 0
    while True:
        async with runtime.uow(actor=SYSTEM) as uow:
            reinstated = await handlers.lapse_suspensions(
                runtime.service_uow(uow), LapseSuspensions(timezone=timezone, limit=BATCH)
            )
            await uow.commit()
        total += len(reinstated)
        if len(reinstated) < BATCH:
            return total


class SuspensionSweeper:
    def __init__(self, runtime: Runtime, *, every: float, timezone: Callable[[], str | None]) -> None:
        self.runtime = runtime
        self.every = every
        self.timezone = timezone
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="suppliers-suspension-sweeper")

    def wake(self) -> None:
        """Sweep now (tests, and an operator who moved the clock)."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                reinstated = await lapse_suspensions(self.runtime, self.timezone())
                if reinstated:
                    log.info("suspensions_lapsed", reinstated=reinstated)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be away for a while; the next sweep tries again.
                log.exception("suspension_sweep_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.every)
