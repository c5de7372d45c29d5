"""The webhook routes: who may subscribe, who sees what, validation, deletion, and the transaction rule."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import func, select

from shared.events.types import EventType
from shared.webhooks.tables import deliveries
from tests.integration.orders.orders_helpers import Api, orders_app, published, supplier
from tests.integration.webhooks.receiver import Receiver, serving
from tests.support import assert_problem, auth, eventually, running

INTEGRATION = auth("integration")
AUDITOR = auth("auditor")
URL = "http://127.0.0.1:9/hooks"


async def subscribe(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/webhooks", json={"url": URL, "events": ["kz.sdo.order.*"], **body}, headers=headers
    )


async def test_the_secret_is_shown_once_and_the_subscription_is_read_back(api: Api) -> None:
    created = await subscribe(api.client, INTEGRATION, description="ERP intake", events=["*", "*"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/api/v1/webhooks/{body['id']}"
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["*"] and body["description"] == "ERP intake" and body["supplier_id"] is None
    read = await api.client.get(f"/api/v1/webhooks/{body['id']}", headers=INTEGRATION)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert "secret" not in read.json()
    assert read.json() == {k: v for k, v in body.items() if k != "secret"}
    listed = await api.client.get("/api/v1/webhooks", headers=INTEGRATION)
    assert [w["id"] for w in listed.json()["items"]] == [body["id"]]
    assert "secret" not in listed.json()["items"][0]


async def test_owners_see_their_own_and_an_auditor_sees_every_one(api: Api) -> None:
    mine, theirs = uuid4(), uuid4()
    own = (await subscribe(api.client, supplier(mine))).json()
    other = (await subscribe(api.client, supplier(theirs))).json()
    ministry = (await subscribe(api.client, INTEGRATION)).json()
    # Any token of the supplier is the supplier.
    colleague = auth("supplier", supplier_id=mine, sub="another-user")
    listed = (await api.client.get("/api/v1/webhooks", headers=colleague)).json()["items"]
    assert [w["id"] for w in listed] == [own["id"]]
    for path in (f"/api/v1/webhooks/{other['id']}", f"/api/v1/webhooks/{other['id']}/deliveries"):
        assert_problem(await api.client.get(path, headers=supplier(mine)), 404)
    assert_problem(await api.client.get(f"/api/v1/webhooks/{own['id']}", headers=auth("mod_officer")), 404)
    assert_problem(await api.client.delete(f"/api/v1/webhooks/{ministry['id']}", headers=supplier(mine)), 404)
    everything = (await api.client.get("/api/v1/webhooks", headers=AUDITOR)).json()["items"]
    assert {w["id"] for w in everything} == {own["id"], other["id"], ministry["id"]}
    assert (await api.client.get(f"/api/v1/webhooks/{own['id']}/deliveries", headers=AUDITOR)).status_code == 200


@pytest.mark.parametrize("role", ["auditor", "quality_inspector"])
async def test_roles_that_change_nothing_or_are_people_at_a_bench_may_not_subscribe(api: Api, role: str) -> None:
    assert_problem(await subscribe(api.client, auth(role)), 403)


async def test_no_token_no_webhooks(api: Api) -> None:
    assert_problem(await api.client.get("/api/v1/webhooks"), 401)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://127.0.0.1/hooks"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/hooks"}, "url"),
        ({"url": "http://10.1.2.3/hooks"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["kz.sdo.ordr.*"]}, "events[0]"),
        ({"events": ["kz.sdo.supplier.status_changed.v1"]}, "events[0]"),
        ({"events": ["Kz.Sdo.Order.*"]}, "events[0]"),
        ({"events": ["*"] * 51}, "events"),
        ({"description": "x" * 501}, "description"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
async def test_a_bad_subscription_is_refused_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    problem = assert_problem(await subscribe(api.client, INTEGRATION, **body), 422)
    assert problem["errors"][0]["field"] == field, problem


async def test_without_allowed_networks_a_deployment_delivers_nowhere(
    sqlite_url: str, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SDO_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    async with running(orders_app(sqlite_url, memory_url)) as client:
        problem = assert_problem(await subscribe(client, INTEGRATION), 422)
        assert "SDO_WEBHOOK_ALLOWED_NETWORKS" in problem["errors"][0]["message"]


async def test_in_development_mode_any_address_will_do(
    sqlite_url: str, memory_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SDO_WEBHOOK_ALLOWED_NETWORKS", raising=False)
    async with running(orders_app(sqlite_url, memory_url, dev_mode=True)) as client:
        assert (await subscribe(client, INTEGRATION)).status_code == 201


async def test_a_caller_holds_a_bounded_number_of_webhooks(
    sqlite_url: str, memory_url: str, webhook_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SDO_WEBHOOK_MAX_PER_OWNER", "2")
    async with running(orders_app(sqlite_url, memory_url)) as client:
        for _ in range(2):
            assert (await subscribe(client, INTEGRATION)).status_code == 201
        problem = assert_problem(await subscribe(client, INTEGRATION), 409)
        assert problem["type"].endswith("webhook-limit")
        assert (await subscribe(client, auth("integration", sub="another-system"))).status_code == 201


async def test_a_subscription_is_replayed_for_the_same_idempotency_key(api: Api) -> None:
    headers = {**INTEGRATION, "Idempotency-Key": "hook-1"}
    first, again = await subscribe(api.client, headers), await subscribe(api.client, headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len((await api.client.get("/api/v1/webhooks", headers=INTEGRATION)).json()["items"]) == 1


async def test_a_deleted_webhook_is_gone_with_its_deliveries(api: Api) -> None:
    async with serving(Receiver(then=500)) as receiver:
        hook = (await subscribe(api.client, INTEGRATION, url=receiver.url)).json()
        await published(api.client)
        await eventually(lambda: _ready(bool(receiver.requests)), what="a first attempt")
        stale = await api.client.delete(f"/api/v1/webhooks/{hook['id']}", headers={**INTEGRATION, "If-Match": '"7"'})
        assert_problem(stale, 412)
        gone = await api.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=INTEGRATION)
        assert gone.status_code == 204 and gone.content == b""
        assert_problem(await api.client.get(f"/api/v1/webhooks/{hook['id']}", headers=INTEGRATION), 404)
        assert_problem(await api.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=INTEGRATION), 404)
        async with api.app.state.runtime.db.connect() as conn:
            left = (await conn.execute(select(func.count()).select_from(deliveries))).scalar()
        assert left == 0
        audit = (await api.client.get("/api/v1/audit", params={"resource_id": hook["id"]}, headers=AUDITOR)).json()
        assert [e["action"] for e in audit["items"]] == ["webhook.created", "webhook.deleted"]


async def _ready(value: bool) -> bool:
    return value


async def test_no_delivery_is_ever_made_for_a_rolled_back_transaction(api: Api) -> None:
    runtime = api.app.state.runtime
    async with serving(Receiver()) as receiver:
        await subscribe(api.client, INTEGRATION, url=receiver.url, events=[EventType.ORDER_PUBLISHED])
        data = {"order_id": str(uuid4()), "number": "SDO-2030-000001", "category": "repair"}
        async with runtime.uow(actor="test") as uow:
            rolled_back = uow.emit(EventType.ORDER_PUBLISHED, data["order_id"], data)
            # Leaves without commit: the transaction rolls back.
        async with runtime.uow(actor="test") as uow:
            committed = uow.emit(EventType.ORDER_PUBLISHED, data["order_id"], data)
            await uow.commit()
        await eventually(lambda: _ready(bool(receiver.requests)), what="the committed event delivered")
        async with runtime.db.connect() as conn:
            stored = set((await conn.execute(select(deliveries.c.event_id))).scalars())
    assert stored == {str(committed.id)}
    assert [r.headers["ce-id"] for r in receiver.requests] == [str(committed.id)]
    assert str(rolled_back.id) not in {r.headers["webhook-id"] for r in receiver.requests}
