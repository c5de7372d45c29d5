"""Long-polling on the orders changes feed: ``wait=SECONDS`` answers as soon as a change commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared import commits
from tests.integration.orders.orders_helpers import AUDITOR, Api, awarded, orders_app, published, supplier
from tests.support import eventually, running

# Generous bounds: the test never depends on how fast the answer comes, only that it comes with the change.
ANSWER_WITHIN = 60.0


@pytest.fixture
async def api(database_url: str, memory_url: str) -> AsyncIterator[Api]:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)


async def _last_seq(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/v1/orders/changes", params={"limit": 500}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    seq: int = response.json()["last_seq"]
    return seq


async def _parked(api: Api, readers: int = 1) -> bool:
    return bool(api.app.state.runtime.commits.waiting >= readers)


async def test_a_waiting_poll_answers_with_the_change_that_commits(api: Api) -> None:
    await published(api.client)
    after = await _last_seq(api.client)
    poll = asyncio.create_task(
        api.client.get("/api/v1/orders/changes", params={"after": after, "wait": 30}, headers=AUDITOR)
    )
    await eventually(lambda: _parked(api), what="the poll waiting")
    order = await published(api.client)
    response = await asyncio.wait_for(poll, ANSWER_WITHIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["order_id"] for c in body["changes"]] == [order["id"]]
    assert body["last_seq"] > after
    assert response.headers["ETag"] == f'"{body["last_seq"]}"'


async def test_a_poll_with_changes_waiting_answers_at_once(api: Api) -> None:
    order = await published(api.client)
    response = await api.client.get("/api/v1/orders/changes", params={"after": 0, "wait": 30}, headers=AUDITOR)
    assert response.status_code == 200
    assert order["id"] in {c["order_id"] for c in response.json()["changes"]}


async def test_a_wait_that_ends_without_changes_answers_empty_or_not_modified(api: Api) -> None:
    after = await _last_seq(api.client)
    empty = await api.client.get("/api/v1/orders/changes", params={"after": after, "wait": 1}, headers=AUDITOR)
    assert empty.status_code == 200
    assert empty.json() == {"changes": [], "last_seq": after}
    unchanged = await api.client.get(
        "/api/v1/orders/changes",
        params={"after": after, "wait": 1},
        headers={**AUDITOR, "If-None-Match": f'"{after}"'},
    )
    assert unchanged.status_code == 304


async def test_a_suppliers_poll_is_not_woken_into_another_suppliers_change(api: Api) -> None:
    mine = uuid4()
    after = await _last_seq(api.client)
    poll = asyncio.create_task(
        api.client.get("/api/v1/orders/changes", params={"after": after, "wait": 30}, headers=supplier(mine))
    )
    await eventually(lambda: _parked(api), what="the supplier's poll waiting")
    await awarded(api.client, uuid4())  # another supplier's order: the poll goes back to waiting
    await eventually(lambda: _parked(api), what="the poll waiting again")
    assert not poll.done()
    own = await awarded(api.client, mine)
    response = await asyncio.wait_for(poll, ANSWER_WITHIN)
    assert {c["order_id"] for c in response.json()["changes"]} == {own["id"]}


@pytest.mark.parametrize("wait", [-1, 31, "soon"])
async def test_wait_is_0_to_30_seconds(sqlite_url: str, memory_url: str, wait: Any) -> None:
    async with running(orders_app(sqlite_url, memory_url)) as client:
        response = await client.get("/api/v1/orders/changes", params={"wait": wait}, headers=AUDITOR)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "wait"


async def test_a_replica_wakes_on_a_commit_of_another_replica(
    postgres_url: str, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two replicas on one PostgreSQL database: LISTEN/NOTIFY carries the commit across.

    The readers' own recheck is put beyond the wait, so only the notification can bring the change.
    """
    monkeypatch.setattr(commits, "RECHECK_SECONDS", 120.0)
    polled, written = orders_app(postgres_url, memory_url), orders_app(postgres_url, memory_url + "-b")
    async with running(polled) as reader, running(written) as writer:
        after = await _last_seq(reader)
        poll = asyncio.create_task(
            reader.get("/api/v1/orders/changes", params={"after": after, "wait": 30}, headers=AUDITOR)
        )
        await eventually(lambda: _parked(Api(polled, reader, memory_url)), what="the poll waiting")
        order = await published(writer)
        response = await asyncio.wait_for(poll, ANSWER_WITHIN)
    assert [c["order_id"] for c in response.json()["changes"]] == [order["id"]]
