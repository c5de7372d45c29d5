"""Single-row tampering is found by the chain itself; on PostgreSQL the log refuses UPDATE and DELETE
outright; checkpoints are published once per head and kept across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.orders.app import create_app as orders_app
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as quality_app
from services.quality.settings import QualitySettings
from shared.audit import entry_hash
from shared.events.types import EventType
from tests import support
from tests.integration.audit_anchoring.suite import AUDITOR, databases, rows, tamper
from tests.integration.orders.orders_helpers import MOD, spec
from tests.support import eventually, running

# Checkpoints only when a test asks for one (``publish_once``), never from the background task.
NEVER = 3600.0


def orders(database_url: str, bus_url: str, **settings: Any) -> FastAPI:
    values = {"audit_checkpoint_seconds": NEVER, **settings}
    return orders_app(
        OrdersSettings(database_url=database_url, amqp_url=bus_url, jwt_secret=support.JWT_SECRET, **values)
    )


async def create_orders(client: httpx.AsyncClient, n: int) -> None:
    for _ in range(n):
        assert (await client.post("/api/v1/orders", json=spec(), headers=MOD)).status_code == 201


async def verify(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/audit/verify", headers=AUDITOR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Each changes one entry's row, as someone with the database's superuser would.


async def _edit(app: FastAPI) -> None:
    await tamper(app, ("UPDATE sdo_audit_log SET actor = 'mallory' WHERE seq = 2", {}))


async def _delete(app: FastAPI) -> None:
    await tamper(app, ("DELETE FROM sdo_audit_log WHERE seq = 2", {}))


async def _insert(app: FastAPI) -> None:
    # Room after entry 2, and a well-formed entry 3 chained to it; the head counts it.
    second = (await rows(app, "SELECT * FROM sdo_audit_log WHERE seq = 2"))[0]
    forged = {**second, "seq": 3, "id": "00000000-0000-4000-8000-000000000003", "prev_hash": second["hash"]}
    forged["hash"] = entry_hash(forged)
    columns = ", ".join(forged)
    await tamper(
        app,
        *[("UPDATE sdo_audit_log SET seq = :new WHERE seq = :old", {"new": s + 1, "old": s}) for s in (4, 3)],
        (f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in forged)})", forged),
        ("UPDATE sdo_audit_head SET seq = seq + 1", {}),
    )


async def _swap(app: FastAPI) -> None:
    await tamper(
        app,
        ("UPDATE sdo_audit_log SET seq = -1 WHERE seq = 2", {}),
        ("UPDATE sdo_audit_log SET seq = 2 WHERE seq = 3", {}),
        ("UPDATE sdo_audit_log SET seq = 3 WHERE seq = -1", {}),
    )


# name: (tamper, the entry reported broken, entries that still verify before it)
TAMPERINGS: dict[str, tuple[Callable[[FastAPI], Awaitable[None]], int, int]] = {
    "edit": (_edit, 2, 1),
    "delete": (_delete, 3, 1),
    "insert": (_insert, 4, 3),
    "swap": (_swap, 2, 1),
}


async def _restore(app: FastAPI, log: list[dict[str, Any]], head: list[dict[str, Any]]) -> None:
    columns = ", ".join(log[0])
    head_columns = ", ".join(head[0])
    await tamper(
        app,
        ("DELETE FROM sdo_audit_log", {}),
        ("DELETE FROM sdo_audit_head", {}),
        *[(f"INSERT INTO sdo_audit_log ({columns}) VALUES ({', '.join(':' + c for c in row)})", row) for row in log],
        (f"INSERT INTO sdo_audit_head ({head_columns}) VALUES ({', '.join(':' + c for c in head[0])})", head[0]),
    )


async def test_each_single_row_tampering_is_found_at_the_entry_it_broke(database_url: str, memory_url: str) -> None:
    app = orders(database_url, memory_url)
    async with running(app) as client:
        await create_orders(client, 4)
        assert await verify(client) == {"valid": True, "entries": 4}
        log = await rows(app, "SELECT * FROM sdo_audit_log ORDER BY seq")
        head = await rows(app, "SELECT * FROM sdo_audit_head")
        found = {}
        for name, (change, seq, entries) in TAMPERINGS.items():
            await change(app)
            result = await verify(client)
            found[name] = result.get("broken_at", {}).get("seq")
            assert result["valid"] is False, (name, result)
            assert (result["broken_at"]["seq"], result["entries"]) == (seq, entries), (name, result)
            assert result["broken_at"]["reason"], name
            await _restore(app, log, head)
            assert await verify(client) == {"valid": True, "entries": 4}, name
        print(f"\nsingle_row_tampering[{_engine(app)}]: broken_at={found}")


async def test_on_postgres_the_audit_log_refuses_update_delete_and_truncate(postgres_url: str, memory_url: str) -> None:
    app = orders(postgres_url, memory_url)
    async with running(app) as client:
        await create_orders(client, 2)
        refused = []
        for sql in (
            "UPDATE sdo_audit_log SET actor = 'mallory' WHERE seq = 1",
            "DELETE FROM sdo_audit_log WHERE seq = 2",
            "TRUNCATE sdo_audit_log",
        ):
            with pytest.raises(DBAPIError, match="append-only") as raised:
                async with app.state.runtime.db.engine.begin() as conn:
                    await conn.execute(text(sql))
            refused.append(sql.split()[0])
            assert "refused" in str(raised.value)
        # The head row still moves: appends go on, and so does claiming a checkpoint.
        await create_orders(client, 1)
        assert await verify(client) == {"valid": True, "entries": 3}
        assert await app.state.runtime.bus.checkpoints.publish_once() is not None
        assert [r["actor"] for r in await rows(app, "SELECT actor FROM sdo_audit_log ORDER BY seq")] == [
            "mod_officer-user"
        ] * 3
        print(f"\nappend_only[postgres]: refused={refused} entries_after=3")


async def test_a_head_is_published_once_and_kept_by_the_others_across_restarts(
    database_url: str, memory_url: str
) -> None:
    async with databases(database_url, ["orders", "quality"]) as dbs:

        def both() -> tuple[FastAPI, FastAPI]:
            quality = quality_app(
                QualitySettings(
                    database_url=dbs["quality"], amqp_url=memory_url, jwt_secret=support.JWT_SECRET,
                    audit_checkpoint_seconds=NEVER,
                )
            )  # fmt: skip
            return orders(dbs["orders"], memory_url), quality

        first_orders, first_quality = both()
        async with running(first_quality) as quality_client, running(first_orders) as orders_client:
            await create_orders(orders_client, 2)
            publisher = first_orders.state.runtime.bus.checkpoints
            first = await publisher.publish_once()
            assert first is not None and first[0] == 2
            assert await publisher.publish_once() is None  # unchanged head: nothing new to anchor
            await eventually(lambda: _kept(quality_client, [2]), what="quality keeps the head")

        second_orders, second_quality = both()
        async with running(second_quality) as quality_client, running(second_orders) as orders_client:
            assert await _kept(quality_client, [2])  # kept in quality's database
            publisher = second_orders.state.runtime.bus.checkpoints
            assert await publisher.publish_once() is None  # published before the restart
            await create_orders(orders_client, 1)
            second = await publisher.publish_once()
            assert second is not None and second[0] == 3
            await eventually(lambda: _kept(quality_client, [2, 3]), what="quality keeps the new head")
            published = await rows(
                second_orders, "SELECT body FROM sdo_outbox WHERE event_type = :t", t=EventType.AUDIT_CHECKPOINT.value
            )
            kept = await _kept(quality_client, [2, 3])
            print(f"\ncheckpoints[{_engine(second_orders)}]: published={len(published)} kept_by_quality={kept}")
            assert len(published) == 2


async def _kept(client: httpx.AsyncClient, entries: list[int]) -> list[int] | None:
    response = await client.get("/api/v1/audit/checkpoints", params={"service": "orders"}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    found = [c["entries"] for c in response.json()["items"]]
    return found if found == entries else None


def _engine(app: FastAPI) -> str:
    return "postgres" if app.state.runtime.db.is_postgres else "sqlite"
