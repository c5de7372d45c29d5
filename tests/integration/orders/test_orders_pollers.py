"""The pollers' paths: /status and the changes feed answer the same in front of the framework
(shared.http.hot) as through it, byte for byte, on SQLite and PostgreSQL; a 304 from the versions
the service knows is never stale after a commit, in the same process or another replica."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.orders.orders_helpers import MOD, awarded, confirm_award, orders_app, published, status_of
from tests.support import auth, eventually, running

INTEGRATION = auth("integration")
IGNORED = ("x-request-id", "date", "server")


def _ordinary(app: FastAPI) -> None:
    """Every request down the whole stack: the hot path stands aside where a rate limit is set."""
    app.state.runtime.settings.rate_limit = "100000/second"


def _hot(app: FastAPI) -> None:
    app.state.runtime.settings.rate_limit = None


async def _contracted(app: FastAPI, client: httpx.AsyncClient, order_id: str, supplier_id: UUID) -> None:
    """The award confirmed and applied, so nothing changes while the two paths are compared."""
    await confirm_award(app, order_id, supplier_id)

    async def contracted() -> bool:
        return await status_of(client, order_id) == "contracted"

    await eventually(contracted, what="the order contracted")


async def _both(app: FastAPI, client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> httpx.Response:
    """The answer of the hot path, checked to be the ordinary path's, byte for byte."""
    _hot(app)
    fast = await client.get(path, headers=headers)
    _ordinary(app)
    try:
        slow = await client.get(path, headers=headers)
    finally:
        _hot(app)
    assert fast.status_code == slow.status_code, (path, fast.text, slow.text)
    assert fast.content == slow.content, path
    fast_headers = {k: v for k, v in fast.headers.items() if k not in IGNORED}
    slow_headers = {k: v for k, v in slow.headers.items() if k not in IGNORED and not k.startswith("x-ratelimit")}
    assert fast_headers == slow_headers, path
    return fast


@pytest.fixture
async def service(database_url: str, memory_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield app, client


async def test_status_answers_the_same_in_front_of_the_framework(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    supplier_id = uuid4()
    order = await awarded(client, supplier_id)
    await _contracted(app, client, order["id"], supplier_id)
    own = auth("supplier", supplier_id=supplier_id)
    for ref in (order["id"], order["number"], order["id"].upper()):
        answer = await _both(app, client, f"/api/v1/orders/{ref}/status", INTEGRATION)
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"id", "number", "status", "version", "updated_at"}
        assert answer.headers["etag"] == f'"{body["version"]}"'
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"
        await _both(app, client, f"/api/v1/orders/{ref}/status", own)
        etag = {"If-None-Match": answer.headers["etag"]}
        assert (await _both(app, client, f"/api/v1/orders/{ref}/status", {**INTEGRATION, **etag})).status_code == 304
        assert (
            await _both(app, client, f"/api/v1/orders/{ref}/status", {**INTEGRATION, "If-None-Match": '"0"'})
        ).status_code == 200
    # Another supplier's order, an unknown one, a bad token, a ref too long: the ordinary answers.
    other = auth("supplier", supplier_id=uuid4())
    assert (await _both(app, client, f"/api/v1/orders/{order['id']}/status", other)).status_code == 404
    assert (await _both(app, client, f"/api/v1/orders/{uuid4()}/status", INTEGRATION)).status_code == 404
    assert (await _both(app, client, "/api/v1/orders/not-an-id/status", INTEGRATION)).status_code == 404
    assert (await _both(app, client, f"/api/v1/orders/{'9' * 65}/status", INTEGRATION)).status_code == 422
    assert (await _both(app, client, f"/api/v1/orders/{order['id']}/status", {})).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await _both(app, client, f"/api/v1/orders/{order['id']}/status", bad)).status_code == 401


async def test_a_feed_page_answers_the_same_in_front_of_the_framework(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    supplier_id = uuid4()
    first = await awarded(client, supplier_id)
    await published(client)
    await _contracted(app, client, first["id"], supplier_id)
    feed = "/api/v1/orders/changes"
    whole = (await _both(app, client, f"{feed}?after=0&limit=100", INTEGRATION)).json()
    assert len(whole["changes"]) >= 3
    assert set(whole["changes"][0]) == {"seq", "order_id", "number", "status", "version", "at"}
    last = whole["last_seq"]
    for query in (
        "",
        "?limit=1",
        "?after=1&limit=2",
        f"?after={last}",
        "?after=0&limit=500",
        "?limit=0",
        "?limit=501",
        "?after=-1",
        "?after=x",
        "?after=1&after=2",
        "?after=0&wait=0",
        "?other=1",
    ):
        await _both(app, client, feed + query, INTEGRATION)
    await _both(app, client, f"{feed}?after=0", auth("supplier", supplier_id=supplier_id))
    page = await _both(app, client, f"{feed}?after=0&limit=2", INTEGRATION)
    etag = {"If-None-Match": page.headers["etag"]}
    assert (await _both(app, client, f"{feed}?after=0&limit=2", {**INTEGRATION, **etag})).status_code == 304


async def test_a_known_version_is_forgotten_when_the_order_changes(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _app, client = service
    order = await published(client)
    path = f"/api/v1/orders/{order['id']}/status"
    etag = (await client.get(path, headers=INTEGRATION)).headers["etag"]
    assert (await client.get(path, headers={**INTEGRATION, "If-None-Match": etag})).status_code == 304
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "not needed"}, headers=MOD)
    assert cancelled.status_code == 200, cancelled.text
    again = await client.get(path, headers={**INTEGRATION, "If-None-Match": etag})
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"


async def test_a_replica_hears_another_replicas_commit(postgres_url: str, memory_url: str) -> None:
    """Two replicas on one database: one's 304 turns into a 200 once the other changed the order."""
    first, second = orders_app(postgres_url, memory_url), orders_app(postgres_url, f"{memory_url}-2")
    async with running(first) as one, running(second) as two:
        order = await published(one)
        path = f"/api/v1/orders/{order['id']}/status"
        etag = (await one.get(path, headers=INTEGRATION)).headers["etag"]

        async def known() -> bool:
            answer = await one.get(path, headers={**INTEGRATION, "If-None-Match": etag})
            return answer.status_code == 304 and first.state.runtime.commits.hears_every_commit

        await eventually(known, what="the first replica answering 304 while it listens")
        cancelled = await two.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "no"}, headers=MOD)
        assert cancelled.status_code == 200, cancelled.text

        async def changed() -> bool:
            answer = await one.get(path, headers={**INTEGRATION, "If-None-Match": etag})
            return answer.status_code == 200 and answer.json()["status"] == "cancelled"

        await eventually(changed, within=5, what="the first replica seeing the second's commit")


async def test_a_status_answer_kept_in_memory_gives_way_to_the_changed_order(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """The 200 answer the service keeps is never served after a commit changed the order."""
    _app, client = service
    order = await published(client)
    path = f"/api/v1/orders/{order['id']}/status"
    first = await client.get(path, headers=INTEGRATION)
    assert (await client.get(path, headers=INTEGRATION)).content == first.content
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "not needed"}, headers=MOD)
    assert cancelled.status_code == 200, cancelled.text
    again = await client.get(path, headers=INTEGRATION)
    assert again.json()["status"] == "cancelled"
    assert again.headers["etag"] != first.headers["etag"]


async def test_a_full_feed_page_stays_the_same_and_the_feeds_head_follows_new_commits(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """A full page (kept as final) answers the same after later commits; a page with room in it
    (kept only until the next commit) shows the new change at once."""
    _app, client = service
    feed = "/api/v1/orders/changes"
    await published(client)
    await published(client)
    full = await client.get(f"{feed}?after=0&limit=2", headers=INTEGRATION)
    head = await client.get(f"{feed}?after=0&limit=100", headers=INTEGRATION)
    assert len(full.json()["changes"]) == 2
    seen = len(head.json()["changes"])
    newest = await published(client)
    assert (await client.get(f"{feed}?after=0&limit=2", headers=INTEGRATION)).content == full.content
    moved = (await client.get(f"{feed}?after=0&limit=100", headers=INTEGRATION)).json()
    assert len(moved["changes"]) == seen + 1
    assert moved["changes"][-1]["order_id"] == newest["id"]
    tail = await client.get(f"{feed}?after={moved['last_seq']}", headers=INTEGRATION)
    assert tail.json() == {"changes": [], "last_seq": moved["last_seq"]}
