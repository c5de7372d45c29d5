"""Body limit: a body over SDO_MAX_BODY_BYTES answers 413 before it is parsed or its caller authenticated,
whether its size is announced (Content-Length) or streamed (chunked); nothing of it is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from tests.integration.edge.edge_support import RawCall, notes, stored
from tests.support import assert_problem, auth

SUPPLIER_ID = "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01"
WRITER = auth("supplier", supplier_id=SUPPLIER_ID)
MIB = 1024 * 1024


def _assert_too_large(body: dict, limit: int) -> None:
    assert body["type"] == "urn:sdo:problem:payload-too-large", body
    assert body["status"] == 413 and body["max_bytes"] == limit
    assert str(limit) in body["detail"]


def _exactly(size: int) -> bytes:
    """A valid note body of exactly ``size`` bytes (JSON whitespace pads it)."""
    body = orjson.dumps({"text": "padded", "tags": ["edge"]})
    assert len(body) <= size
    return body[:-1] + b" " * (size - len(body)) + b"}"


@pytest.mark.parametrize("token", [None, "Bearer not-a-token", WRITER["Authorization"]], ids=["anonymous", "bad", "ok"])
async def test_an_announced_oversized_body_is_refused_without_reading_it(sqlite_url: str, token: str | None) -> None:
    async with notes(sqlite_url) as (app, _):
        headers = [(b"content-type", b"application/json"), (b"content-length", str(MIB + 1).encode())]
        if token:
            headers.append((b"authorization", token.encode()))
        call = await RawCall("POST", "/api/v1/notes", headers, [b"{" * 1024] * 4)(app)
        assert call.reads == 0, "the body was read"
        assert call.status == 413
        assert call.headers["content-type"].startswith("application/problem+json")
        assert call.headers["connection"] == "close"
        assert call.headers["x-request-id"] and call.headers["x-content-type-options"] == "nosniff"
        assert "www-authenticate" not in call.headers  # refused before anyone looked at the token
        _assert_too_large(orjson.loads(call.body), MIB)
        assert await stored(app) == (0, 0, 0, 0)


async def test_the_default_limit_is_one_mebibyte(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (app, client):
        assert app.state.runtime.settings.max_body_bytes == MIB
        over = await client.post("/api/v1/notes", content=b" " * (MIB + 1), headers=WRITER)
        _assert_too_large(assert_problem(over, 413), MIB)


async def test_a_streamed_body_is_refused_once_it_passes_the_limit_and_read_no_further(database_url: str) -> None:
    limit, chunk = 64 * 1024, 8 * 1024
    produced = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal produced
        yield b'{"text": "'
        for _ in range(1000):  # 8 MB if anyone read it all
            produced += 1
            yield b"x" * chunk

    async with notes(database_url, max_body_bytes=limit) as (app, client):
        for headers in ({}, WRITER):
            produced = 0
            response = await client.post(
                "/api/v1/notes", content=body(), headers={**headers, "Content-Type": "application/json"}
            )
            assert "content-length" not in response.request.headers
            assert response.request.headers["transfer-encoding"] == "chunked"
            _assert_too_large(assert_problem(response, 413), limit)
            assert response.headers["connection"] == "close"
            # Reading stopped at the first chunk past the limit: the opening 10 bytes and 8 chunks of 8 KiB.
            assert produced == limit // chunk, produced
        assert await stored(app) == (0, 0, 0, 0)
        listed = await client.get("/api/v1/notes", headers=WRITER)
        assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_body_at_the_limit_is_handled_as_usual_and_one_byte_more_is_not(database_url: str) -> None:
    limit = 2000
    async with notes(database_url, max_body_bytes=limit) as (app, client):
        headers = {**WRITER, "Content-Type": "application/json", "Idempotency-Key": "at-limit"}
        over = await client.post("/api/v1/notes", content=_exactly(limit + 1), headers=headers)
        _assert_too_large(assert_problem(over, 413), limit)
        assert await stored(app) == (0, 0, 0, 0)
        # The refused request left no trace of its key: the same key with a body at the limit is new.
        at = await client.post("/api/v1/notes", content=_exactly(limit), headers=headers)
        assert at.status_code == 201, at.text
        assert "Idempotent-Replayed" not in at.headers
        assert await stored(app) == (1, 1, 1, 1)

        async def streamed(size: int) -> AsyncIterator[bytes]:
            data = _exactly(size)
            for start in range(0, len(data), 300):
                yield data[start : start + 300]

        chunked = await client.post(
            "/api/v1/notes", content=streamed(limit), headers={**WRITER, "Content-Type": "application/json"}
        )
        assert chunked.status_code == 201, chunked.text
        assert len((await client.get("/api/v1/notes", headers=WRITER)).json()["items"]) == 2


async def test_an_oversized_body_on_a_route_that_reads_none_is_refused_too(sqlite_url: str) -> None:
    async with notes(sqlite_url, max_body_bytes=100) as (_, client):
        response = await client.request("GET", "/api/v1/notes", content=b"x" * 101, headers=WRITER)
        _assert_too_large(assert_problem(response, 413), 100)
        unknown = await client.post("/api/v1/nowhere", content=b"x" * 101)
        assert_problem(unknown, 413)


async def test_the_document_declares_413_on_every_operation_with_a_body(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (_, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        too_large = paths["/api/v1/notes"]["post"]["responses"]["413"]
        assert "application/problem+json" in too_large["content"]
        assert "413" not in paths["/api/v1/notes"]["get"]["responses"]
