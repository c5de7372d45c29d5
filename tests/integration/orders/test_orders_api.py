"""The orders API through HTTP: every endpoint, its roles, and what another supplier may not see."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from shared import clock
from shared.events.types import EventType
from tests.integration.orders.orders_helpers import (
    AUDITOR,
    MOD,
    Api,
    awarded,
    confirm_award,
    create,
    lot_verdict,
    orders_app,
    published,
    seen,
    spec,
    status_of,
    supplier,
)
from tests.support import EventTap, assert_problem, auth, eventually, running


async def contracted(api: Api, supplier_id, country: str = "KZ", **award) -> dict:  # type: ignore[no-untyped-def]
    order = await awarded(api.client, supplier_id, **award)
    await confirm_award(api.app, order["id"], supplier_id, country)
    await eventually(lambda: _is(api.client, order["id"], "contracted"), what="contracted")
    return order


async def _is(client: httpx.AsyncClient, order_id: str, status: str) -> bool:
    return await status_of(client, order_id) == status


# --- create and read ---------------------------------------------------------------------------


async def test_creating_an_order_answers_201_with_location_etag_and_a_draft(api: Api) -> None:
    response = await api.client.post("/api/v1/orders", json=spec(), headers=MOD)
    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{order['id']}"
    assert response.headers["etag"] == '"1"'
    assert re.fullmatch(r"SDO-\d{4}-\d{6}", order["number"])
    assert order["status"] == "draft" and order["version"] == 1
    assert order["price_ceiling"] == {"amount": "1000000.00", "currency": "KZT"}
    assert order["requires_security_clearance"] is True and order["aql"] == 1.0
    assert order["technical_requirements"][0] == {
        "code": "LEN",
        "name": "Length",
        "unit": "mm",
        "min": 99.5,
        "max": 100.5,
        "critical": True,
    }


async def test_an_order_is_read_by_id_or_number_with_an_etag_and_304_when_unchanged(api: Api) -> None:
    order = await create(api.client)
    by_id = await api.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)
    by_number = await api.client.get(f"/api/v1/orders/{order['number']}", headers=AUDITOR)
    assert by_id.json() == by_number.json() == order
    assert by_id.headers["etag"] == '"1"'
    unchanged = await api.client.get(f"/api/v1/orders/{order['id']}", headers={**AUDITOR, "If-None-Match": '"1"'})
    assert unchanged.status_code == 304 and unchanged.content == b""


async def test_the_status_view_has_five_fields_an_etag_and_answers_304_when_unchanged(api: Api) -> None:
    order = await create(api.client)
    response = await api.client.get(f"/api/v1/orders/{order['id']}/status", headers=AUDITOR)
    assert response.json() == {key: order[key] for key in ("id", "number", "status", "version", "updated_at")}
    etag = response.headers["etag"]
    again = await api.client.get(f"/api/v1/orders/{order['id']}/status", headers={**AUDITOR, "If-None-Match": etag})
    assert again.status_code == 304
    await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)
    moved = await api.client.get(f"/api/v1/orders/{order['id']}/status", headers={**AUDITOR, "If-None-Match": etag})
    assert moved.status_code == 200 and moved.json()["status"] == "published"


async def test_an_unknown_order_is_404_problem(api: Api) -> None:
    for ref in (str(uuid4()), "SDO-1999-000001", "not-an-id"):
        assert_problem(await api.client.get(f"/api/v1/orders/{ref}/status", headers=AUDITOR), 404)


async def test_retrying_a_create_with_the_same_idempotency_key_replays_the_first_order(api: Api) -> None:
    headers = {**MOD, "Idempotency-Key": f"create-{uuid4()}"}
    first = await api.client.post("/api/v1/orders", json=spec(), headers=headers)
    again = await api.client.post("/api/v1/orders", json=spec(), headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other_body = await api.client.post("/api/v1/orders", json=spec(quantity=7), headers=headers)
    assert_problem(other_body, 422)


# --- patch and publish -------------------------------------------------------------------------


async def test_a_draft_is_patched_with_if_match_and_a_stale_if_match_is_412(api: Api) -> None:
    order = await create(api.client)
    url = f"/api/v1/orders/{order['id']}"
    patched = await api.client.patch(url, json={"quantity": 120, "aql": 0.65}, headers={**MOD, "If-Match": '"1"'})
    assert patched.status_code == 200, patched.text
    assert patched.json()["quantity"] == 120 and patched.json()["aql"] == 0.65 and patched.json()["version"] == 2
    stale = await api.client.patch(url, json={"quantity": 130}, headers={**MOD, "If-Match": '"1"'})
    body = assert_problem(stale, 412)
    assert body["current_version"] == 2
    assert (await api.client.get(url, headers=AUDITOR)).json()["quantity"] == 120


async def test_publishing_freezes_the_specification(api: Api) -> None:
    order = await published(api.client)
    assert order["status"] == "published" and order["version"] == 2
    response = await api.client.patch(f"/api/v1/orders/{order['id']}", json={"quantity": 5}, headers=MOD)
    body = assert_problem(response, 409)
    assert body["current_status"] == "published"
    assert body["allowed_actions"] == ["award", "cancel"]


async def test_a_move_the_diagram_does_not_draw_is_409_with_what_the_caller_may_do(api: Api) -> None:
    order = await create(api.client)
    response = await api.client.post(f"/api/v1/orders/{order['id']}/close", headers=MOD)
    body = assert_problem(response, 409)
    assert body["current_status"] == "draft"
    assert body["allowed_actions"] == ["update", "publish", "cancel"]


# --- award -------------------------------------------------------------------------------------


async def test_awarding_within_the_ceiling_in_kzt_moves_to_award_pending_and_asks_the_suppliers(api: Api) -> None:
    supplier_id = uuid4()
    order = await published(api.client, price_ceiling={"amount": "1000000.00", "currency": "KZT"})
    body = {"supplier_id": str(supplier_id), "contract_price": {"amount": "2000.00", "currency": "USD"}}
    async with EventTap(api.bus) as tap:
        response = await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)
        assert response.status_code == 200, response.text
        requested = await eventually(lambda: seen(tap, EventType.ORDER_AWARD_REQUESTED, order["id"]))
    awarded_order = response.json()
    assert awarded_order["status"] == "award_pending"
    assert awarded_order["contract_price"] == {"amount": "2000.00", "currency": "USD"}
    assert awarded_order["contract_price_kzt"] == "902540.00"  # 2000 x 451.27
    data = requested[0]["data"]
    assert data["supplier_id"] == str(supplier_id) and data["contract_price_kzt"] == "902540.00"
    assert data["category"] == "repair" and data["required_certifications"] == ["ISO 9001"]
    assert {"min_local_content", "requires_security_clearance", "delivery_deadline"} <= data.keys()
    assert await seen(tap, EventType.ORDER_AWARD_PENDING, order["id"])


async def test_a_price_above_the_ceiling_in_kzt_is_422_at_once_and_the_order_stays_published(api: Api) -> None:
    order = await published(api.client, price_ceiling={"amount": "1000000.00", "currency": "KZT"})
    body = {"supplier_id": str(uuid4()), "contract_price": {"amount": "2216.00", "currency": "USD"}}  # 1,000,014 KZT
    response = await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "contract_price"
    after = (await api.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
    assert after["status"] == "published" and after["version"] == 2 and after["supplier_id"] is None


async def test_an_award_in_a_currency_without_a_rate_is_422(api: Api) -> None:
    order = await published(api.client)
    body = {"supplier_id": str(uuid4()), "contract_price": {"amount": "10.00", "currency": "XAU"}}
    problem = assert_problem(await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD), 422)
    assert problem["errors"][0]["field"] == "contract_price.currency"


# --- the supplier's part -----------------------------------------------------------------------


async def test_the_supplier_walks_its_order_from_contracted_to_shipped(api: Api) -> None:
    supplier_id = uuid4()
    order = await contracted(api, supplier_id)
    url, me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)
    assert (await api.client.post(f"{url}/start-production", headers=me)).json()["status"] == "in_production"
    lot = await api.client.post(f"{url}/submit-for-inspection", json={"lot_size": 100}, headers=me)
    assert lot.json()["status"] == "inspection" and lot.json()["inspection_rounds"] == 1
    assert (await api.client.get(url, headers=me)).json()["lot_size"] == 100


async def test_a_lot_larger_than_the_quantity_is_422_naming_lot_size(api: Api) -> None:
    supplier_id = uuid4()
    order = await contracted(api, supplier_id)
    url, me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)
    await api.client.post(f"{url}/start-production", headers=me)
    problem = assert_problem(
        await api.client.post(f"{url}/submit-for-inspection", json={"lot_size": 101}, headers=me), 422
    )
    assert problem["errors"] == [{"field": "lot_size", "message": "must not exceed the ordered quantity 100"}]
    assert (await api.client.get(url, headers=me)).json()["inspection_rounds"] == 0


# --- roles and BOLA ----------------------------------------------------------------------------


async def test_no_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = await api.client.get("/api/v1/orders")
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("auditor", "post", "/api/v1/orders"),
        ("supplier", "post", "/api/v1/orders"),
        ("mic_officer", "post", "/api/v1/orders/{id}/publish"),
        ("quality_inspector", "post", "/api/v1/orders/{id}/cancel"),
        ("mod_officer", "post", "/api/v1/orders/{id}/start-production"),
        ("integration", "post", "/api/v1/orders/{id}/ship"),
        ("supplier", "post", "/api/v1/orders/{id}/confirm-delivery"),
        ("auditor", "patch", "/api/v1/orders/{id}"),
        ("supplier", "get", "/api/v1/analytics/kpi"),
        ("quality_inspector", "put", "/api/v1/exchange-rates/USD"),
    ],
)
async def test_a_role_that_may_not_act_is_403(api: Api, role: str, method: str, path: str) -> None:
    order = await create(api.client)
    headers = auth(role, supplier_id=uuid4() if role == "supplier" else None)
    response = await api.client.request(method, path.format(id=order["id"]), json={}, headers=headers)
    assert_problem(response, 403)


async def test_integration_may_do_what_the_mod_officer_does(api: Api) -> None:
    response = await api.client.post("/api/v1/orders", json=spec(), headers=auth("integration"))
    order = response.json()
    assert (
        await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=auth("integration"))
    ).status_code == 200


async def test_another_suppliers_order_is_404_everywhere(api: Api) -> None:
    owner, stranger = uuid4(), uuid4()
    order = await contracted(api, owner)
    them = supplier(stranger)
    for path in ("", "/status", "/history"):
        assert_problem(await api.client.get(f"/api/v1/orders/{order['id']}{path}", headers=them), 404)
    assert_problem(await api.client.post(f"/api/v1/orders/{order['id']}/start-production", headers=them), 404)
    assert (await api.client.get(f"/api/v1/orders/{order['id']}", headers=supplier(owner))).status_code == 200


async def test_a_supplier_lists_and_polls_only_its_own_orders(api: Api) -> None:
    mine, theirs = uuid4(), uuid4()
    own = await awarded(api.client, mine)
    await awarded(api.client, theirs)
    listed = (await api.client.get("/api/v1/orders?limit=500", headers=supplier(mine))).json()["items"]
    assert [o["id"] for o in listed] == [own["id"]]
    asked_for_theirs = await api.client.get(f"/api/v1/orders?supplier_id={theirs}", headers=supplier(mine))
    assert asked_for_theirs.json()["items"] == []
    feed = (await api.client.get("/api/v1/orders/changes?limit=500", headers=supplier(mine))).json()
    assert {c["order_id"] for c in feed["changes"]} == {own["id"]}


# --- lists, history, feed ----------------------------------------------------------------------


async def test_lists_filter_by_status_category_supplier_and_updated_since_and_page_by_cursor(api: Api) -> None:
    supplier_id = uuid4()
    first = await create(api.client, category="modernization")
    await create(api.client, category="modernization")
    award = await awarded(api.client, supplier_id)

    async def items(**query: object) -> list[str]:
        response = await api.client.get("/api/v1/orders", params={"limit": 500, **query}, headers=AUDITOR)
        return [o["id"] for o in response.json()["items"]]

    assert first["id"] in await items(category="modernization", status="draft")
    assert award["id"] not in await items(category="modernization")
    assert await items(supplier_id=str(supplier_id)) == [award["id"]]
    assert award["id"] in await items(updated_since=award["updated_at"])
    assert first["id"] not in await items(updated_since=award["updated_at"])
    await create(api.client)  # four orders: two full pages of two
    page = (await api.client.get("/api/v1/orders?limit=2", headers=AUDITOR)).json()
    rest = (await api.client.get(f"/api/v1/orders?limit=2&cursor={page['next_cursor']}", headers=AUDITOR)).json()
    numbers = [o["number"] for o in page["items"] + rest["items"]]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == 4
    assert_problem(await api.client.get("/api/v1/orders?status=lost", headers=AUDITOR), 422)
    assert_problem(await api.client.get("/api/v1/orders?cursor=forged", headers=AUDITOR), 422)


async def test_the_history_lists_every_status_change_with_actor_reason_and_event(api: Api) -> None:
    order = await create(api.client)
    await api.client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "budget cut"}, headers=MOD)
    history = (await api.client.get(f"/api/v1/orders/{order['id']}/history", headers=AUDITOR)).json()["items"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "draft"), ("draft", "cancelled")]
    assert history[1]["actor"] == "mod_officer-user" and history[1]["reason"] == "budget cut"
    assert all(h["event_id"] for h in history)


async def test_the_changes_feed_continues_from_last_seq_and_answers_304_when_nothing_is_new(api: Api) -> None:
    await published(api.client)
    head = (await api.client.get("/api/v1/orders/changes?after=0", headers=AUDITOR)).json()
    order = await published(api.client)
    feed = await api.client.get(f"/api/v1/orders/changes?after={head['last_seq']}", headers=AUDITOR)
    changes = feed.json()["changes"]
    # The draft (version 1) stays off the feed; the order appears from its publication on.
    assert [(c["order_id"], c["status"], c["version"]) for c in changes] == [(order["id"], "published", 2)]
    assert [c["seq"] for c in changes] == sorted({c["seq"] for c in changes})
    assert feed.json()["last_seq"] == changes[-1]["seq"]
    url = f"/api/v1/orders/changes?after={changes[-1]['seq']}"
    empty = await api.client.get(url, headers=AUDITOR)
    assert empty.json() == {"changes": [], "last_seq": changes[-1]["seq"]}
    again = await api.client.get(url, headers={**AUDITOR, "If-None-Match": empty.headers["etag"]})
    assert again.status_code == 304


# --- cancel ------------------------------------------------------------------------------------


async def test_cancelling_keeps_the_reason_and_announces_it(api: Api) -> None:
    order = await published(api.client)
    async with EventTap(api.bus) as tap:
        response = await api.client.post(
            f"/api/v1/orders/{order['id']}/cancel", json={"reason": "withdrawn"}, headers=MOD
        )
        event = (await eventually(lambda: seen(tap, EventType.ORDER_CANCELLED, order["id"])))[0]
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "withdrawn"
    assert event["data"]["reason"] == "withdrawn" and event["data"]["from_status"] == "published"
    assert_problem(
        await api.client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "x"}, headers=MOD), 409
    )


# --- exchange rates and KPI --------------------------------------------------------------------


async def test_exchange_rates_have_the_contract_defaults_and_are_changed_with_if_match(api: Api) -> None:
    rates = (await api.client.get("/api/v1/exchange-rates", headers=auth("supplier", supplier_id=uuid4()))).json()
    by_code = {r["currency"]: r["kzt_per_unit"] for r in rates["items"]}
    assert {"USD": "451.27", "EUR": "489.13", "RUB": "4.87"}.items() <= by_code.items()
    created = await api.client.put("/api/v1/exchange-rates/CNY", json={"kzt_per_unit": "62.10"}, headers=MOD)
    assert created.status_code == 201 and created.headers["etag"] == '"1"'
    updated = await api.client.put(
        "/api/v1/exchange-rates/CNY", json={"kzt_per_unit": "63.00"}, headers={**MOD, "If-Match": '"1"'}
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = await api.client.put(
        "/api/v1/exchange-rates/CNY", json={"kzt_per_unit": "64.00"}, headers={**MOD, "If-Match": '"1"'}
    )
    assert_problem(stale, 412)
    assert (await api.client.get("/api/v1/exchange-rates/CNY", headers=AUDITOR)).json()["kzt_per_unit"] == "63.00"
    order = await published(api.client, price_ceiling={"amount": "630.00", "currency": "KZT"})
    body = {"supplier_id": str(uuid4()), "contract_price": {"amount": "10.00", "currency": "CNY"}}
    award = await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)
    assert award.json()["contract_price_kzt"] == "630.00"


@pytest.mark.parametrize(
    ("currency", "body", "field"),
    [
        ("KZT", {"kzt_per_unit": "2"}, "currency"),
        ("usd", {"kzt_per_unit": "2"}, "currency"),
        ("EUR", {"kzt_per_unit": "-1"}, "kzt_per_unit"),
        ("EUR", {"kzt_per_unit": "1.1234567"}, "kzt_per_unit"),
        ("EUR", {"kzt_per_unit": 489.13}, "kzt_per_unit"),
    ],
)
async def test_a_bad_exchange_rate_is_422_naming_the_field(api: Api, currency: str, body: dict, field: str) -> None:
    problem = assert_problem(await api.client.put(f"/api/v1/exchange-rates/{currency}", json=body, headers=MOD), 422)
    assert problem["errors"][0]["field"] == field


async def test_the_kpi_is_the_domestic_share_of_contracted_value_per_category(api: Api) -> None:
    await contracted(api, uuid4(), "KZ", amount="600000.00")
    await contracted(api, uuid4(), "TR", amount="400000.00")
    report = (await api.client.get("/api/v1/analytics/kpi", headers=auth("mic_officer"))).json()
    repair = next(c for c in report["categories"] if c["category"] == "repair")
    assert (repair["contracted_value_kzt"], repair["domestic_value_kzt"]) == ("1000000.00", "600000.00")
    assert repair["domestic_share"] == 60.0
    assert repair["target"] == 55.0
    assert [c["category"] for c in report["categories"]] == ["repair", "modernization", "production"]


# --- documentation -----------------------------------------------------------------------------


async def test_every_orders_operation_is_documented_with_roles_summary_and_errors(api: Api) -> None:
    schema = (await api.client.get("/openapi.json")).json()
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/") and not path.startswith(("/api/v1/audit", "/api/v1/webhooks"))  # the kernel's
        for method, op in item.items()
    ]
    # 20, and since contract section 8: six amendment operations and an exchange rate's history.
    assert len(operations) == 27
    for path, method, op in operations:
        assert op.get("summary") and op.get("description"), (path, method)
        assert {"401", "403", "422"} <= op["responses"].keys(), (path, method)
        assert op.get("security"), (path, method)


# --- time and configuration --------------------------------------------------------------------


async def test_a_delivery_after_the_deadline_is_not_on_time(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    supplier_id = uuid4()
    order = await contracted(api, supplier_id)
    url, me = f"/api/v1/orders/{order['id']}", supplier(supplier_id)
    await api.client.post(f"{url}/start-production", headers=me)
    await api.client.post(f"{url}/submit-for-inspection", json={"lot_size": 100}, headers=me)
    await lot_verdict(api.app, order["id"], accepted=True, round=1)
    await eventually(lambda: _is(api.client, order["id"], "accepted"), what="accepted")
    await api.client.post(f"{url}/ship", json={"waybill": "WB-LATE"}, headers=me)
    day_after = date.fromisoformat(order["delivery_deadline"]) + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda timezone=None: day_after)
    delivered = (await api.client.post(f"{url}/confirm-delivery", json={"received_quantity": 100}, headers=MOD)).json()
    assert (delivered["on_time"], delivered["delivered_on"], delivered["received_quantity"]) == (
        False,
        day_after.isoformat(),
        100,
    )


async def test_a_draft_whose_deadline_has_passed_cannot_be_published(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    order = await create(api.client)
    day_after = date.fromisoformat(order["delivery_deadline"]) + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda timezone=None: day_after)
    problem = assert_problem(await api.client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD), 422)
    assert problem["errors"][0]["field"] == "delivery_deadline"
    assert await status_of(api.client, order["id"]) == "draft"


async def test_a_draft_accepts_a_merge_patch_body(api: Api) -> None:
    order = await create(api.client)
    headers = {**MOD, "Content-Type": "application/merge-patch+json"}
    response = await api.client.patch(f"/api/v1/orders/{order['id']}", content=b'{"unit": "set"}', headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["unit"] == "set"


async def test_kpi_targets_come_from_sdo_kpi_targets(tmp_path: Path) -> None:
    app = orders_app(
        f"sqlite+aiosqlite:///{tmp_path / 'kpi.db'}", f"memory://kpi-{uuid4().hex}", kpi_targets="repair=60"
    )
    async with running(app) as client:
        report = (await client.get("/api/v1/analytics/kpi", headers=AUDITOR)).json()["categories"]
    assert [c["target"] for c in report] == [60.0, 35.0, 70.0]
