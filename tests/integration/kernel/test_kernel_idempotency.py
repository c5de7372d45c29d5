"""Idempotency-Key: replay, 422 on a different body, 409 while in flight, scoped per caller."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from tests.integration.kernel.kernel_app import Gate
from tests.integration.kernel.kernel_support import execute, scalar, widgets
from tests.support import assert_problem, auth

OFFICER = auth("mod_officer", sub="officer-a")


def keyed(key: str, headers: dict[str, str] = OFFICER) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def counts(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        await scalar(app, "SELECT count(*) FROM widgets"),
        await scalar(app, "SELECT count(*) FROM sdo_outbox"),
        await scalar(app, "SELECT count(*) FROM sdo_audit_log"),
    )


async def test_the_same_key_and_body_replays_the_first_response_once(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        body = {"name": "replayed", "size": 3, "parts": [{"code": "a", "qty": 1}]}
        first = await client.post("/api/v1/widgets", json=body, headers=keyed("key-1"))
        assert first.status_code == 201, first.text
        assert "Idempotent-Replayed" not in first.headers
        # Same JSON, keys in another order: the same request.
        reordered = {"parts": [{"qty": 1, "code": "a"}], "size": 3, "name": "replayed"}
        again = await client.post("/api/v1/widgets", json=reordered, headers=keyed("key-1"))
        assert again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert again.headers["Location"] == first.headers["Location"] == f"/api/v1/widgets/{first.json()['id']}"
        assert again.headers["ETag"] == first.headers["ETag"] == '"1"'
        assert again.headers["content-type"] == "application/json"
        assert await counts(app) == (1, 1, 1)


async def test_the_same_key_with_a_different_body_is_422_and_changes_nothing(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        await client.post("/api/v1/widgets", json={"name": "one", "size": 1}, headers=keyed("key-2"))
        response = await client.post("/api/v1/widgets", json={"name": "two", "size": 1}, headers=keyed("key-2"))
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["field"] == "Idempotency-Key"
        other_path = await client.post(
            f"/api/v1/widgets/{uuid4()}/rename", json={"name": "one", "size": 1}, headers=keyed("key-2")
        )
        assert_problem(other_path, 422)
        assert await counts(app) == (1, 1, 1)


async def test_the_same_key_while_the_first_is_in_flight_is_409(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        app.state.gate = gate = Gate()
        body = {"name": "slow", "size": 1}
        first = asyncio.create_task(client.post("/api/v1/widgets", json=body, headers=keyed("key-3")))
        await asyncio.wait_for(gate.entered.wait(), 5)
        second = await client.post("/api/v1/widgets", json=body, headers=keyed("key-3"))
        problem = assert_problem(second, 409)
        assert "in flight" in problem["detail"] or "still being processed" in problem["detail"]
        assert second.headers["Retry-After"]
        gate.release.set()
        assert (await first).status_code == 201
        app.state.gate = None
        third = await client.post("/api/v1/widgets", json=body, headers=keyed("key-3"))
        assert third.status_code == 201 and third.headers["Idempotent-Replayed"] == "true"
        assert await counts(app) == (1, 1, 1)


async def test_in_flight_holds_across_replicas_on_postgres(postgres_url: str) -> None:
    # Two replicas of the service on one database: the in-process set cannot see the other replica.
    async with widgets(postgres_url) as (app_a, client_a), widgets(postgres_url) as (_, client_b):
        app_a.state.gate = gate = Gate()
        body = {"name": "replicated", "size": 1}
        first = asyncio.create_task(client_a.post("/api/v1/widgets", json=body, headers=keyed("key-r")))
        await asyncio.wait_for(gate.entered.wait(), 5)
        assert_problem(await client_b.post("/api/v1/widgets", json=body, headers=keyed("key-r")), 409)
        gate.release.set()
        assert (await first).status_code == 201
        replay = await client_b.post("/api/v1/widgets", json=body, headers=keyed("key-r"))
        assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
        assert await counts(app_a) == (1, 1, 1)


async def test_keys_are_scoped_to_the_caller(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        mine = await client.post("/api/v1/widgets", json={"name": "mine", "size": 1}, headers=keyed("shared"))
        other = auth("mod_officer", sub="officer-b")
        theirs_body = {"name": "theirs", "size": 2}
        theirs = await client.post("/api/v1/widgets", json=theirs_body, headers=keyed("shared", other))
        assert theirs.status_code == 201, theirs.text
        assert "Idempotent-Replayed" not in theirs.headers
        assert theirs.json()["id"] != mine.json()["id"]
        # The same body under the other caller is a new request too: it meets the name conflict.
        assert_problem(
            await client.post("/api/v1/widgets", json={"name": "mine", "size": 1}, headers=keyed("again", other)), 409
        )
        assert await counts(app) == (2, 2, 2)


async def test_a_failed_request_is_not_stored(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        await client.post("/api/v1/widgets", json={"name": "taken", "size": 1}, headers=OFFICER)
        conflict = await client.post("/api/v1/widgets", json={"name": "taken", "size": 1}, headers=keyed("key-4"))
        assert_problem(conflict, 409)
        assert await scalar(app, "SELECT count(*) FROM sdo_idempotency") == 0
        # Not a 422 "different body": the key was never used for a stored response.
        fixed = await client.post("/api/v1/widgets", json={"name": "free", "size": 1}, headers=keyed("key-4"))
        assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
        widget = fixed.json()
        stale = await client.post(
            f"/api/v1/widgets/{widget['id']}/rename",
            json={"name": "renamed"},
            headers={**keyed("key-5"), "If-Match": '"9"'},
        )
        assert_problem(stale, 412)
        ok = await client.post(
            f"/api/v1/widgets/{widget['id']}/rename",
            json={"name": "renamed"},
            headers={**keyed("key-5"), "If-Match": '"1"'},
        )
        assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'


async def test_an_expired_key_is_forgotten(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        await client.post("/api/v1/widgets", json={"name": "old", "size": 1}, headers=keyed("key-6"))
        assert await scalar(app, "SELECT count(*) FROM sdo_idempotency WHERE key = 'key-6'") == 1
        await execute(app, "UPDATE sdo_idempotency SET expires_at = created_at")
        reused = await client.post("/api/v1/widgets", json={"name": "new", "size": 1}, headers=keyed("key-6"))
        assert reused.status_code == 201, reused.text
        assert "Idempotent-Replayed" not in reused.headers
        assert await scalar(app, "SELECT count(*) FROM sdo_idempotency") == 1


async def test_expired_records_of_a_caller_are_purged_as_it_stores_new_ones(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        other = auth("mod_officer", sub="officer-b")
        for n, headers in enumerate((OFFICER, OFFICER, other)):
            await client.post("/api/v1/widgets", json={"name": f"p{n}", "size": 1}, headers=keyed(f"old-{n}", headers))
        await execute(app, "UPDATE sdo_idempotency SET expires_at = created_at")
        await client.post("/api/v1/widgets", json={"name": "fresh", "size": 1}, headers=keyed("new"))
        kept = await scalar(app, "SELECT count(*) FROM sdo_idempotency WHERE principal = 'officer-a'")
        assert kept == 1
        assert await scalar(app, "SELECT count(*) FROM sdo_idempotency WHERE principal = 'officer-b'") == 1


async def test_records_are_kept_for_24_hours(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (app, client):
        await client.post("/api/v1/widgets", json={"name": "kept", "size": 1}, headers=keyed("key-7"))
        async with app.state.runtime.db.connect() as conn:
            from sqlalchemy import select

            from shared.http.idempotency import idempotency_keys

            row = (await conn.execute(select(idempotency_keys))).mappings().one()
        kept = row["expires_at"] - row["created_at"]
        assert kept.total_seconds() == pytest.approx(24 * 3600)
