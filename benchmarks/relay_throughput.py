"""Relay throughput: a burst of outbox rows drained by the running orders service's relay, against raw
aio-pika confirmed publishing of the same messages, in batches of the same size, to the same broker.

The suite side is read from the outbox table: N rows are committed at once, then the relay marks
them sent batch by batch. The rate counts the rows after the first batch over the time from the
first batch's mark to the last's, so the relay's wake-up (its poll: the rows were not committed by
the service itself) is left out. The raw side is timed the same way, from the end of its first batch.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

import aio_pika
import asyncpg

# Consumed by no service: the exchange's alternate exchange puts it in the operators' sdo.unrouted queue.
ROUTING_KEY = "order.published"
EXCHANGE = "sdo.events"


@dataclass(frozen=True)
class Throughput:
    events: int
    per_second: float


def _event_body(event_id: str) -> bytes:
    """A CloudEvent the size of a real order.published one."""
    data = {"order_id": event_id, "number": "SDO-2099-000001", "category": "repair", "status": "published"}
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": "sdo/orders",
        "type": "kz.sdo.order.published.v1",
        "time": datetime.now(UTC).isoformat(),
        "subject": event_id,
        "datacontenttype": "application/json",
        "correlationid": "bench",
        "data": {**data, "version": 2, "supplier_id": None},
    }
    return json.dumps(event, separators=(",", ":")).encode()


async def relay_drain(dsn: str, events: int, within: float = 300.0) -> Throughput:
    conn = await asyncpg.connect(dsn)
    try:
        # Nothing else is waiting: the burst is the only backlog.
        await _wait_backlog_empty(conn, within)
        floor = await conn.fetchval("SELECT coalesce(max(id), 0) FROM sdo_outbox")
        now = datetime.now(UTC)
        rows = []
        for _ in range(events):
            event_id = str(uuid4())
            rows.append((event_id, "kz.sdo.order.published.v1", ROUTING_KEY, _event_body(event_id), now, 0))
        columns = ["event_id", "event_type", "routing_key", "body", "created_at", "attempts"]
        await conn.copy_records_to_table("sdo_outbox", records=rows, columns=columns)
        await _wait_backlog_empty(conn, within)
        first, last = await conn.fetchrow("SELECT min(sent_at), max(sent_at) FROM sdo_outbox WHERE id > $1", floor)
        after_first = await conn.fetchval(
            "SELECT count(*) FROM sdo_outbox WHERE id > $1 AND sent_at > $2", floor, first
        )
    finally:
        await conn.close()
    seconds = (last - first).total_seconds()
    return Throughput(events, after_first / seconds if seconds > 0 else 0.0)


async def _wait_backlog_empty(conn: asyncpg.Connection, within: float) -> None:
    deadline = time.monotonic() + within
    while await conn.fetchval("SELECT count(*) FROM sdo_outbox WHERE sent_at IS NULL"):
        if time.monotonic() > deadline:
            raise SystemExit(f"the orders relay did not drain its outbox within {within:.0f} s")
        await asyncio.sleep(0.05)


async def raw_publishing(amqp_url: str, events: int, batch_size: int, *, one_at_a_time: bool) -> Throughput:
    """Persistent, mandatory, confirmed publishes of the same bodies: each batch in flight at once
    (confirms awaited per batch), or one confirm awaited before the next publish."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(EXCHANGE, ensure=True)
        # Bodies and ids made beforehand (the relay reads them from its rows); each batch's messages are
        # built in the timed loop, as the relay builds its own from the rows it read.
        bodies = [(i, _event_body(i)) for i in (str(uuid4()) for _ in range(events))]
        marks: list[float] = []
        for start in range(0, events, batch_size):
            batch = [
                aio_pika.Message(
                    body,
                    message_id=i,
                    content_type="application/cloudevents+json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                for i, body in bodies[start : start + batch_size]
            ]
            if one_at_a_time:
                for message in batch:
                    await exchange.publish(message, routing_key=ROUTING_KEY, mandatory=True)
            else:
                await asyncio.gather(*(exchange.publish(m, routing_key=ROUTING_KEY, mandatory=True) for m in batch))
            marks.append(time.perf_counter())
    finally:
        await connection.close()
    seconds = marks[-1] - marks[0]
    return Throughput(events, (events - min(batch_size, events)) / seconds if seconds > 0 else 0.0)
