"""Webhooks end to end: the orders service POSTs its events to a real HTTP receiver on loopback."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
from standardwebhooks import Webhook as StandardWebhook

from tests.integration.orders.orders_helpers import MOD, Api, awarded, create, supplier
from tests.integration.webhooks.receiver import Receiver, serving
from tests.support import auth, eventually

INTEGRATION = auth("integration")


async def subscribe(client: httpx.AsyncClient, headers: dict[str, str], url: str, *events: str) -> dict[str, Any]:
    response = await client.post("/api/v1/webhooks", json={"url": url, "events": list(events)}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(client: httpx.AsyncClient, headers: dict[str, str], webhook_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_supplier_receives_only_its_own_orders_events(api: Api) -> None:
    mine, theirs = uuid4(), uuid4()
    async with serving(Receiver()) as receiver:
        hook = await subscribe(api.client, supplier(mine), receiver.url, "kz.sdo.order.*")
        assert hook["supplier_id"] == str(mine)
        own = await awarded(api.client, mine)
        other = await awarded(api.client, theirs)
        await create(api.client)  # a draft names no supplier at all

        def types_of(order_id: str) -> set[str]:
            return {r.headers["ce-type"] for r in receiver.requests if r.headers["ce-subject"] == order_id}

        await eventually(
            lambda: _ready({"kz.sdo.order.award_requested.v1", "kz.sdo.order.award_pending.v1"} <= types_of(own["id"])),
            what="the supplier's own award events",
        )
        # Everything that arrived names this supplier; nothing of the other order or the draft.
        assert all(r.json().get("supplier_id") == str(mine) for r in receiver.requests), receiver.requests
        assert types_of(other["id"]) == set()

        async def settled() -> list[dict[str, Any]]:
            found = await deliveries(api.client, supplier(mine), hook["id"])
            return found if found and all(d["status"] == "delivered" for d in found) else []

        listed = await eventually(settled, what="the supplier's deliveries settled")
        assert {d["event_type"] for d in listed} == types_of(own["id"])
        assert {d["event_id"] for d in listed} == {r.headers["ce-id"] for r in receiver.requests}


async def _ready(value: bool) -> bool:
    return value


async def test_a_ministry_system_receives_every_event_it_subscribed_to(api: Api) -> None:
    async with serving(Receiver()) as receiver:
        await subscribe(api.client, INTEGRATION, receiver.url, "kz.sdo.order.award_requested.v1")
        first, second = await awarded(api.client, uuid4()), await awarded(api.client, uuid4())
        await eventually(lambda: _ready(len(receiver.requests) >= 2), what="both award requests")
        assert {r.headers["ce-subject"] for r in receiver.requests} == {first["id"], second["id"]}
        assert {r.headers["ce-type"] for r in receiver.requests} == {"kz.sdo.order.award_requested.v1"}


async def test_a_delivery_is_a_binary_cloudevent_signed_the_standard_webhooks_way(api: Api) -> None:
    supplier_id = uuid4()
    async with serving(Receiver()) as receiver:
        hook = await subscribe(api.client, supplier(supplier_id), receiver.url, "kz.sdo.order.award_requested.v1")
        assert hook["secret"].startswith("whsec_")
        order = await awarded(api.client, supplier_id)
        await eventually(lambda: _ready(bool(receiver.requests)), what="a delivery")
    request = receiver.requests[0]
    assert request.path == "/hooks/sdo"
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "kz.sdo.order.award_requested.v1"
    assert headers["ce-source"] == "sdo/orders"
    assert headers["ce-subject"] == order["id"]
    assert headers["webhook-id"] == headers["ce-id"]
    UUID(headers["ce-id"])
    # The body is the event's data (binary mode), and the reference library accepts its signature.
    data = StandardWebhook(hook["secret"]).verify(request.body, headers)
    assert data == request.json()
    assert data["order_id"] == order["id"] and data["supplier_id"] == str(supplier_id)
    # With another subscription's secret it does not verify.
    other = await subscribe(api.client, INTEGRATION, receiver.url, "kz.sdo.order.award_requested.v1")
    try:
        StandardWebhook(other["secret"]).verify(request.body, headers)
    except Exception as exc:
        assert type(exc).__name__ == "WebhookVerificationError"
    else:
        raise AssertionError("a delivery verified with another subscription's secret")


async def test_a_receiver_failing_twice_then_succeeding_shows_three_attempts(api: Api) -> None:
    async with serving(Receiver(script=[500, 503], then=200)) as receiver:
        hook = await subscribe(api.client, INTEGRATION, receiver.url, "kz.sdo.order.published.v1")
        order = await create(api.client)
        response = await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)
        assert response.status_code == 200, response.text

        async def settled() -> list[dict[str, Any]]:
            found = await deliveries(api.client, INTEGRATION, hook["id"])
            return found if found and found[0]["status"] == "delivered" else []

        (delivery,) = await eventually(settled, what="the delivery settled")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2, 3]
    assert delivery["attempts"][0]["error"] and delivery["attempts"][2]["error"] is None
    assert delivery["next_attempt_at"] is None and delivery["delivered_at"] is not None
    # The same message each time: the receiver deduplicates on webhook-id.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len(receiver.requests) == 3


async def test_a_receiver_that_always_fails_is_parked_after_the_last_attempt(
    api: Api, webhook_env: dict[str, str]
) -> None:
    attempts = int(webhook_env["SDO_WEBHOOK_MAX_ATTEMPTS"])
    async with serving(Receiver(then=500)) as receiver:
        hook = await subscribe(api.client, INTEGRATION, receiver.url, "kz.sdo.order.draft.v1", "kz.sdo.order.*")
        await create(api.client)

        async def parked() -> list[dict[str, Any]]:
            found = await deliveries(api.client, INTEGRATION, hook["id"])
            return found if found and all(d["status"] == "parked" for d in found) else []

        found = await eventually(parked, what="the delivery parked")
        assert len(receiver.requests) == attempts * len(found)
    for delivery in found:
        assert len(delivery["attempts"]) == attempts
        assert {a["status_code"] for a in delivery["attempts"]} == {500}
        assert delivery["next_attempt_at"] is None and delivery["delivered_at"] is None
    listed = await api.client.get(
        f"/api/v1/webhooks/{hook['id']}/deliveries", params={"status": "pending"}, headers=INTEGRATION
    )
    assert listed.json()["items"] == []
