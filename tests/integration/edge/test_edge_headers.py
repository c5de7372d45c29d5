"""Security headers: `X-Content-Type-Options: nosniff` on every answer, errors and 500s included;
`Cache-Control: no-store` on every /api/ answer and on nothing else (docs assets stay cacheable)."""

from __future__ import annotations

import httpx

from tests.integration.edge.edge_support import notes
from tests.support import auth

OFFICER = auth("mod_officer")


async def test_every_api_answer_is_nosniff_and_no_store(sqlite_url: str) -> None:
    async with notes(sqlite_url, max_body_bytes=500, rate_limit="50/hour") as (_, client):
        answers: list[httpx.Response] = [
            await client.get("/api/v1/notes", headers=OFFICER),  # 200
            await client.post("/api/v1/notes", json={"text": "n"}, headers=OFFICER),  # 201
            await client.get("/api/v1/notes"),  # 401
            await client.post("/api/v1/notes", json={"text": "n"}, headers=auth("auditor")),  # 403
            await client.get("/api/v1/nowhere", headers=OFFICER),  # 404
            await client.delete("/api/v1/notes", headers=OFFICER),  # 405
            await client.post("/api/v1/notes", json={"text": ""}, headers=OFFICER),  # 422
            await client.post("/api/v1/notes", content=b"x" * 501, headers=OFFICER),  # 413
            await client.get("/api/v1/notes-boom", headers=OFFICER),  # 500
            await client.get("/api/v1/audit", headers=auth("auditor")),
        ]
        statuses = [a.status_code for a in answers]
        assert statuses == [200, 201, 401, 403, 404, 405, 422, 413, 500, 200], statuses
        for answer in answers:
            where = f"{answer.request.method} {answer.request.url.path} -> {answer.status_code}"
            assert answer.headers["x-content-type-options"] == "nosniff", where
            assert answer.headers["cache-control"] == "no-store", where
            assert answer.headers["x-request-id"], where


async def test_a_429_carries_the_headers_too(sqlite_url: str) -> None:
    async with notes(sqlite_url, rate_limit="1/hour") as (_, client):
        await client.get("/api/v1/notes", headers=OFFICER)
        limited = await client.get("/api/v1/notes", headers=OFFICER)
        assert limited.status_code == 429
        assert limited.headers["x-content-type-options"] == "nosniff"
        assert limited.headers["cache-control"] == "no-store"


async def test_other_answers_are_nosniff_and_keep_their_own_caching(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (_, client):
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc", "/static/swagger-ui.css"):
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert "no-store" not in answer.headers.get("cache-control", ""), path
        asset = await client.get("/static/swagger-ui.css")
        assert asset.headers["cache-control"] == "public, max-age=86400"
        # A path that only looks like the API is not the API.
        assert "cache-control" not in (await client.get("/apiary")).headers
