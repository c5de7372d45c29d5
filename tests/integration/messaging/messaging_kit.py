"""A tiny producer/consumer service on the real kernel, a TCP proxy that can cut the broker off,
and broker inspection through rabbitmqctl, for the messaging tests.

The services use the kernel directly: a ``Database`` on the fixture URL, the shared tables plus two
of their own, a ``UnitOfWork`` factory and a ``ServiceBus``. The consumer's handler writes one row
into ``applied`` per application, with no unique key, so an event applied twice shows as two rows.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from uuid import uuid4

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from yarl import URL

import shared.audit
import shared.http.idempotency
import shared.messaging.inbox
import shared.messaging.outbox  # noqa: F401 - the imports above register their tables on shared_metadata
from shared.db import Database, shared_metadata
from shared.events.envelope import CloudEvent
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.messaging.bus import ServiceBus
from shared.messaging.consumer import EventHandler
from shared.messaging.dead_letters import DeadLetter, inspect
from shared.messaging.memory import broker_for
from shared.messaging.outbox import outbox
from shared.messaging.topology import queue_name
from shared.messaging.transport import DeliveryHandler, Transport
from shared.observability import ServiceMetrics
from shared.uow import UnitOfWork
from tests import support

EVENT = EventType.SUPPLIER_STATUS_CHANGED

metadata = MetaData()
changes = Table("changes", metadata, Column("id", Integer, primary_key=True), Column("value", Integer, nullable=False))
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("value", Integer, nullable=False),
)


async def apply_change(event: CloudEvent, payload: SupplierStatusChanged, uow: UnitOfWork) -> None:
    """The consumer's handler: one row per application."""
    await uow.session.execute(insert(applied).values(event_id=str(event.id), value=payload.model_extra["seq"]))


@dataclass
class TinyService:
    name: str
    db: Database
    metrics: ServiceMetrics
    bus: ServiceBus = field(init=False)

    def uow(
        self, *, actor: str = "test", correlation_id: str | None = None, causation_id: str | None = None
    ) -> UnitOfWork:
        return UnitOfWork(
            self.db,
            source=f"sdo/{self.name}",
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
            on_committed=self.bus.relay.wake,
        )

    async def commit_change(self, seq: int) -> str:
        """A state change and its event in one transaction; returns the event id."""
        async with self.uow(correlation_id=f"req-{seq}") as uow:
            await uow.session.execute(insert(changes).values(value=seq))
            event = uow.emit(
                EVENT, uuid4(), SupplierStatusChanged(supplier_id=uuid4(), old_status="a", new_status="b", seq=seq)
            )
            await uow.commit()
        return str(event.id)

    async def applied_rows(self) -> tuple[int, int]:
        """(rows in ``applied``, distinct event ids among them)."""
        async with self.db.connect() as conn:
            row = (await conn.execute(select(func.count(), func.count(applied.c.event_id.distinct())))).one()
        return int(row[0]), int(row[1])

    async def applied_values(self) -> list[int]:
        async with self.db.connect() as conn:
            return list((await conn.execute(select(applied.c.value).order_by(applied.c.id))).scalars())

    def outcomes(self) -> Counter[str]:
        """Consumed messages by outcome (applied, duplicate, ignored, malformed, retried)."""
        counts: Counter[str] = Counter()
        for metric in self.metrics.events_consumed.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    counts[sample.labels["outcome"]] += int(sample.value)
        return counts

    def published(self) -> int:
        samples = [s for m in self.metrics.events_published.collect() for s in m.samples]
        return int(sum(s.value for s in samples if s.name.endswith("_total")))

    def gauge(self, name: str) -> float:
        return self.metrics.registry.get_sample_value(name) or 0.0


@asynccontextmanager
async def tiny_service(
    name: str,
    database_url: str,
    amqp_url: str,
    subscriptions: Mapping[str, EventHandler] | None = None,
    *,
    start: bool = True,
    **bus_options: Any,
) -> AsyncIterator[TinyService]:
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(shared_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    service = TinyService(name, db, ServiceMetrics(name))
    options = {"poll_seconds": 0.2, "publish_timeout": 3.0, **bus_options}
    service.bus = ServiceBus(name, amqp_url, db, service.metrics, subscriptions or {}, service.uow, **options)
    if start:
        await service.bus.start()
        await service.bus.wait_started()
    try:
        yield service
    finally:
        await service.bus.stop()
        await db.dispose()


@asynccontextmanager
async def two_databases(database_url: str) -> AsyncIterator[tuple[str, str]]:
    """Producer and consumer keep their own databases (each has its own outbox and inbox)."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        yield database_url, f"sqlite+aiosqlite:///{path.with_name(path.stem + '-consumer.db')}"
        return
    other = await support.create_pg_database()
    try:
        yield database_url, other
    finally:
        await support.drop_pg_database(other)


def engine_name(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgres"


# -- a TCP proxy in front of RabbitMQ, to cut the network without stopping the shared broker ---------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the broker.

    ``cut`` drops every connection and refuses new ones until ``restore``; ``stall`` keeps the
    connections open but forwards nothing (a black hole, which only timeouts and heartbeats notice).
    """

    def __init__(self, upstream: str = support.AMQP_BASE) -> None:
        parsed = URL(upstream)
        self.upstream_host = parsed.host or "127.0.0.1"
        self.upstream_port = parsed.port or 5672
        self.refusing = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.accepted = 0
        self.refused = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._drop_all()
        if self._server is not None:
            self._server.close()

    def url(self, amqp_url: str) -> str:
        """The same vhost and credentials, through the proxy."""
        return str(URL(amqp_url).with_host("127.0.0.1").with_port(self.port))

    def cut(self) -> None:
        self.refusing = True
        self._drop_all()
        self._flowing.set()  # a stalled pipe wakes up to find its connection gone

    def restore(self) -> None:
        self.refusing = False
        self._flowing.set()

    def stall(self) -> None:
        self._flowing.clear()

    async def outage(self, seconds: float) -> None:
        self.cut()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.restore()

    def _drop_all(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        self.accepted += 1
        self._links.update((client_writer, upstream_writer))
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, client_writer),
            self._pipe(upstream_reader, client_writer, upstream_writer),
            return_exceptions=True,
        )
        self._links.difference_update((client_writer, upstream_writer))

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            # Either side gone: drop both, like a broken network path.
            writer.transport.abort()
            other.transport.abort()


# -- the broker as an operator sees it ------------------------------------------------------------


def vhost_of(amqp_url: str) -> str:
    return unquote(URL(amqp_url).path.lstrip("/"))


async def rabbitmqctl(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {err.decode().strip()}")
    return out.decode()


async def rabbitmqctl_json(*args: str) -> list[dict[str, Any]]:
    out = await rabbitmqctl(*args, "--formatter", "json")
    return json.loads(out) if out.strip() else []


def arguments_of(raw: list[list[Any]]) -> dict[str, Any]:
    """rabbitmqctl's ``[[name, type, value], ...]`` as a dict."""
    return {name: value for name, _type, value in raw}


async def consumers(vhost: str) -> Counter[str]:
    rows = await rabbitmqctl_json("list_consumers", "-p", vhost, "queue_name")
    return Counter(r["queue_name"] for r in rows)


async def close_connections(vhost: str, reason: str = "closed by test") -> int:
    """Close, from the broker's side, every client connection of ``vhost`` (and no one else's)."""
    out = await rabbitmqctl("list_connections", "vhost", "pid", "--no-table-headers")
    closed = 0
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] == vhost:
            await rabbitmqctl("close_connection", parts[1], reason)
            closed += 1
    return closed


async def dead_letters(url: str, service: str) -> list[DeadLetter]:
    """What is in the service's dead-letter queue, left in place."""
    if url.startswith("memory://"):
        dead = broker_for(url).queue(queue_name(service)).dead
        return [DeadLetter(m.message_id, m.body, "memory", m.routing_key, 1) for m in dead]
    return await inspect(url, service, limit=10_000)


class WatchedTransport(Transport):
    """The service's real transport, with a hook after every confirmed publish (to count or to crash)."""

    def __init__(self, inner: Transport, after_confirm: Callable[[str], None] | None = None) -> None:
        self.inner = inner
        self.after_confirm = after_confirm
        self.confirmed: list[str] = []

    async def connect(self) -> None:
        await self.inner.connect()

    async def close(self) -> None:
        await self.inner.close()

    async def declare(self, service: str, routing_keys: Iterable[str]) -> None:
        await self.inner.declare(service, routing_keys)

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, content_type: str) -> None:
        await self.inner.publish(routing_key, body, message_id=message_id, content_type=content_type)
        self.confirmed.append(message_id)
        if self.after_confirm is not None:
            self.after_confirm(message_id)

    async def consume(self, service: str, handler: DeliveryHandler, *, prefetch: int) -> None:
        await self.inner.consume(service, handler, prefetch=prefetch)

    def problem(self) -> str | None:
        return self.inner.problem()


async def outbox_ids(db: Database) -> dict[str, int]:
    """Event id -> outbox row id, to check publication order."""
    async with db.connect() as conn:
        rows = (await conn.execute(select(outbox.c.event_id, outbox.c.id))).all()
    return {event_id: row_id for event_id, row_id in rows}


async def unsent(db: Database) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None)))).scalar_one())
