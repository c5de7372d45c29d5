"""A tiny producer/consumer service built by the kernel exactly as the real services are.

``build_app`` with a ``ServiceSpec``: migrations at start-up (the shared tables plus two of its
own), the ``Runtime`` with its unit of work, and the ``ServiceBus`` (relay and consumer). The
service has no routes; the tests commit through its runtime's unit of work. The consumer's handler
writes one row into ``applied`` per application, with no unique key, so an event applied twice
shows as two rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.messaging.bus import ServiceBus
from shared.messaging.consumer import EventHandler
from shared.messaging.dead_letters import DeadLetter, inspect
from shared.messaging.memory import broker_for
from shared.messaging.outbox import outbox
from shared.messaging.topology import queue_name
from shared.observability import ServiceMetrics
from shared.runtime import Runtime
from shared.service import ServiceSpec, build_app
from shared.settings import ServiceSettings
from shared.uow import UnitOfWork
from tests import support

EVENT = EventType.SUPPLIER_STATUS_CHANGED
# The owner of EVENT: consumers dead-letter it from any other source (shared.messaging.ownership).
EVENT_SOURCE = "sdo/suppliers"

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


class TinySettings(ServiceSettings):
    service_name = "tiny"


def settings(database_url: str, amqp_url: str, **overrides: Any) -> TinySettings:
    """The fixture's database and broker; the relay polls often and gives up on a publish soon."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "jwt_secret": support.JWT_SECRET,
        "relay_poll_seconds": 0.2,
        "relay_publish_timeout": 3.0,
    }
    return TinySettings(**{**values, **overrides})


def create_app(
    name: str, app_settings: TinySettings, subscriptions: Mapping[str, EventHandler] | None = None
) -> FastAPI:
    spec = ServiceSpec(
        name=name,
        title=f"Tiny {name}",
        description="Test-only producer and consumer on the shared kernel.",
        settings_factory=TinySettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[],
        subscriptions=subscriptions or {},
    )
    return build_app(spec, app_settings)


@dataclass
class TinyService:
    """A started tiny service, seen through the runtime its lifespan built."""

    runtime: Runtime

    @property
    def name(self) -> str:
        return self.runtime.name

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def metrics(self) -> ServiceMetrics:
        return self.runtime.metrics

    @property
    def engine(self) -> str:
        """The database engine, for the figures the tests print."""
        return "postgres" if self.db.is_postgres else "sqlite"

    @property
    def bus(self) -> ServiceBus:
        assert self.runtime.bus is not None
        return self.runtime.bus

    async def commit_change(self, seq: int) -> str:
        """A state change and its event in one transaction, published as EVENT's owner; returns the event id."""
        relay = self.bus.relay
        async with UnitOfWork(
            self.db, source=EVENT_SOURCE, actor="test", correlation_id=f"req-{seq}", on_committed=relay.wake
        ) as uow:
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

    async def unsent(self) -> int:
        """Outbox rows the broker has not confirmed."""
        async with self.db.connect() as conn:
            return int((await conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None)))).scalar_one())

    async def outbox_ids(self) -> dict[str, int]:
        """Event id -> outbox row id, to check publication order."""
        async with self.db.connect() as conn:
            rows = (await conn.execute(select(outbox.c.event_id, outbox.c.id))).all()
        return {event_id: row_id for event_id, row_id in rows}

    async def dead_letters(self) -> list[DeadLetter]:
        """What is in this service's dead-letter queue, left in place."""
        url = self.runtime.settings.amqp_url
        assert url is not None
        if url.startswith("memory://"):
            dead = broker_for(url).queue(queue_name(self.name)).dead
            return [DeadLetter(m.message_id, m.body, "memory", m.routing_key, 1) for m in dead]
        return await inspect(url, self.name, limit=10_000)

    def outcomes(self) -> Counter[str]:
        """Consumed messages by outcome (applied, duplicate, ignored, malformed, retried)."""
        counts: Counter[str] = Counter()
        # Read from the registry, as a scrape would: the counter's wrapper also feeds other counters.
        for metric in self.metrics.registry.collect():
            for sample in metric.samples:
                if sample.name == "sdo_events_consumed_total":
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
    wait_for_broker: bool = True,
    **overrides: Any,
) -> AsyncIterator[TinyService]:
    """The service through its lifespan; ``overrides`` are settings (``relay_batch_size=25``).

    The lifespan starts the bus, which connects in the background; with ``wait_for_broker=False``
    the service is handed over before the bus has connected (or while it cannot).
    """
    app = create_app(name, settings(database_url, amqp_url, **overrides), subscriptions)
    async with app.router.lifespan_context(app):
        service = TinyService(app.state.runtime)
        if wait_for_broker:
            await service.bus.wait_started()
        yield service


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
