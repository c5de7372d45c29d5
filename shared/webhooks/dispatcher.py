"""The dispatcher: a background task of the service that POSTs due deliveries and records each attempt.

A delivery is taken with a lease (its ``next_attempt_at`` moved past the request's timeout), so
replicas never send the same one at the same time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and
one taken by a replica that died is due again when the lease ends. A 2xx settles it; anything
else (a status, a timeout, a refused destination) is recorded and retried after
``base * 2^(n-1)`` seconds (at most ``max``, never sooner than a ``Retry-After``), less up to half
of it at random so receivers coming back are not hit by every sender at once; after the last
attempt the delivery is parked. Delivery is at least once and in no particular order: a receiver
keeps the ``webhook-id`` values it has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import structlog
from prometheus_client import Counter
from sqlalchemy import Row, insert, select, update

from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.observability import ServiceMetrics
from shared.webhooks import signing
from shared.webhooks.destinations import DestinationRefused, EgressPolicy
from shared.webhooks.fanout import WebhookFanOut
from shared.webhooks.settings import WebhookSettings
from shared.webhooks.tables import DELIVERED, PARKED, PENDING, attempts, deliveries, subscriptions

log = structlog.get_logger("sdo.webhooks")

LEASE_MARGIN_SECONDS = 30.0
FAILURE_BACKOFF_SECONDS = 5.0
MAX_ERROR_LENGTH = 500


class _Metrics:
    def __init__(self, metrics: ServiceMetrics) -> None:
        self.attempts = Counter(
            "sdo_webhook_attempts_total",
            "Webhook delivery attempts by outcome (delivered, failed, parked).",
            ["outcome"],
            registry=metrics.registry,
        )


_METRICS: weakref.WeakKeyDictionary[ServiceMetrics, _Metrics] = weakref.WeakKeyDictionary()


def _metrics_of(metrics: ServiceMetrics) -> _Metrics:
    """One set per service registry, however often the service's lifespan runs."""
    if metrics not in _METRICS:
        _METRICS[metrics] = _Metrics(metrics)
    return _METRICS[metrics]


def binary_headers(event: CloudEvent) -> dict[str, str]:
    """The CloudEvents HTTP binding, binary mode: attributes as ``ce-*`` headers, the body is ``data``."""
    headers = {
        "ce-specversion": event.specversion,
        "ce-id": str(event.id),
        "ce-source": event.source,
        "ce-type": event.type,
        "ce-time": event.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "content-type": event.datacontenttype,
    }
    for name in ("subject", "correlationid", "causationid"):
        value = getattr(event, name)
        if value is not None:
            headers[f"ce-{name}"] = value
    return headers


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None  # an HTTP date: the backoff decides


class Outcome:
    __slots__ = ("at", "duration_ms", "error", "retry_after", "status_code")

    def __init__(
        self,
        at: datetime,
        duration_ms: int,
        status_code: int | None = None,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.at = at
        self.duration_ms = duration_ms
        self.status_code = status_code
        self.error = error[:MAX_ERROR_LENGTH] if error else None
        self.retry_after = retry_after

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookDispatcher:
    def __init__(
        self, db: Database, settings: WebhookSettings, metrics: ServiceMetrics, *, service: str, dev_mode: bool
    ) -> None:
        self.db = db
        self.settings = settings
        self.service = service
        self.policy = EgressPolicy(settings.networks(dev_mode=dev_mode))
        self.metrics = _metrics_of(metrics)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._soonest: float | None = None
        self._client: httpx.AsyncClient | None = None

    def participant(self) -> WebhookFanOut:
        return WebhookFanOut(self.wake)

    def wake(self) -> None:
        """Called after a commit that wrote deliveries, so they go out without waiting for the poll."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.timeout_seconds),
            follow_redirects=False,  # a redirect would lead past the egress check
            trust_env=False,  # no proxy from the environment: the policy checks the real destination
            limits=httpx.Limits(max_connections=self.settings.concurrency, max_keepalive_connections=0),
            headers={"user-agent": f"sdo-webhooks/1 ({self.service})"},
        )
        self._task = asyncio.create_task(self.run(), name=f"webhooks-{self.service}")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        self._inflight.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self) -> None:
        while True:
            self._wake.clear()
            free = self.settings.concurrency - len(self._inflight)
            if free > 0:
                try:
                    for row in await self._claim(free):
                        task = asyncio.create_task(self._deliver(row), name=f"webhook-delivery-{row.id}")
                        self._inflight.add(task)
                        task.add_done_callback(self._finished)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database may be away: try again in a while
                    log.warning("webhook_claim_failed", error=repr(exc)[:500])
                    await self._sleep(FAILURE_BACKOFF_SECONDS)
                    continue
            await self._sleep(self._pause())

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()  # a slot is free

    def _pause(self) -> float:
        pause = self.settings.poll_seconds
        if self._soonest is not None:
            pause = min(pause, max(0.0, self._soonest - time.monotonic()))
            self._soonest = None
        return pause

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    async def _claim(self, limit: int) -> list[Any]:
        now = datetime.now(UTC)
        lease = now + timedelta(seconds=self.settings.timeout_seconds + LEASE_MARGIN_SECONDS)
        d, s = deliveries.c, subscriptions.c
        query = (
            select(d.id, d.event, d.attempts, s.url, s.secret)
            .join(subscriptions, s.id == d.subscription_id)
            .where(d.status == PENDING, d.next_attempt_at <= now)
            .order_by(d.next_attempt_at, d.id)
            .limit(limit)
        )
        if self.db.is_postgres:
            query = query.with_for_update(of=deliveries, skip_locked=True)
        async with self.db.write_session() as session, session.begin():
            rows: list[Any] = list((await session.execute(query)).all())
            if rows:
                ids = [row.id for row in rows]
                await session.execute(update(deliveries).where(d.id.in_(ids)).values(next_attempt_at=lease))
        return rows

    async def _deliver(self, row: Row[Any]) -> None:
        outcome = await self._attempt(row)
        try:
            await self._record(row.id, outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the lease ends and it is tried again
            log.warning("webhook_record_failed", delivery=row.id, error=repr(exc)[:500])

    async def _attempt(self, row: Row[Any]) -> Outcome:
        at = datetime.now(UTC)
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        assert self._client is not None, "the dispatcher is not started"
        try:
            event = CloudEvent.from_bytes(row.event)
            destination = await self.policy.check(row.url)
            body = orjson.dumps(event.data)
            headers = {
                **binary_headers(event),
                **signing.headers(row.secret, str(event.id), body),
                "host": destination.host_header,
            }
            extensions = {"sni_hostname": destination.host} if row.url.lower().startswith("https:") else {}
            async with self._client.stream(
                "POST", destination.url, content=body, headers=headers, extensions=extensions
            ) as response:
                status = response.status_code
                retry_after = _retry_after(response.headers.get("retry-after"))
        except DestinationRefused as exc:
            return Outcome(at, elapsed(), error=f"destination refused: the URL {exc}")
        except httpx.TimeoutException:
            return Outcome(at, elapsed(), error=f"no answer within {self.settings.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return Outcome(at, elapsed(), error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        ok = 200 <= status < 300
        return Outcome(at, elapsed(), status, None if ok else f"the receiver answered {status}", retry_after)

    def _delay(self, number: int, retry_after: float | None) -> float:
        cap = self.settings.retry_max_seconds
        delay = min(self.settings.retry_base_seconds * 2.0 ** min(number - 1, 60), cap)
        delay *= random.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, cap))
        return delay

    async def _record(self, delivery_id: int, outcome: Outcome) -> None:
        d = deliveries.c
        async with self.db.write_session() as session, session.begin():
            done = (await session.execute(select(d.attempts).where(d.id == delivery_id, d.status == PENDING))).first()
            if done is None:
                return  # the subscription was deleted meanwhile
            number = done.attempts + 1
            await session.execute(
                insert(attempts).values(
                    delivery_id=delivery_id,
                    number=number,
                    at=outcome.at,
                    status_code=outcome.status_code,
                    error=outcome.error,
                    duration_ms=outcome.duration_ms,
                )
            )
            values: dict[str, Any] = {"attempts": number}
            if outcome.succeeded:
                values.update(status=DELIVERED, next_attempt_at=None, delivered_at=datetime.now(UTC))
                result = "delivered"
            elif number >= self.settings.max_attempts:
                values.update(status=PARKED, next_attempt_at=None)
                result = "parked"
            else:
                delay = self._delay(number, outcome.retry_after)
                values.update(next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay))
                soonest = time.monotonic() + delay
                self._soonest = soonest if self._soonest is None else min(self._soonest, soonest)
                result = "failed"
            await session.execute(update(deliveries).where(d.id == delivery_id).values(**values))
        self.metrics.attempts.labels(result).inc()
        if result != "delivered":
            log.info(
                "webhook_attempt_failed", delivery=delivery_id, attempt=number, outcome=result, error=outcome.error
            )
