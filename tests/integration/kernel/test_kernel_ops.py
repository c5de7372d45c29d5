"""/healthz, /readyz (503 naming what is down, with Retry-After), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.integration.kernel.kernel_app import create_app
from tests.integration.kernel.kernel_support import scalar, settings, widgets
from tests.support import assert_problem, auth

OFFICER = auth("mod_officer")


async def test_healthz_and_readyz_answer_when_all_is_up(database_url: str) -> None:
    async with widgets(database_url) as (_, client):
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ready" and body["service"] == "widgets"
        assert body["checks"]["database"] == {"status": "ok"}
        assert body["checks"]["broker"] == {"status": "ok"}
        assert body["checks"]["outbox"]["backlog"] >= 0
        assert "Retry-After" not in ready.headers


@asynccontextmanager
async def broken_engine(app: FastAPI, url: str) -> AsyncIterator[None]:
    """Point the running service's engine at a database that cannot be reached, then put it back."""
    db = app.state.runtime.db
    original: AsyncEngine = db.engine
    db.engine = create_async_engine(url)
    try:
        yield
    finally:
        await db.engine.dispose()
        db.engine = original


def unreachable_url(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'nested' / 'x.db'}"
    return "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


async def test_readyz_is_503_naming_the_database_when_it_is_down(database_url: str, tmp_path: Path) -> None:
    async with widgets(database_url) as (app, client):
        async with broken_engine(app, unreachable_url(database_url, tmp_path)):
            ready = await client.get("/readyz")
            body = assert_problem(ready, 503)
            assert ready.headers["Retry-After"].isdigit()
            assert body["type"] == "urn:sdo:problem:not-ready" and "database" in body["detail"]
            assert body["checks"]["database"]["status"] == "down"
            assert body["checks"]["broker"]["status"] == "ok"
            assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_does_not_hang_on_a_database_that_never_answers(postgres_url: str) -> None:
    # A server that accepts connections and never says a word (a network partition, a stuck proxy).
    silent = await asyncio.start_server(lambda r, w: asyncio.sleep(3600), "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        async with widgets(postgres_url, readiness_timeout=0.5) as (app, client):
            async with broken_engine(app, f"postgresql+asyncpg://postgres@127.0.0.1:{port}/stuck"):
                started = time.monotonic()
                ready = await client.get("/readyz")
                assert time.monotonic() - started < 3
                assert ready.status_code == 503
                assert ready.json()["checks"]["database"]["status"] == "down"
    finally:
        silent.close()


async def test_readyz_is_503_naming_the_broker_when_it_cannot_connect(tmp_path: Path) -> None:
    app = create_app(settings(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", amqp_url="amqp://guest:guest@127.0.0.1:1/"))
    # Not tests.support.running: that waits for the bus, which never connects here.
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 503, ready.text
            assert ready.headers["Retry-After"].isdigit()
            checks = ready.json()["checks"]
            assert checks["database"]["status"] == "ok"
            assert checks["broker"]["status"] == "down" and checks["broker"]["error"]
            # The API still answers; the event waits in the outbox.
            created = await client.post("/api/v1/widgets", json={"name": "queued", "size": 1}, headers=OFFICER)
            assert created.status_code == 201
            assert await scalar(app, "SELECT count(*) FROM sdo_outbox WHERE sent_at IS NULL") == 1
            backlog = (await client.get("/readyz")).json()["checks"]["outbox"]["backlog"]
            assert backlog == 1


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample, labels in any order."""
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}\{{(.*)\}} (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(1)))
        if found == labels:
            return float(match.group(2))
    return None


async def test_metrics_count_requests_by_route_template_and_status(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        created = await client.post("/api/v1/widgets", json={"name": "m", "size": 1}, headers=OFFICER)
        url = created.headers["Location"]
        await client.get(url, headers=OFFICER)
        await client.get(url, headers=OFFICER)
        await client.get(url, headers={**OFFICER, "If-None-Match": '"1"'})
        await client.get(url)
        await client.get("/api/v1/widgets/7b9b6c4e-0000-4000-8000-00000000dead", headers=OFFICER)
        await client.get("/no/such/path")

        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        route = "/api/v1/widgets/{widget_id}"
        assert sample(text, "sdo_http_requests_total", method="GET", route=route, status="200") == 2
        assert sample(text, "sdo_http_requests_total", method="GET", route=route, status="304") == 1
        assert sample(text, "sdo_http_requests_total", method="GET", route=route, status="401") == 1
        assert sample(text, "sdo_http_requests_total", method="GET", route=route, status="404") == 1
        assert sample(text, "sdo_http_requests_total", method="POST", route="/api/v1/widgets", status="201") == 1
        assert sample(text, "sdo_http_requests_total", method="GET", route="unmatched", status="404") == 1
        # No raw paths as labels: ids would make the series unbounded.
        assert "7b9b6c4e" not in text and "/no/such/path" not in text
        # Latency is kept per status too: 2 answers 200, then one each of 304, 401 and 404.
        assert sample(text, "sdo_http_request_duration_seconds_count", method="GET", route=route, status="200") == 2
        for status in ("304", "401", "404"):
            count = sample(text, "sdo_http_request_duration_seconds_count", method="GET", route=route, status=status)
            assert count == 1, status
        assert (
            sample(text, "sdo_http_request_duration_seconds_bucket", method="GET", route=route, status="200", le="+Inf")
            == 2
        )
        fast = sample(
            text, "sdo_http_request_duration_seconds_bucket", method="GET", route=route, status="200", le="0.005"
        )
        assert fast is not None
        assert "# TYPE sdo_http_request_duration_seconds histogram" in text
        assert "sdo_outbox_backlog" in text
