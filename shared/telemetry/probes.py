"""Figures computed when /metrics is scraped: resources by status, the depths of the service's queues.

A service declares what its resources' statuses are counted from (``ServiceSpec.status_gauges``):
the status column of its main table, or an async function of a connection answering
``{status: count}``. The queue depths come from the broker itself (a passive declare of the
service's queue and dead-letter queue on RabbitMQ, the in-process queues on ``memory://``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.db import Database
from shared.messaging.memory import MemoryTransport
from shared.messaging.rabbitmq import RabbitMQTransport
from shared.messaging.topology import dead_letter_queue_name, queue_name
from shared.messaging.transport import Transport
from shared.observability import ServiceMetrics

StatusCounts = Callable[[AsyncConnection], Awaitable[Mapping[str, int]]]
# What a ServiceSpec may declare: the status column to count by, or a function that counts.
StatusGauges = StatusCounts | ColumnElement[Any]


def counts_by(column: ColumnElement[Any]) -> StatusCounts:
    """``{status: count}`` of the column's table: one ``GROUP BY`` (the column is indexed in practice)."""

    async def count(conn: AsyncConnection) -> Mapping[str, int]:
        rows = (await conn.execute(select(column, func.count()).group_by(column))).all()
        return {str(status): int(n) for status, n in rows if status is not None}

    return count


def _set_all(gauge: Gauge, values: Mapping[str, int], seen: set[str]) -> None:
    """Set each label's value; a label seen before and absent now reads 0 rather than vanishing."""
    for label in seen - values.keys():
        gauge.labels(label).set(0)
    for label, value in values.items():
        gauge.labels(label).set(value)
    seen.update(values)


def status_probe(db: Database, declared: StatusGauges, metrics: ServiceMetrics) -> Callable[[], Awaitable[None]]:
    count = counts_by(declared) if isinstance(declared, ColumnElement) else declared
    seen: set[str] = set()

    async def probe() -> None:
        async with db.connect() as conn:
            counts = await count(conn)
        _set_all(metrics.resources_by_status, counts, seen)

    return probe


async def queue_depths(transport: Transport, service: str) -> dict[str, int]:
    """Messages in the service's queue and in its dead-letter queue, by queue name."""
    if isinstance(transport, RabbitMQTransport):
        return await transport.queue_depths(service)
    if isinstance(transport, MemoryTransport):
        # The in-process broker keeps a queue's dead letters beside it.
        queue = transport.broker.queues.get(queue_name(service))
        return {
            queue_name(service): queue.items.qsize() if queue else 0,
            dead_letter_queue_name(service): len(queue.dead) if queue else 0,
        }
    return {}


def queue_probe(transport: Transport, service: str, metrics: ServiceMetrics) -> Callable[[], Awaitable[None]]:
    async def probe() -> None:
        try:
            depths = await queue_depths(transport, service)
        except Exception:
            # Unknown is not zero: the series stop rather than claim an empty queue.
            metrics.queue_depth.clear()
            metrics.dlq_depth.clear()
            raise
        main, dead = queue_name(service), dead_letter_queue_name(service)
        if main in depths:
            metrics.queue_depth.labels(main).set(depths[main])
        if dead in depths:
            metrics.dlq_depth.labels(dead).set(depths[dead])

    return probe


def install(
    metrics: ServiceMetrics, db: Database, transport: Transport, service: str, status_gauges: StatusGauges | None
) -> None:
    """The probes of one running service (replacing those of an earlier start of the same app)."""
    metrics.probes.clear()
    if status_gauges is not None:
        metrics.add_probe("status", status_probe(db, status_gauges, metrics))
    metrics.add_probe("queues", queue_probe(transport, service, metrics))
