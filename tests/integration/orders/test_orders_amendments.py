"""Contract amendments through the real app (contract section 8), on SQLite and PostgreSQL: propose,
accept, reject, withdraw, the order's view of them, the event, and every bad input answering a clear
4xx problem+json that changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from shared.events.types import EventType
from tests.integration.orders.orders_helpers import AUDITOR, MOD, Api, create, orders_app, seen, supplier
from tests.integration.orders.test_orders_lots import TWO_LOTS, Walk, in_production
from tests.support import EventTap, assert_problem, eventually, running

LATER = date.today() + timedelta(days=240)


@pytest.fixture
async def both(database_url: str, memory_url: str) -> AsyncIterator[Api]:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)


async def propose(walk: Walk, changes: dict[str, Any], reason: str = "the ministry's letter 12/345", **headers: str):  # type: ignore[no-untyped-def]
    return await walk.api.client.post(
        f"{walk.url}/amendments", json={"reason": reason, "changes": changes}, headers={**MOD, **headers}
    )


async def decide(walk: Walk, number: int, action: str, body: dict[str, Any] | None = None, role=None, **headers: str):  # type: ignore[no-untyped-def]
    return await walk.api.client.post(
        f"{walk.url}/amendments/{number}/{action}", json=body, headers={**(role or walk.me), **headers}
    )


async def amendments(walk: Walk) -> list[dict[str, Any]]:
    return (await walk.api.client.get(f"{walk.url}/amendments", headers=AUDITOR)).json()["items"]


async def test_an_amendment_is_proposed_accepted_and_applied_with_its_event(both: Api) -> None:
    async with EventTap(both.bus) as tap:
        walk = await in_production(both)
        await walk.inspect(30)
        before = await walk.get()
        changes = {
            "quantity": 80,
            "delivery_deadline": LATER.isoformat(),
            "contract_price": {"amount": "720000.00", "currency": "KZT"},
        }
        proposed = await propose(walk, changes, "Twenty units are no longer needed")
        assert proposed.status_code == 201, proposed.text
        body = proposed.json()
        assert proposed.headers["location"] == f"/api/v1/orders/{walk.id}/amendments/1"
        assert proposed.headers["etag"] == '"1"'
        assert {k: body[k] for k in ("number", "status", "changes", "reason", "version")} == {
            "number": 1,
            "status": "proposed",
            "changes": changes,
            "reason": "Twenty units are no longer needed",
            "version": 1,
        }
        assert body["proposed_by"] and body["at"] and body["before"] is None
        order = await walk.get()
        assert (order["version"], order["quantity"], order["amendment_count"]) == (before["version"] + 1, 100, 1)
        assert order["last_amendment"]["status"] == "proposed" and order["last_amendment"]["number"] == 1

        accepted = await decide(walk, 1, "accept", **{"If-Match": '"1"'})
        assert accepted.status_code == 200, accepted.text
        decided = accepted.json()
        assert (decided["status"], decided["version"], accepted.headers["etag"]) == ("accepted", 2, '"2"')
        assert decided["before"]["quantity"] == 100 and decided["after"]["quantity"] == 80
        assert decided["after"]["delivery_schedule"] == [{"quantity": 80, "due_date": LATER.isoformat()}]
        assert (decided["contract_price_kzt"], decided["rate_used"]) == ("720000.00", "1")
        amended = await walk.get()
        assert (amended["quantity"], amended["delivery_deadline"], amended["contract_price_kzt"]) == (
            80,
            LATER.isoformat(),
            "720000.00",
        )
        assert (amended["status"], amended["accepted_quantity"], amended["rate_used"]) == ("in_production", 30, "1")
        assert amended["last_amendment"]["status"] == "accepted"
        events = await eventually(lambda: seen(tap, EventType.ORDER_AMENDED, walk.id), what="order.amended")
        data = events[0]["data"]
        assert (data["amendment_number"], data["quantity"], data["accepted_quantity"]) == (1, 80, 30)
        assert (data["contract_price_kzt"], data["before"], data["after"]) == (
            "720000.00",
            decided["before"],
            decided["after"],
        )
    history = await walk.history()
    assert [h["reason"].split(":")[0] for h in history[-2:]] == ["amendment 1 proposed", "amendment 1 accepted"]
    audit = await both.client.get("/api/v1/audit", params={"resource_id": walk.id, "limit": 500}, headers=AUDITOR)
    assert [e["action"] for e in audit.json()["items"]][-2:] == ["order.amendment_proposed", "order.amend"]
    one = await both.client.get(f"{walk.url}/amendments/1", headers=walk.me)
    assert one.json() == decided and one.headers["etag"] == '"2"'
    again = await both.client.get(f"{walk.url}/amendments/1", headers={**walk.me, "If-None-Match": '"2"'})
    assert again.status_code == 304


async def test_a_quantity_cut_to_the_units_accepted_makes_the_order_accepted(both: Api) -> None:
    walk = await in_production(both)
    await walk.inspect(60)
    assert (await propose(walk, {"quantity": 60})).status_code == 201
    assert (await decide(walk, 1, "accept")).status_code == 200
    order = await walk.get()
    assert (order["status"], order["quantity"], order["accepted_quantity"]) == ("accepted", 60, 60)
    assert (await walk.ship("WB-1"))["status"] == "shipped"


async def test_a_rejected_amendment_leaves_the_contract_and_a_withdrawn_one_makes_room(both: Api) -> None:
    walk = await in_production(both)
    assert (await propose(walk, {"delivery_deadline": LATER.isoformat()})).status_code == 201
    rejected = await decide(walk, 1, "reject", {"reason": "our line cannot wait that long"})
    assert (rejected.status_code, rejected.json()["decision_reason"]) == (200, "our line cannot wait that long")
    assert (await walk.get())["delivery_deadline"] != LATER.isoformat()
    assert (await propose(walk, {"quantity": 90})).status_code == 201
    withdrawn = await decide(walk, 2, "withdraw", {"reason": "wrong figure"}, MOD)
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    bare = await propose(walk, {"quantity": 95})
    assert bare.status_code == 201 and (await decide(walk, 3, "withdraw", role=MOD)).status_code == 200
    assert [(a["number"], a["status"]) for a in await amendments(walk)] == [
        (1, "rejected"),
        (2, "withdrawn"),
        (3, "withdrawn"),
    ]
    page = (await both.client.get(f"{walk.url}/amendments", params={"limit": 2}, headers=AUDITOR)).json()
    rest = await both.client.get(
        f"{walk.url}/amendments", params={"limit": 2, "cursor": page["next_cursor"]}, headers=AUDITOR
    )
    assert [a["number"] for a in page["items"] + rest.json()["items"]] == [1, 2, 3]
    assert (await walk.get())["quantity"] == 100


async def unchanged(walk: Walk, response: httpx.Response, status: int) -> dict[str, Any]:
    before = await walk.get()
    listed = await amendments(walk)
    problem = assert_problem(response, status)
    assert await walk.get() == before and await amendments(walk) == listed, "a refused request changed something"
    return problem


BAD_PROPOSALS: list[tuple[str, dict[str, Any], str]] = [
    ("nothing named", {"reason": "x", "changes": {}}, "changes"),
    ("changes nothing", {"reason": "x", "changes": {"quantity": 100}}, "changes"),
    ("below the accepted units", {"reason": "x", "changes": {"quantity": 29}}, "changes.quantity"),
    ("a quantity of zero", {"reason": "x", "changes": {"quantity": 0}}, "changes.quantity"),
    (
        "above the ceiling",
        {"reason": "x", "changes": {"contract_price": {"amount": "1000000.01", "currency": "KZT"}}},
        "changes.contract_price",
    ),
    (
        "a currency without a rate",
        {"reason": "x", "changes": {"contract_price": {"amount": "10.00", "currency": "XAU"}}},
        "changes.contract_price.currency",
    ),
    (
        "a price of zero",
        {"reason": "x", "changes": {"contract_price": {"amount": "0.00", "currency": "KZT"}}},
        "changes.contract_price",
    ),
    (
        "a deadline in the past",
        {"reason": "x", "changes": {"delivery_deadline": (date.today() - timedelta(days=1)).isoformat()}},
        "changes.delivery_deadline",
    ),
    (
        "a schedule short of the quantity",
        {"reason": "x", "changes": {"delivery_schedule": TWO_LOTS[:1]}},
        "changes.delivery_schedule",
    ),
    (
        "the quantity alone under a schedule of its own",
        {"reason": "x", "changes": {"quantity": 90}},
        "changes.delivery_schedule",
    ),
    (
        "a deadline before a lot of the schedule",
        # well inside the future, and before the schedule's first lot (due in 60 days)
        {"reason": "x", "changes": {"delivery_deadline": (date.today() + timedelta(days=30)).isoformat()}},
        "changes.delivery_schedule",
    ),
    ("a null", {"reason": "x", "changes": {"quantity": None}}, "changes.quantity"),
    (
        "an unknown term",
        {"reason": "x", "changes": {"price_ceiling": {"amount": "1.00", "currency": "KZT"}}},
        "changes.price_ceiling",
    ),
    ("no reason", {"changes": {"quantity": 90}}, "reason"),
    ("a blank reason", {"reason": "  ", "changes": {"quantity": 90}}, "reason"),
]


async def test_every_bad_proposal_is_422_naming_the_rule_and_changes_nothing(both: Api) -> None:
    walk = await in_production(both, delivery_schedule=TWO_LOTS)
    await walk.inspect(30)
    for name, body, field in BAD_PROPOSALS:
        response = await both.client.post(f"{walk.url}/amendments", json=body, headers=MOD)
        problem = await unchanged(walk, response, 422)
        assert problem["errors"][0]["field"] == field, (name, problem)


async def test_every_refused_decision_is_a_clear_4xx_and_changes_nothing(both: Api) -> None:
    walk = await in_production(both)
    other = supplier(uuid4())
    await unchanged(walk, await decide(walk, 1, "accept"), 404)  # no amendment yet
    assert (await propose(walk, {"quantity": 90})).status_code == 201
    await unchanged(walk, await propose(walk, {"quantity": 80}), 409)  # one open at a time
    await unchanged(walk, await decide(walk, 1, "accept", role=other), 404)  # another supplier's order
    await unchanged(walk, await decide(walk, 1, "accept", role=MOD), 403)  # the ministry does not accept
    await unchanged(walk, await decide(walk, 1, "withdraw", role=walk.me), 403)  # nor the supplier withdraw
    await unchanged(walk, await decide(walk, 1, "accept", **{"If-Match": '"2"'}), 412)
    await unchanged(walk, await decide(walk, 1, "reject", {}), 422)  # a rejection says why
    await unchanged(walk, await decide(walk, 0, "accept"), 422)
    await unchanged(walk, await decide(walk, 2**40, "accept"), 422)
    assert (await decide(walk, 1, "accept")).status_code == 200
    problem = await unchanged(walk, await decide(walk, 1, "reject", {"reason": "too late"}), 409)
    assert (problem["current_status"], problem["allowed_actions"]) == ("accepted", [])
    await unchanged(walk, await decide(walk, 1, "withdraw", role=MOD), 409)
    auditor = await both.client.post(f"{walk.url}/amendments", json={"reason": "x", "changes": {}}, headers=AUDITOR)
    await unchanged(walk, auditor, 403)


async def test_a_draft_cannot_be_amended(api: Api) -> None:
    draft = await create(api.client)
    refused = await api.client.post(
        f"/api/v1/orders/{draft['id']}/amendments", json={"reason": "x", "changes": {"quantity": 5}}, headers=MOD
    )
    problem = assert_problem(refused, 409)
    assert problem["current_status"] == "draft"


async def test_an_amendment_the_order_outgrew_is_refused_on_acceptance_and_stays_proposed(api: Api) -> None:
    walk = await in_production(api)
    await walk.inspect(40)
    assert (await propose(walk, {"quantity": 50})).status_code == 201
    await walk.inspect(20)  # 60 accepted now: 50 no longer holds
    problem = await unchanged(walk, await decide(walk, 1, "accept"), 409)
    assert problem["type"] == "urn:sdo:problem:amendment-no-longer-applies"
    assert problem["errors"][0]["field"] == "changes.quantity"
    assert (await amendments(walk))[0]["status"] == "proposed"


async def test_the_document_names_the_amendment_operations_and_their_errors(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    propose_op = paths["/api/v1/orders/{order_id}/amendments"]["post"]
    assert {"201", "403", "404", "409", "412", "422"} <= propose_op["responses"].keys()
    assert "amendment-already-proposed" in propose_op["responses"]["409"]["description"]
    assert "changes.quantity" in propose_op["responses"]["422"]["description"]
    accept_op = paths["/api/v1/orders/{order_id}/amendments/{number}/accept"]["post"]
    assert "amendment-no-longer-applies" in accept_op["responses"]["409"]["description"]
    body = propose_op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AmendmentProposal"}
    for path in ("/reject", "/withdraw", ""):
        assert f"/api/v1/orders/{{order_id}}/amendments/{{number}}{path}" in paths
