"""Audit anchoring on the bus: each service publishes its chain head, the others keep it.

The publisher is a background task of every service (started with the bus): at every interval it
claims the head under the writer lock and, when it moved since the last checkpoint, writes a
``kz.sdo.audit.checkpoint.v1`` event to the outbox in the same transaction, so a checkpoint is
never lost and replicas never publish one head twice. The keeper is a subscription the bus adds
for every service: it stores the checkpoints of the others' chains, never its own (a service's
own word is no proof of its own chain).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.events.envelope import CloudEvent
from shared.events.payloads import AuditCheckpoint
from shared.messaging import ownership
from shared.uow import UnitOfWork

log = structlog.get_logger("sdo.checkpoints")

UowFactory = Callable[..., UnitOfWork]


async def keep(event: CloudEvent, payload: AuditCheckpoint, uow: UnitOfWork) -> None:
    """Keep another service's checkpoint (the consumer checked that its source is that service)."""
    if payload.service == ownership.service_of(uow.source):
        return  # our own head, echoed by the broker: worthless as proof of our own chain
    checkpoint = audit.Checkpoint(payload.service, payload.entries, payload.head_hash)
    await audit.keep_checkpoint(uow.session, checkpoint, event_id=str(event.id), published_at=event.time)


KERNEL_SUBSCRIPTIONS = {ownership.CHECKPOINT: keep}


class CheckpointPublisher:
    def __init__(self, service: str, uow_factory: UowFactory, *, interval: float) -> None:
        self.service = service
        self.uow_factory = uow_factory
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"audit-checkpoints-{self.service}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.publish_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database may be away: the next interval tries again
                log.warning("audit_checkpoint_failed", service=self.service, error=repr(exc)[:300])

    async def publish_once(self) -> tuple[int, str] | None:
        """Write a checkpoint of the current head to the outbox, unless that head was published already."""
        claimed: list[tuple[int, str]] = []
        async with self.uow_factory(actor="kernel:audit-checkpoint") as uow:

            async def claim(session: AsyncSession) -> None:
                head = await audit.claim_checkpoint(session)
                if head is not None:
                    claimed.append(head)
                    # Emitted under the writer lock, before the unit of work writes its events.
                    payload = AuditCheckpoint(service=self.service, entries=head[0], head_hash=head[1])
                    uow.emit(ownership.CHECKPOINT, self.service, payload)

            uow.when_locked(claim)
            await uow.commit()
        if claimed:
            log.info("audit_checkpoint_published", service=self.service, entries=claimed[0][0])
        return claimed[0] if claimed else None
