"""Bad input: every case the contract names is a 422 naming the field, and nothing is written."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.integration.orders.orders_helpers import AUDITOR, MOD, Api, create, published, spec, supplier
from tests.support import assert_problem

REQ = {"code": "LEN", "name": "Length", "unit": "mm", "min": 1, "max": 2, "critical": True}


async def written(client: httpx.AsyncClient) -> tuple[int, int]:
    """How many orders exist and the last feed seq."""
    orders = (await client.get("/api/v1/orders", params={"limit": 500}, headers=AUDITOR)).json()["items"]
    feed = (await client.get("/api/v1/orders/changes", params={"limit": 500}, headers=AUDITOR)).json()
    return len(orders), feed["last_seq"]


BAD_CREATES: list[tuple[str, dict[str, Any], str]] = [
    ("quantity zero", {"quantity": 0}, "quantity"),
    ("quantity negative", {"quantity": -3}, "quantity"),
    ("quantity fractional", {"quantity": 2.5}, "quantity"),
    ("unknown category", {"category": "catering"}, "category"),
    ("unknown funding source", {"funding_source": "lottery"}, "funding_source"),
    ("min above max", {"technical_requirements": [{**REQ, "min": 5, "max": 4}]}, "technical_requirements[0].min"),
    (
        "duplicate codes",
        {"technical_requirements": [REQ, {**REQ, "name": "Again"}]},
        "technical_requirements[1].code",
    ),
    ("no requirements", {"technical_requirements": []}, "technical_requirements"),
    ("aql off the ISO list", {"aql": 0.3}, "aql"),
    ("local content above 100", {"min_local_content": 100.5}, "min_local_content"),
    ("local content below 0", {"min_local_content": -1}, "min_local_content"),
    (
        "deadline in the past",
        {"delivery_deadline": (date.today() - timedelta(days=2)).isoformat()},
        "delivery_deadline",
    ),
    (
        "ceiling in an unknown currency",
        {"price_ceiling": {"amount": "10.00", "currency": "XYZ"}},
        "price_ceiling.currency",
    ),
    ("ceiling as a float", {"price_ceiling": {"amount": 10.5, "currency": "KZT"}}, "price_ceiling.amount"),
    ("ceiling with three decimals", {"price_ceiling": {"amount": "1.005", "currency": "KZT"}}, "price_ceiling.amount"),
    ("blank title", {"title": "   "}, "title"),
    ("ceiling of zero", {"price_ceiling": {"amount": "0.00", "currency": "KZT"}}, "price_ceiling"),
    ("unknown field", {"status": "closed"}, "status"),
    ("requirement without a code", {"technical_requirements": [{**REQ, "code": ""}]}, "technical_requirements[0].code"),
    ("certification twice", {"required_certifications": ["ISO 9001", "ISO 9001"]}, "required_certifications"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
async def test_a_bad_create_is_422_naming_the_field_and_writes_nothing(
    api: Api, case: str, change: dict[str, Any], field: str
) -> None:
    response = await api.client.post("/api/v1/orders", json=spec(**change), headers=MOD)
    problem = assert_problem(response, 422)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert await written(api.client) == (0, 0)


async def test_a_missing_field_is_named(api: Api) -> None:
    body = spec()
    del body["price_ceiling"]
    problem = assert_problem(await api.client.post("/api/v1/orders", json=body, headers=MOD), 422)
    assert problem["errors"][0]["field"] == "price_ceiling"


async def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/orders", content=b"{not json", headers={**MOD, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_a_refused_create_does_not_use_up_an_order_number(api: Api) -> None:
    first = await create(api.client)
    assert_problem(await api.client.post("/api/v1/orders", json=spec(aql=3), headers=MOD), 422)
    assert_problem(
        await api.client.post("/api/v1/orders", json=spec(technical_requirements=[REQ, REQ]), headers=MOD),
        422,
    )
    second = await create(api.client)
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"title": None}, "title"),
        ({"quantity": 0}, "quantity"),
        ({"supplier_id": str(uuid4())}, "supplier_id"),
        ({"technical_requirements": [{**REQ, "min": 3, "max": 2}]}, "technical_requirements[0].min"),
        ({}, "body"),
    ],
)
async def test_a_bad_patch_is_422_and_leaves_the_draft_as_it_was(api: Api, patch: dict[str, Any], field: str) -> None:
    order = await create(api.client)
    response = await api.client.patch(f"/api/v1/orders/{order['id']}", json=patch, headers=MOD)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == field
    assert (await api.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json() == order


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contract_price": {"amount": "1.00", "currency": "KZT"}}, "supplier_id"),
        ({"supplier_id": "nope", "contract_price": {"amount": "1.00", "currency": "KZT"}}, "supplier_id"),
        ({"supplier_id": str(uuid4()), "contract_price": {"amount": "-1", "currency": "KZT"}}, "contract_price.amount"),
        ({"supplier_id": str(uuid4()), "contract_price": {"amount": "0", "currency": "KZT"}}, "contract_price"),
        (
            {"supplier_id": str(uuid4()), "contract_price": {"amount": "1", "currency": "ABC"}},
            "contract_price.currency",
        ),
        (
            {"supplier_id": str(uuid4()), "contract_price": {"amount": "1000000.01", "currency": "KZT"}},
            "contract_price",
        ),
    ],
)
async def test_a_bad_award_is_422_and_the_order_stays_published(api: Api, body: dict[str, Any], field: str) -> None:
    order = await published(api.client)
    problem = assert_problem(await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD), 422)
    assert problem["errors"][0]["field"] == field
    assert (await api.client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json() == order


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("cancel", {}, "reason"),
        ("cancel", {"reason": ""}, "reason"),
        ("submit-for-inspection", {"lot_size": 0}, "lot_size"),
        ("confirm-delivery", {"received_quantity": "ten"}, "received_quantity"),
    ],
)
async def test_a_bad_command_body_is_422_naming_the_field(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    order = await create(api.client)
    headers = MOD if path != "submit-for-inspection" else supplier(uuid4())
    problem = assert_problem(
        await api.client.post(f"/api/v1/orders/{order['id']}/{path}", json=body, headers=headers), 422
    )
    assert problem["errors"][0]["field"] == field


async def test_a_feed_position_below_zero_is_422(api: Api) -> None:
    problem = assert_problem(await api.client.get("/api/v1/orders/changes?after=-1", headers=AUDITOR), 422)
    assert problem["errors"][0]["field"] == "after"


async def test_a_feed_position_beyond_a_bigint_is_422_not_500(api: Api) -> None:
    problem = assert_problem(await api.client.get(f"/api/v1/orders/changes?after={2**63}", headers=AUDITOR), 422)
    assert problem["errors"][0]["field"] == "after"
    largest = await api.client.get(f"/api/v1/orders/changes?after={2**63 - 1}", headers=AUDITOR)
    assert largest.status_code == 200, largest.text
    assert largest.json() == {"changes": [], "last_seq": 2**63 - 1}


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_an_updated_since_without_a_utc_date_is_422_not_500(api: Api, moment: str) -> None:
    response = await api.client.get("/api/v1/orders", params={"updated_since": moment}, headers=AUDITOR)
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "updated_since"


async def test_updated_since_with_an_offset_means_the_same_instant_in_utc(api: Api) -> None:
    order = await create(api.client)
    changed = datetime.fromisoformat(order["updated_at"])
    as_astana = changed.astimezone(timezone(timedelta(hours=5))).isoformat()
    later = (changed + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=5))).isoformat()
    listed = await api.client.get("/api/v1/orders", params={"updated_since": as_astana, "limit": 500}, headers=AUDITOR)
    assert order["id"] in [o["id"] for o in listed.json()["items"]]
    listed = await api.client.get("/api/v1/orders", params={"updated_since": later, "limit": 500}, headers=AUDITOR)
    assert order["id"] not in [o["id"] for o in listed.json()["items"]]


async def test_a_whole_number_written_with_a_fraction_is_an_integer(api: Api) -> None:
    # JSON Schema's integer: 12.0 is 12. A string or a real fraction stays refused.
    order = await create(api.client, quantity=12.0)
    assert order["quantity"] == 12
    assert_problem(await api.client.post("/api/v1/orders", json=spec(quantity="12"), headers=MOD), 422)


async def test_the_document_offers_no_null_and_no_default_to_patch(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    patch = document["components"]["schemas"]["OrderPatch"]["properties"]
    assert all("null" not in str(field) and "default" not in field for field in patch.values()), patch


async def test_the_document_states_the_currency_code_pattern(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    rate = document["paths"]["/api/v1/exchange-rates/{currency}"]
    assert rate["get"]["parameters"][0]["schema"]["pattern"] == "^[A-Z]{3}$"
    # KZT is the unit of account: no rate can be set for it.
    assert rate["put"]["parameters"][0]["schema"]["pattern"] == "^(?!KZT$)[A-Z]{3}$"


@pytest.mark.parametrize("moment", ["0.5", "1700000000", "2030-01-31", "2030-01-31T09:00:00", "yesterday"])
async def test_updated_since_is_rfc_3339_with_an_offset_and_nothing_else(api: Api, moment: str) -> None:
    response = await api.client.get("/api/v1/orders", params={"updated_since": moment}, headers=AUDITOR)
    assert assert_problem(response, 422)["errors"][0]["field"] == "updated_since"
