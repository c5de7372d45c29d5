"""Cursor pages: limit <= 500, forged cursors are 422 (never 500), a walk returns every row once."""

from __future__ import annotations

import base64
import random

import httpx
import orjson
import pytest

from shared.http.pagination import encode_cursor
from tests.integration.kernel.kernel_support import widgets
from tests.support import assert_problem, auth

OFFICER = auth("mod_officer")
AUDITOR = auth("auditor")


async def walk(client: httpx.AsyncClient, url: str, limit: int) -> tuple[list[dict], int]:
    items: list[dict] = []
    pages, cursor = 0, None
    while True:
        params: dict = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(url, params=params, headers=AUDITOR)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


async def test_walking_every_page_returns_every_row_once_in_order(database_url: str) -> None:
    names = [f"w-{n:02d}" for n in range(11)]
    random.Random(7).shuffle(names)
    async with widgets(database_url) as (_, client):
        for name in names:
            assert (await client.post("/api/v1/widgets", json={"name": name, "size": 1}, headers=OFFICER)).is_success
        for limit in (1, 3, 11, 500):
            items, pages = await walk(client, "/api/v1/widgets", limit)
            assert [w["name"] for w in items] == sorted(names), limit
            # A full last page cannot know nothing follows, so it may take one empty page more.
            assert -(-11 // limit) <= pages <= -(-11 // limit) + 1, (limit, pages)
        default = (await client.get("/api/v1/widgets", headers=AUDITOR)).json()
        assert len(default["items"]) == 11 and default["next_cursor"] is None
        audit, _ = await walk(client, "/api/v1/audit", 4)
        assert [e["seq"] for e in audit] == list(range(1, 12))


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("!!!", id="not-base64"),
        pytest.param("a", id="truncated"),
        pytest.param(_raw(b"not json"), id="not-json"),
        pytest.param(_raw(b'{"a": 1}'), id="not-a-list"),
        pytest.param(encode_cursor(["only-one-part"]), id="wrong-length"),
        pytest.param(encode_cursor([1, 2]), id="wrong-types"),
        pytest.param(encode_cursor(["x", "not-a-uuid"]), id="bad-uuid"),
        pytest.param(encode_cursor(["x\x00y", "5b1f1c1e-0000-4000-8000-000000000001"]), id="nul-in-text"),
        pytest.param(encode_cursor([None, None]), id="nulls"),
    ],
)
async def test_a_forged_widget_cursor_is_422(client_on_each_engine: httpx.AsyncClient, cursor: str) -> None:
    response = await client_on_each_engine.get("/api/v1/widgets", params={"cursor": cursor}, headers=AUDITOR)
    problem = assert_problem(response, 422)
    assert problem["errors"] == [{"field": "cursor", "message": "not a cursor this API issued"}]


@pytest.mark.parametrize(
    "cursor",
    [_raw(b"[18446744073709551615]"), _raw(b"[-9223372036854775809]"), encode_cursor(["1"]), encode_cursor([1.5])],
    ids=["above-int64", "below-int64", "string", "float"],
)
async def test_a_forged_audit_cursor_is_422(client_on_each_engine: httpx.AsyncClient, cursor: str) -> None:
    response = await client_on_each_engine.get("/api/v1/audit", params={"cursor": cursor}, headers=AUDITOR)
    assert_problem(response, 422)


@pytest.mark.parametrize("limit", ["0", "-1", "501", "100000", "ten", "1.5"])
async def test_a_limit_outside_1_to_500_is_422(client: httpx.AsyncClient, limit: str) -> None:
    for url in ("/api/v1/widgets", "/api/v1/audit"):
        problem = assert_problem(await client.get(url, params={"limit": limit}, headers=AUDITOR), 422)
        assert problem["errors"][0]["field"] == "limit"


async def test_a_nul_in_a_query_filter_is_not_a_500(client_on_each_engine: httpx.AsyncClient) -> None:
    response = await client_on_each_engine.get("/api/v1/audit", params={"resource_id": "a\x00b"}, headers=AUDITOR)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert_problem(response, 422)


def test_cursors_are_opaque() -> None:
    cursor = encode_cursor(["name", "5b1f1c1e-0000-4000-8000-000000000001"])
    assert "/" not in cursor and "+" not in cursor and "=" not in cursor
    assert orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0] == "name"
