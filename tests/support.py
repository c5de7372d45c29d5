"""Test helpers: real servers for PostgreSQL and RabbitMQ, app clients, tokens, polling."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from typing import Any, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from shared import clock
from shared.auth import mint_token
from shared.clock import DEFAULT_TIMEZONE

T = TypeVar("T")

CI = os.environ.get("CI", "").lower() == "true"
JWT_SECRET = "test-secret-for-the-sdo-suite-0123456789"
PG_ADMIN_DSN = os.environ.get("SDO_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
AMQP_BASE = os.environ.get("SDO_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")
# The day the tests were collected, on the ministry's calendar. Dates that test modules build at
# import ("today", "a year from now") agree with the services' "today" only while the services'
# clock runs on that day (``clock_on_collection_day``): a run crossing midnight in Asia/Almaty would
# otherwise find a licence dated "tomorrow" valid today.
COLLECTED_ON = clock.today(DEFAULT_TIMEZONE)
_MIDDAY_OF_COLLECTION = datetime.combine(COLLECTED_ON, dt_time(12), ZoneInfo(DEFAULT_TIMEZONE)).astimezone(UTC)


def clock_on_collection_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the suite's one clock (``shared.clock.now``) from midday of the collection day.

    It still moves at the real pace, so rows keep their order of creation; a test would have to
    last twelve hours to leave that day.
    """
    started = time.monotonic()
    monkeypatch.setattr(clock, "now", lambda: _MIDDAY_OF_COLLECTION + timedelta(seconds=time.monotonic() - started))


def unavailable(what: str, why: object) -> None:
    """Under CI a missing server is a failure, never a silent skip."""
    message = f"{what} is not available: {why}"
    if CI:
        pytest.fail(message)
    pytest.skip(message)


async def create_pg_database() -> str:
    name = f"sdo_t_{uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL", exc)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        unavailable("RabbitMQ", "rabbitmqctl not found")
    result = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        unavailable("RabbitMQ", result.stderr.strip() or result.stdout.strip())


def create_vhost() -> str:
    """A vhost of its own, so a test sees only its own queues and messages."""
    vhost = f"sdo-test-{uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return vhost


def delete_vhost(vhost: str) -> None:
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)


def amqp_url(vhost: str) -> str:
    return f"{AMQP_BASE}/{vhost}"


def token(role: str, *, supplier_id: UUID | str | None = None, sub: str | None = None, ttl: int = 3600) -> str:
    return mint_token(JWT_SECRET, roles=[role], sub=sub or f"{role}-user", supplier_id=supplier_id, ttl=ttl)


def auth(role: str, *, supplier_id: UUID | str | None = None, sub: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, supplier_id=supplier_id, sub=sub)}"}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (migrations, bus) and an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        await app.state.runtime.bus.wait_started()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def eventually(
    probe: Callable[[], Awaitable[T]], *, within: float = 15.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns a truthy value; fail with the last value after ``within`` seconds."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{what} not reached within {within}s (last: {last!r})")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == status
    return body


class EventTap:
    """Sees every event published on the bus (memory:// or RabbitMQ), for assertions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[dict[str, Any]] = []
        self._close: Callable[[], Awaitable[None]] | None = None

    async def __aenter__(self) -> EventTap:
        import orjson

        if self.url.startswith("memory://"):
            from shared.messaging.memory import _topic_regex, broker_for

            queue = broker_for(self.url).queue(f"tap-{uuid4().hex}")
            queue.patterns["#"] = _topic_regex("#")

            async def pump() -> None:
                while True:
                    message = await queue.items.get()
                    self.events.append(orjson.loads(message.body))

            task = asyncio.create_task(pump())

            async def close() -> None:
                task.cancel()

            self._close = close
            return self
        import aio_pika

        from shared.messaging.topology import EXCHANGE, exchange_arguments

        connection = await aio_pika.connect_robust(self.url)
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True, arguments=exchange_arguments()
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.events.append(orjson.loads(message.body))

        await queue.consume(on_message)
        self._close = connection.close
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._close:
            await self._close()

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


async def inject(app: FastAPI, event_type: str, subject: Any, data: dict[str, Any], **fields: Any) -> str:
    """Publish an event onto the app's bus as another service would; returns its id.

    The source defaults to the type's owner (consumers dead-letter an event from any other source).
    """
    from shared.events.envelope import CONTENT_TYPE, CloudEvent
    from shared.messaging.ownership import owner_of, source_of

    owner = owner_of(event_type)
    source = fields.pop("source", source_of(owner) if owner else "sdo/test")
    event = CloudEvent(source=source, type=event_type, subject=str(subject), data=data, **fields)
    await app.state.runtime.bus.transport.publish(
        event.routing_key, event.to_bytes(), message_id=str(event.id), content_type=CONTENT_TYPE
    )
    return str(event.id)
