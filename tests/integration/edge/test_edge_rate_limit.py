"""Rate limit: per caller (a verified token's issuer, sub and supplier) or per client address without one;
off by default; over it a 429 problem+json with Retry-After, and nothing of the request is applied.

Limits are per hour so that no window can pass during a test: nothing here depends on timing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.integration.edge.edge_app import NoteSettings
from tests.integration.edge.edge_support import client_from, notes, stored
from tests.support import assert_problem, auth

SUPPLIER_A = "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01"
SUPPLIER_B = "9d7c2a10-3b4e-4f6a-8c2d-1e0f5a6b7c8d"


def _assert_rate_limited(response, limit: str = "3 per 1 hour") -> dict:  # type: ignore[no-untyped-def]
    body = assert_problem(response, 429)
    assert body["type"] == "urn:sdo:problem:rate-limited"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600 and body["retry_after"] == retry_after
    assert limit in body["detail"]
    return body


async def test_without_a_configured_limit_nothing_is_limited(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (app, client):
        assert app.state.runtime.settings.rate_limit is None
        officer = auth("mod_officer")
        for _ in range(40):
            assert (await client.get("/api/v1/notes", headers=officer)).status_code == 200


async def test_a_caller_over_the_limit_gets_429_with_retry_after_and_others_do_not(sqlite_url: str) -> None:
    async with notes(sqlite_url, rate_limit="3/hour") as (_, client):
        me, other = auth("mod_officer", sub="officer-a"), auth("mod_officer", sub="officer-b")
        for _ in range(3):
            assert (await client.get("/api/v1/notes", headers=me)).status_code == 200
        limited = await client.get("/api/v1/notes", headers=me)
        _assert_rate_limited(limited)
        assert limited.headers["x-request-id"] and limited.headers["cache-control"] == "no-store"
        # Any route, any method: the caller is limited, not the path.
        _assert_rate_limited(await client.post("/api/v1/notes", json={"text": "t"}, headers=me))
        assert (await client.get("/api/v1/notes", headers=other)).status_code == 200
        # Probes are never limited.
        for _ in range(5):
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200


async def test_two_suppliers_sharing_a_sub_are_two_callers(sqlite_url: str) -> None:
    async with notes(sqlite_url, rate_limit="2/hour") as (_, client):
        a = auth("supplier", supplier_id=SUPPLIER_A, sub="shared-sub")
        b = auth("supplier", supplier_id=SUPPLIER_B, sub="shared-sub")
        for _ in range(2):
            assert (await client.get("/api/v1/notes", headers=a)).status_code == 200
        _assert_rate_limited(await client.get("/api/v1/notes", headers=a), "2 per 1 hour")
        assert (await client.get("/api/v1/notes", headers=b)).status_code == 200


async def test_requests_without_a_valid_token_are_counted_by_client_address(sqlite_url: str) -> None:
    async with notes(sqlite_url, rate_limit="3/hour") as (app, _):
        async with client_from(app, "198.51.100.7") as first, client_from(app, "198.51.100.8") as second:
            for headers in ({}, {"Authorization": "Bearer forged"}, {}):
                assert_problem(await first.get("/api/v1/notes", headers=headers), 401)
            _assert_rate_limited(await first.get("/api/v1/notes"))
            _assert_rate_limited(await first.get("/api/v1/notes", headers={"Authorization": "Bearer forged"}))
            assert_problem(await second.get("/api/v1/notes"), 401)
            # A valid token is its own caller, whatever address it comes from.
            assert (await first.get("/api/v1/notes", headers=auth("auditor"))).status_code == 200


async def test_a_limited_request_changes_nothing(database_url: str) -> None:
    async with notes(database_url, rate_limit="1/hour") as (app, client):
        writer = auth("supplier", supplier_id=SUPPLIER_A)
        first = await client.post("/api/v1/notes", json={"text": "one"}, headers={**writer, "Idempotency-Key": "k1"})
        assert first.status_code == 201, first.text
        before = await stored(app)
        again = await client.post("/api/v1/notes", json={"text": "two"}, headers={**writer, "Idempotency-Key": "k2"})
        _assert_rate_limited(again, "1 per 1 hour")
        assert await stored(app) == before == (1, 1, 1, 1)


async def test_several_limits_apply_together(sqlite_url: str) -> None:
    async with notes(sqlite_url, rate_limit="100/second;2/hour") as (_, client):
        officer = auth("mod_officer")
        for _ in range(2):
            assert (await client.get("/api/v1/notes", headers=officer)).status_code == 200
        _assert_rate_limited(await client.get("/api/v1/notes", headers=officer), "2 per 1 hour")


async def test_the_document_declares_429_on_api_operations(sqlite_url: str) -> None:
    async with notes(sqlite_url) as (_, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        limited = paths["/api/v1/notes"]["get"]["responses"]["429"]
        assert "application/problem+json" in limited["content"] and "Retry-After" in limited["headers"]
        assert "429" not in paths["/healthz"]["get"]["responses"]


@pytest.mark.parametrize("value", ["fast", "5", "0/second", "-1/hour", "10/fortnight"])
def test_a_limit_that_does_not_parse_stops_the_service_at_configuration(value: str) -> None:
    with pytest.raises(ValidationError, match="rate limit"):
        NoteSettings(rate_limit=value)


@pytest.mark.parametrize("value", ["100/second", "1000 per hour", "20/second;1000/hour"])
def test_limits_are_written_as_count_per_period(value: str) -> None:
    assert NoteSettings(rate_limit=value).rate_limit == value
    assert NoteSettings(rate_limit="  ").rate_limit is None
