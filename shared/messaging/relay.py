"""The outbox relay: publishes committed events in order and marks them sent after the broker's ack."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import NamedTuple

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, PlainConnections
from shared.events.envelope import CONTENT_TYPE
from shared.messaging import outbox
from shared.messaging.transport import Around, Outgoing, Transport, untraced
from shared.observability import ServiceMetrics
from shared.telemetry import tracing

log = structlog.get_logger("sdo.relay")

MIN_BACKOFF = 0.5
MAX_BACKOFF = 10.0
GAUGE_SECONDS = 1.0


class Pending(NamedTuple):
    """An outbox row to publish."""

    id: int
    event_id: str
    routing_key: str
    body: bytes

    @property
    def outgoing(self) -> Outgoing:
        return Outgoing(self.routing_key, self.body, self.event_id, CONTENT_TYPE)


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
        """Publish what is waiting; returns how many rows were confirmed. Raises after marking what went out."""
        if self.db.relay_connections is not None:
            return await self._drain_postgres(self.db.relay_connections)
        # SQLite: one process owns the file; read without holding the write lock while publishing.
        async with self.db.engine.connect() as conn:
            rows = [
                Pending(row.id, row.event_id, row.routing_key, row.body)
                for row in await conn.execute(outbox.unsent_query(self.batch_size))
            ]
        if not rows:
            return 0
        sent, failure = await self._publish(rows)
        async with self.db.write_session() as session, session.begin():
            await self._mark(session, sent, failure)
        if failure is not None:
            raise failure[1]
        return len(sent)

    async def _drain_postgres(self, connections: PlainConnections) -> int:
        """Batches pipelined, for at most GAUGE_SECONDS: while one batch's confirms are awaited, the one
        before it is marked and committed and the next is read (each in a transaction of its own, its
        rows locked SKIP LOCKED until marked, so a process that dies publishes them again). One batch is
        out at a time, the next only once it is wholly confirmed: nothing goes out after a row that failed."""
        started, total = time.monotonic(), 0
        batch = await _Batch.read(connections, self.batch_size)
        ahead: asyncio.Task[_Batch] | None = None
        behind: asyncio.Task[None] | None = None
        try:
            while batch.rows:
                more = len(batch.rows) == self.batch_size and time.monotonic() - started < GAUGE_SECONDS
                ahead = asyncio.create_task(_Batch.read(connections, self.batch_size)) if more else None
                sent, failure = await self._publish(batch.rows)
                if behind is not None:
                    await behind  # the batch before is marked before this one
                done, batch = batch, _Batch.EMPTY
                behind = asyncio.create_task(done.commit(sent, failure))
                total += len(sent)
                if failure is not None:
                    raise failure[1]
                if ahead is not None:
                    batch, ahead = await ahead, None
        finally:
            # Stopped or failed: unsent rows roll back (published again later); what was confirmed is marked.
            await batch.abandon()
            if ahead is not None:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await (await ahead).abandon()
            if behind is not None:
                await behind
        return total

    async def _publish(self, rows: Sequence[Pending]) -> tuple[list[int], tuple[int, Exception] | None]:
        """Publish the batch in outbox order (pipelined where the transport can: sent at once, the
        confirms awaited together). Only the rows up to the first failure count as sent: that row and
        every one after it go out again in the next batch, so none is marked before an earlier one."""
        service = self.metrics.service

        def traced(message: Outgoing) -> AbstractContextManager[None]:
            return tracing.publishing(service, message.body, message.routing_key)

        # Untraced (the usual case): no span bookkeeping per message.
        around: Around = traced if tracing.tracer(service) is not None else untraced
        confirmed, error = await self.transport.publish_batch([row.outgoing for row in rows], around=around)
        sent = [row.id for row in rows[:confirmed]]
        for routing_key, count in Counter(row.routing_key for row in rows[:confirmed]).items():
            self.metrics.events_published.labels(routing_key).inc(count)
        if error is not None:
            return sent, (rows[confirmed].id, error)
        return sent, None

    @staticmethod
    async def _mark(session: AsyncSession, sent: list[int], failure: tuple[int, Exception] | None) -> None:
        await outbox.mark_sent(session, sent)
        if failure is not None:
            await outbox.mark_failed(session, failure[0], repr(failure[1]))

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


class _Batch:
    """Outbox rows read in a transaction of their own on PostgreSQL, locked (SKIP LOCKED) until the
    transaction commits their marks or is rolled back."""

    EMPTY: _Batch

    def __init__(
        self, connections: PlainConnections | None, conn: asyncpg.Connection | None, rows: Sequence[Pending]
    ) -> None:
        self._connections = connections
        self._conn = conn
        self.rows = rows

    @classmethod
    async def read(cls, connections: PlainConnections, size: int) -> _Batch:
        conn = await connections.acquire()
        try:
            await conn.execute("BEGIN")
            rows = [Pending(*record) for record in await conn.fetch(outbox.UNSENT_LOCKED_SQL, size)]
        except BaseException:
            await cls(connections, conn, ()).abandon()
            raise
        return cls(connections, conn, rows)

    async def commit(self, sent: list[int], failure: tuple[int, Exception] | None) -> None:
        conn, self._conn = self._conn, None
        if conn is None or self._connections is None:
            return
        try:
            if sent:
                await conn.execute(outbox.MARK_SENT_SQL, sent)
            if failure is not None:
                await conn.execute(outbox.MARK_FAILED_SQL, failure[0], repr(failure[1])[:2000])
            await conn.execute("COMMIT")
        except BaseException:
            # The transaction is left open or broken: a connection in that state never goes back to the pool.
            conn.terminate()
            raise
        await self._connections.release(conn)

    async def abandon(self) -> None:
        """Roll back: the rows are free for the next read (here or in another replica)."""
        conn, self._conn = self._conn, None
        if conn is None or self._connections is None:
            return
        try:
            await conn.execute("ROLLBACK")
        except BaseException:
            conn.terminate()
            raise
        await self._connections.release(conn)


_Batch.EMPTY = _Batch(None, None, ())
