"""The changes feed under concurrent writers: a poller that keeps `last_seq` misses nothing."""

from __future__ import annotations

import asyncio
import itertools

import httpx

from tests.integration.orders.orders_helpers import AUDITOR, MOD, orders_app, spec
from tests.support import running

WRITERS = 8
ORDERS_PER_WRITER = 6


async def write_orders(client: httpx.AsyncClient) -> int:
    """Create, publish and cancel orders one after another; returns the feed rows written (drafts stay off)."""
    for _ in range(ORDERS_PER_WRITER):
        created = await client.post("/api/v1/orders", json=spec(), headers=MOD)
        assert created.status_code == 201, created.text
        url = f"/api/v1/orders/{created.json()['id']}"
        assert (await client.post(f"{url}/publish", headers=MOD)).status_code == 200
        assert (await client.post(f"{url}/cancel", json={"reason": "test"}, headers=MOD)).status_code == 200
    return ORDERS_PER_WRITER * 2


async def poll(client: httpx.AsyncClient, done: asyncio.Event) -> list[dict]:
    """Read the feed as a client would: small pages, keep last_seq, go on until the writers stop."""
    seen: list[dict] = []
    last_seq = 0
    while True:
        finished = done.is_set()  # read before the page: one more full pass after the writers stop
        page = (await client.get(f"/api/v1/orders/changes?after={last_seq}&limit=7", headers=AUDITOR)).json()
        seen += page["changes"]
        last_seq = page["last_seq"]
        if not page["changes"]:
            if finished:
                return seen
            await asyncio.sleep(0.005)


async def test_a_poller_keeping_last_seq_sees_every_change_once_in_order(database_url: str, memory_url: str) -> None:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        done = asyncio.Event()
        reader = asyncio.create_task(poll(client, done))
        written = await asyncio.gather(*(write_orders(client) for _ in range(WRITERS)))
        done.set()
        seen = await asyncio.wait_for(reader, 30)

        everything = (await client.get("/api/v1/orders/changes?limit=500", headers=AUDITOR)).json()["changes"]
        assert len(everything) == sum(written)
        assert seen == everything
        seqs = [change["seq"] for change in seen]
        assert all(a < b for a, b in itertools.pairwise(seqs))
        versions: dict[str, int] = {}
        for change in seen:  # each order's versions arrive in order, none skipped after the draft
            assert change["version"] == versions.get(change["order_id"], 1) + 1
            versions[change["order_id"]] = change["version"]
