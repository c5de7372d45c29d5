"""Idempotency keys are scoped to the caller's issuer, sub and supplier_id (contract section 10): one
caller never replays, blocks or learns of another's, even when two suppliers' tokens share a `sub`."""

from __future__ import annotations

import asyncio
from uuid import UUID

from tests.integration.edge.edge_app import Gate
from tests.integration.edge.edge_support import notes, rows, stored
from tests.support import assert_problem, auth

SUPPLIER_A = "5b0f0c4e-8f5e-4d2a-9d1e-2f7c4b8a9e01"
SUPPLIER_B = "9d7c2a10-3b4e-4f6a-8c2d-1e0f5a6b7c8d"
# The same sub on both, as `sdo token` minted for every supplier before it named the supplier.
A = auth("supplier", supplier_id=SUPPLIER_A, sub="supplier")
B = auth("supplier", supplier_id=SUPPLIER_B, sub="supplier")
BODY = {"text": "delivery slot request", "tags": ["logistics"]}


def keyed(headers: dict[str, str], key: str = "same-key") -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_two_suppliers_sending_the_same_key_path_and_body_get_their_own_answers(database_url: str) -> None:
    async with notes(database_url) as (app, client):
        first_a = await client.post("/api/v1/notes", json=BODY, headers=keyed(A))
        assert first_a.status_code == 201, first_a.text
        first_b = await client.post("/api/v1/notes", json=BODY, headers=keyed(B))
        assert first_b.status_code == 201, first_b.text
        assert "Idempotent-Replayed" not in first_b.headers, "B was given A's stored answer"
        assert first_b.json()["supplier_id"] == SUPPLIER_B and first_a.json()["supplier_id"] == SUPPLIER_A
        assert first_b.json()["id"] != first_a.json()["id"]
        # Each one's retry replays its own answer.
        again_a = await client.post("/api/v1/notes", json=BODY, headers=keyed(A))
        again_b = await client.post("/api/v1/notes", json=BODY, headers=keyed(B))
        assert again_a.headers["Idempotent-Replayed"] == again_b.headers["Idempotent-Replayed"] == "true"
        assert again_a.json() == first_a.json() and again_b.json() == first_b.json()
        assert await stored(app) == (2, 2, 2, 2)
        # Neither sees the other's note.
        listed_b = (await client.get("/api/v1/notes", headers=B)).json()["items"]
        assert [n["id"] for n in listed_b] == [first_b.json()["id"]]
        records = await rows(
            app, "SELECT issuer, principal, supplier_id, key FROM sdo_idempotency ORDER BY supplier_id"
        )
        assert records == [
            {"issuer": "sdo", "principal": "supplier", "supplier_id": SUPPLIER_A, "key": "same-key"},
            {"issuer": "sdo", "principal": "supplier", "supplier_id": SUPPLIER_B, "key": "same-key"},
        ]


async def test_another_callers_key_with_a_different_body_is_not_a_422(database_url: str) -> None:
    async with notes(database_url) as (app, client):
        assert (await client.post("/api/v1/notes", json=BODY, headers=keyed(A))).status_code == 201
        # Had the key been shared, B would learn that A used it (422 "already used").
        other = await client.post("/api/v1/notes", json={"text": "something else"}, headers=keyed(B))
        assert other.status_code == 201, other.text
        assert await stored(app) == (2, 2, 2, 2)


async def test_a_key_in_flight_blocks_only_its_own_caller(database_url: str) -> None:
    async with notes(database_url) as (app, client):
        app.state.gate = gate = Gate(UUID(SUPPLIER_A))
        first_a = asyncio.create_task(client.post("/api/v1/notes", json=BODY, headers=keyed(A)))
        await asyncio.wait_for(gate.entered.wait(), 5)
        # B, with the same key, path and body, while A's request runs. (On SQLite B's transaction
        # waits for A's to end, SQLite having one writer; on PostgreSQL it commits at once.)
        second_b = asyncio.create_task(client.post("/api/v1/notes", json=BODY, headers=keyed(B)))
        # A's own retry while the first is running: 409, as the contract says.
        assert_problem(await client.post("/api/v1/notes", json=BODY, headers=keyed(A)), 409)
        gate.release.set()
        a, b = await first_a, await second_b
        assert a.status_code == 201, a.text
        # Neither blocked (409) nor handed A's answer.
        assert b.status_code == 201, b.text
        assert "Idempotent-Replayed" not in b.headers and b.json()["supplier_id"] == SUPPLIER_B
        assert await stored(app) == (2, 2, 2, 2)


async def test_in_flight_across_replicas_is_scoped_too(postgres_url: str) -> None:
    async with notes(postgres_url) as (app_a, client_a), notes(postgres_url) as (_, client_b):
        app_a.state.gate = gate = Gate(UUID(SUPPLIER_A))
        first_a = asyncio.create_task(client_a.post("/api/v1/notes", json=BODY, headers=keyed(A)))
        await asyncio.wait_for(gate.entered.wait(), 5)
        # The other replica: A's same key is held by the advisory lock, B's is not.
        assert_problem(await client_b.post("/api/v1/notes", json=BODY, headers=keyed(A)), 409)
        b = await client_b.post("/api/v1/notes", json=BODY, headers=keyed(B))
        assert b.status_code == 201, b.text
        gate.release.set()
        assert (await first_a).status_code == 201
        assert await stored(app_a) == (2, 2, 2, 2)


async def test_the_issuer_is_part_of_the_caller(database_url: str) -> None:
    # The same database behind a service whose tokens now come from another issuer: the same sub,
    # key, path and body is another caller's request, not a replay of the first issuer's.
    async with notes(database_url) as (app, client):
        assert (await client.post("/api/v1/notes", json=BODY, headers=keyed(A))).status_code == 201
    async with notes(database_url, jwt_issuer="another-idp") as (app, client):
        from shared.auth import mint_token
        from tests.support import JWT_SECRET

        token = mint_token(JWT_SECRET, roles=["supplier"], sub="supplier", supplier_id=SUPPLIER_A, issuer="another-idp")
        other = await client.post("/api/v1/notes", json=BODY, headers=keyed({"Authorization": f"Bearer {token}"}))
        assert other.status_code == 201, other.text
        assert "Idempotent-Replayed" not in other.headers
        assert await stored(app) == (2, 2, 2, 2)
