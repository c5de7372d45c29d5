"""The audit log: hash-chained, verifiable, and any edit behind the API's back is detected."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from shared.audit import entry_hash
from tests.integration.kernel.kernel_support import execute, rows, widgets
from tests.support import assert_problem, auth

OFFICER = auth("mod_officer")
AUDITOR = auth("auditor")


async def make_history(client: httpx.AsyncClient) -> list[dict]:
    """Four widgets and a rename: five entries."""
    created = []
    for name in ("alpha", "bravo", "charlie", "delta"):
        response = await client.post("/api/v1/widgets", json={"name": name, "size": 1}, headers=OFFICER)
        assert response.status_code == 201, response.text
        created.append(response.json())
    renamed = await client.post(f"/api/v1/widgets/{created[1]['id']}/rename", json={"name": "b2"}, headers=OFFICER)
    assert renamed.status_code == 200
    return created


async def verify(client: httpx.AsyncClient) -> dict:
    response = await client.get("/api/v1/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_chain_verifies_and_entries_are_filtered_by_resource(database_url: str) -> None:
    async with widgets(database_url) as (_, client):
        assert await verify(client) == {"valid": True, "entries": 0}
        created = await make_history(client)
        assert await verify(client) == {"valid": True, "entries": 5}

        bravo = created[1]["id"]
        page = (await client.get("/api/v1/audit", params={"resource_id": bravo}, headers=AUDITOR)).json()
        assert [e["action"] for e in page["items"]] == ["widget.created", "widget.renamed"]
        assert all(e["resource_id"] == bravo and e["resource_type"] == "widget" for e in page["items"])
        assert page["items"][1]["details"] == {"from": "bravo", "to": "b2"}
        assert page["items"][1]["actor"] == "mod_officer-user"

        everything = (await client.get("/api/v1/audit", headers=auth("integration"))).json()["items"]
        assert [e["seq"] for e in everything] == [1, 2, 3, 4, 5]
        assert everything[0]["prev_hash"] == "0" * 64
        assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(everything))
        none = (await client.get("/api/v1/audit", params={"resource_id": "nothing"}, headers=AUDITOR)).json()
        assert none == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("role", ["mod_officer", "mic_officer", "quality_inspector", "supplier"])
async def test_only_auditors_and_integrations_read_the_log(sqlite_url: str, role: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        headers = auth(role, supplier_id="5b1f1c1e-0000-4000-8000-000000000001" if role == "supplier" else None)
        assert_problem(await client.get("/api/v1/audit", headers=headers), 403)
        assert_problem(await client.get("/api/v1/audit/verify", headers=headers), 403)
        assert_problem(await client.get("/api/v1/audit/verify"), 401)


async def test_the_log_cannot_be_changed_through_the_api(sqlite_url: str) -> None:
    async with widgets(sqlite_url) as (_, client):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert_problem(await client.request(method, "/api/v1/audit", headers=AUDITOR), 405)


# Each tamper edits the tables directly, as someone with database access would.


async def _edit(app: FastAPI) -> int:
    await execute(app, "UPDATE sdo_audit_log SET actor = 'mallory' WHERE seq = 2")
    return 2


async def _edit_details(app: FastAPI) -> int:
    await execute(app, "UPDATE sdo_audit_log SET details = :details WHERE seq = 3", details='{"name":"evil","size":1}')
    return 3


async def _delete(app: FastAPI) -> int:
    await execute(app, "DELETE FROM sdo_audit_log WHERE seq = 2")
    return 3


async def _delete_and_renumber(app: FastAPI) -> int:
    # Hide the gap: delete entry 2 and move the later ones down.
    await execute(app, "DELETE FROM sdo_audit_log WHERE seq = 2")
    for seq in (3, 4, 5):
        await execute(app, "UPDATE sdo_audit_log SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    await execute(app, "UPDATE sdo_audit_head SET seq = 4")
    return 2


async def _insert_in_the_middle(app: FastAPI) -> int:
    # Make room after entry 2 and forge a well-formed entry 3 chained to it.
    for seq in (5, 4, 3):
        await execute(app, "UPDATE sdo_audit_log SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    second = (await rows(app, "SELECT * FROM sdo_audit_log WHERE seq = 2"))[0]
    forged = {**second, "seq": 3, "id": "00000000-0000-4000-8000-000000000003", "prev_hash": second["hash"]}
    forged["hash"] = entry_hash(forged)
    columns = ", ".join(forged)
    await execute(app, f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in forged)})", **forged)
    await execute(app, "UPDATE sdo_audit_head SET seq = 6")
    return 4


async def _append_forged(app: FastAPI) -> int:
    # A perfectly chained entry after the last one; only the head can tell.
    last = (await rows(app, "SELECT * FROM sdo_audit_log WHERE seq = 5"))[0]
    forged = {**last, "seq": 6, "id": "00000000-0000-4000-8000-000000000006", "prev_hash": last["hash"]}
    forged["hash"] = entry_hash(forged)
    columns = ", ".join(forged)
    await execute(app, f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in forged)})", **forged)
    return 6


async def _swap(app: FastAPI) -> int:
    await execute(app, "UPDATE sdo_audit_log SET seq = -1 WHERE seq = 2")
    await execute(app, "UPDATE sdo_audit_log SET seq = 2 WHERE seq = 3")
    await execute(app, "UPDATE sdo_audit_log SET seq = 3 WHERE seq = -1")
    return 2


async def _swap_contents(app: FastAPI) -> int:
    # Exchange what two entries say while keeping their positions and hashes.
    a, b = await rows(app, "SELECT seq, actor, action, details FROM sdo_audit_log WHERE seq IN (2, 5) ORDER BY seq")
    for target, source in ((a, b), (b, a)):
        await execute(
            app,
            "UPDATE sdo_audit_log SET action = :action, details = :details WHERE seq = :seq",
            action=source["action"],
            details=source["details"],
            seq=target["seq"],
        )
    return 2


async def _truncate_tail(app: FastAPI) -> int:
    await execute(app, "DELETE FROM sdo_audit_log WHERE seq >= 4")
    return 4


async def _prepend(app: FastAPI) -> int:
    first = (await rows(app, "SELECT * FROM sdo_audit_log WHERE seq = 1"))[0]
    forged = {**first, "seq": 0, "id": "00000000-0000-4000-8000-000000000000"}
    columns = ", ".join(forged)
    await execute(app, f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in forged)})", **forged)
    return 0


async def _drop_head(app: FastAPI) -> int:
    await execute(app, "DELETE FROM sdo_audit_head")
    return 1


# name: (tamper, seq of the first entry reported broken, entries that still verify before it)
TAMPERS: dict[str, tuple[Callable[[FastAPI], Awaitable[int]], int, int]] = {
    "edited": (_edit, 2, 1),
    "edited-details": (_edit_details, 3, 2),
    "deleted": (_delete, 3, 1),
    "deleted-and-renumbered": (_delete_and_renumber, 2, 1),
    "inserted": (_insert_in_the_middle, 4, 3),
    "appended": (_append_forged, 6, 5),
    "prepended": (_prepend, 0, 0),
    "swapped": (_swap, 2, 1),
    "contents-swapped": (_swap_contents, 2, 1),
    "truncated-tail": (_truncate_tail, 4, 3),
    "head-removed": (_drop_head, 1, 0),
}


async def _restore(app: FastAPI, log: list[dict], head: list[dict]) -> None:
    await execute(app, "DELETE FROM sdo_audit_log")
    await execute(app, "DELETE FROM sdo_audit_head")
    columns = ", ".join(log[0])
    for row in log:
        await execute(app, f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in row)})", **row)
    await execute(app, "INSERT INTO sdo_audit_head (id, seq, hash) VALUES (:id, :seq, :hash)", **head[0])


async def test_tampering_is_detected_at_the_first_broken_entry(database_url: str) -> None:
    async with widgets(database_url) as (app, client):
        await make_history(client)
        log = await rows(app, "SELECT * FROM sdo_audit_log ORDER BY seq")
        head = await rows(app, "SELECT * FROM sdo_audit_head")
        for name, (change, seq, entries) in TAMPERS.items():
            await change(app)
            result = await verify(client)
            assert result["valid"] is False, (name, result)
            assert result["broken_at"]["seq"] == seq, (name, result)
            assert result["entries"] == entries, (name, result)
            assert result["broken_at"]["reason"], name
            await _restore(app, log, head)
            assert await verify(client) == {"valid": True, "entries": 5}, name


async def test_verification_under_concurrent_writes_never_reports_a_false_break(postgres_url: str) -> None:
    async with widgets(postgres_url) as (_, client):

        async def write(n: int) -> None:
            response = await client.post("/api/v1/widgets", json={"name": f"c-{n}", "size": 1}, headers=OFFICER)
            assert response.status_code == 201

        async def check() -> list[dict]:
            return [await verify(client) for _ in range(15)]

        results = await asyncio.gather(check(), *(write(n) for n in range(40)), check())
        for result in results[0] + results[-1]:
            assert result["valid"] is True, result
        assert await verify(client) == {"valid": True, "entries": 40}
