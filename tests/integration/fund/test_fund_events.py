"""The fund on the bus (in-process): what it learns of enterprises, applied once, and what it announces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from fastapi import FastAPI
from fund_fixtures import AUDITOR, MOD, OFFICER, announce, approved, consumed, enterprise, known_as, ok, submitted

from shared.events.types import EventType
from tests.support import EventTap, eventually


async def test_the_registry_s_announcements_are_kept_once_each_and_a_late_older_one_is_ignored(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    enterprise_id = uuid4()
    registered_at = datetime.now(UTC) - timedelta(minutes=5)
    event_id = await announce(app, enterprise_id, "pending", time=registered_at)
    first = await known_as(client, enterprise_id, "pending")
    assert (first["event_id"], first["version"]) == (event_id, 1)

    # The same event again (a relay that died before marking it sent), and a later verification.
    await announce(app, enterprise_id, "pending", id=event_id, time=registered_at)
    await eventually(
        lambda: _at_least(client, EventType.SUPPLIER_STATUS_CHANGED, "duplicate", 1), what="the copy skipped"
    )
    verified = await announce(app, enterprise_id, "active", "pending")
    assert (await known_as(client, enterprise_id, "active"))["event_id"] == verified
    # A suspension announced before the verification, arriving after it: out of date, changes nothing.
    await announce(app, enterprise_id, "suspended", "active", time=registered_at + timedelta(minutes=1))
    await eventually(lambda: _at_least(client, EventType.SUPPLIER_STATUS_CHANGED, "applied", 3), what="applied")
    kept = await ok(await client.get(f"/api/v1/enterprises/{enterprise_id}", headers=AUDITOR))
    assert (kept["status"], kept["version"], kept["event_id"]) == ("active", 2, verified)
    trail = (await ok(await client.get(f"/api/v1/audit?resource_id={enterprise_id}", headers=AUDITOR)))["items"]
    assert [entry["details"]["new_status"] for entry in trail] == ["pending", "active"]


async def _at_least(client: httpx.AsyncClient, event_type: str, outcome: str, count: int) -> bool:
    return await consumed(client, event_type, outcome) >= count


async def test_an_approval_is_announced_as_a_cloudevent_carrying_the_request_id(
    app: FastAPI, client: httpx.AsyncClient, tap: EventTap
) -> None:
    order_id = str(uuid4())
    project = await approved(app, client, order_ids=[order_id])
    url = f"/api/v1/projects/{project['id']}"
    closed = await client.post(
        f"{url}/close", json={"reason": "work completed"}, headers={**OFFICER, "X-Request-ID": "req-close-0001"}
    )
    assert closed.status_code == 200, closed.text

    approval, closing = await eventually(lambda: _two(tap), what="approval and closing on the bus")
    assert approval["type"] == EventType.FUND_PROJECT_APPROVED
    assert {k: approval[k] for k in ("specversion", "source", "subject", "datacontenttype")} == {
        "specversion": "1.0",
        "source": "sdo/fund",
        "subject": project["id"],
        "datacontenttype": "application/json",
    }
    assert approval["data"] == {
        "project_id": project["id"],
        "enterprise_id": project["enterprise_id"],
        "category": "repair",
        "status": "approved",
        "budget_kzt": "300000000.00",
        "order_ids": [order_id],
    }
    assert (closing["type"], closing["data"]["status"], closing["correlationid"]) == (
        EventType.FUND_PROJECT_CLOSED,
        "closed",
        "req-close-0001",
    )


async def _two(tap: EventTap) -> list[dict[str, object]]:
    wanted = (EventType.FUND_PROJECT_APPROVED, EventType.FUND_PROJECT_CLOSED)
    found = [e for e in tap.events if e["type"] in wanted]
    return found if len(found) == 2 else []


async def test_a_refused_command_announces_nothing(app: FastAPI, client: httpx.AsyncClient, tap: EventTap) -> None:
    project = await submitted(client, await enterprise(app, client, "suspended"))
    url = f"/api/v1/projects/{project['id']}"
    await ok(await client.post(f"{url}/endorse", headers=MOD))
    assert (await client.post(f"{url}/approve", headers=OFFICER)).status_code == 409
    assert (
        await client.post(f"{url}/milestones/1/complete", json={"evidence": "x"}, headers=OFFICER)
    ).status_code == 409

    # Something the fund does publish, to know the bus has caught up.
    other = await approved(app, client)
    await eventually(lambda: _published(tap, other["id"]), what="the other approval")
    assert [e["subject"] for e in tap.events if e["type"].startswith("kz.sdo.fund.")] == [other["id"]]


async def _published(tap: EventTap, subject: str) -> bool:
    return any(e["subject"] == subject for e in tap.events)
