"""The outbox relay: publishes committed events in order and marks them sent after the broker's ack."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.db import Database
from shared.events.envelope import CONTENT_TYPE
from shared.messaging import outbox
from shared.messaging.transport import Outgoing, Transport
from shared.observability import ServiceMetrics
from shared.telemetry import tracing

log = structlog.get_logger("sdo.relay")

MIN_BACKOFF = 0.5
MAX_BACKOFF = 10.0
GAUGE_SECONDS = 1.0


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Wait for ``event`` at most ``seconds``.

    ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11 ``wait_for`` swallows a cancellation
    that arrives just as the event is set, so ``stop()`` would wait for the loop forever.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        metrics: ServiceMetrics,
        *,
        batch_size: int = 100,
        poll_seconds: float = 0.5,
    ) -> None:
        self.db = db
        self.transport = transport
        self.metrics = metrics
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._resume = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._gauged_at = 0.0
        self._backlog_seen = 0

    def wake(self) -> None:
        """Called after a commit that wrote events, so they go out without waiting for the poll."""
        self._wake.set()

    def resume(self) -> None:
        """Called when the broker is back: cut a backoff short instead of waiting it out."""
        self._resume.set()
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        backoff = MIN_BACKOFF
        while True:
            # Cleared before draining: a commit made while this batch is out triggers the next one.
            self._wake.clear()
            self._resume.clear()
            try:
                sent = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.metrics.publish_failures.inc()
                log.warning("relay_batch_failed", error=str(exc)[:500], retry_in=backoff)
                # Gauges are updated during an outage too: that is when the backlog grows.
                await self._update_gauges()
                await _wait(self._resume, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = MIN_BACKOFF
            caught_up = sent < self.batch_size
            # Counting the backlog costs a query: at most once a second, unless it has just drained
            # (a backlog last seen above 0 is counted again at once when the relay catches up).
            if (caught_up and self._backlog_seen) or time.monotonic() - self._gauged_at >= GAUGE_SECONDS:
                await self._update_gauges()
            if caught_up:
                await _wait(self._wake, self.poll_seconds)

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows were confirmed. Raises after marking what went out."""
        if self.db.is_postgres:
            # Rows stay locked (SKIP LOCKED for other replicas) until they are marked in this transaction;
            # if the process dies before that, the transaction rolls back and they are published again.
            async with self.db.engine.begin() as conn:
                rows = (await conn.execute(outbox.unsent_query(self.batch_size, lock=True))).all()
                sent, failure = await self._publish(rows)
                await self._mark(conn, sent, failure)
        else:
            # SQLite: one process owns the file; read without holding the write lock while publishing.
            async with self.db.engine.connect() as conn:
                rows = (await conn.execute(outbox.unsent_query(self.batch_size, lock=False))).all()
            if not rows:
                return 0
            sent, failure = await self._publish(rows)
            async with self.db.write_session() as session, session.begin():
                await self._mark(session, sent, failure)
        if failure is not None:
            raise failure[1]
        return len(sent)

    async def _publish(self, rows: Sequence[Row[Any]]) -> tuple[list[int], tuple[int, Exception] | None]:
        """Publish the batch in outbox order (pipelined where the transport can: sent at once, the
        confirms awaited together). Only the rows up to the first failure count as sent: that row and
        every one after it go out again in the next batch, so none is marked before an earlier one."""
        service = self.metrics.service
        outgoing = [Outgoing(row.routing_key, row.body, row.event_id, CONTENT_TYPE) for row in rows]
        confirmed, error = await self.transport.publish_batch(
            outgoing, around=lambda m: tracing.publishing(service, m.body, m.routing_key)
        )
        sent = [row.id for row in rows[:confirmed]]
        for row in rows[:confirmed]:
            self.metrics.events_published.labels(row.routing_key).inc()
        if error is not None:
            return sent, (rows[confirmed].id, error)
        return sent, None

    @staticmethod
    async def _mark(
        conn: AsyncConnection | AsyncSession, sent: list[int], failure: tuple[int, Exception] | None
    ) -> None:
        await outbox.mark_sent(conn, sent)
        if failure is not None:
            await outbox.mark_failed(conn, failure[0], repr(failure[1]))

    async def _update_gauges(self) -> None:
        self._gauged_at = time.monotonic()
        try:
            async with self.db.engine.connect() as conn:
                count, age = await outbox.backlog(conn)
        except Exception as exc:  # the database may be the thing that is down
            log.warning("relay_gauges_failed", error=repr(exc)[:300])
            return
        self._backlog_seen = count
        self.metrics.outbox_backlog.set(count)
        self.metrics.outbox_oldest_age.set(age)
