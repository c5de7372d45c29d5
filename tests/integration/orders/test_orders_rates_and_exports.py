"""Exchange rates in force, the localized KPI and the CSV exports through the real app, on SQLite and
PostgreSQL (contract section 8; issue 11 item 5; issue 13 items 3 and 4)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.orders.api import routes
from tests.integration.orders.orders_helpers import AUDITOR, MOD, Api, orders_app, published, supplier
from tests.support import assert_problem, auth, eventually, inject, running

CSV = {"Accept": "text/csv"}


@pytest.fixture
async def both(database_url: str, memory_url: str) -> AsyncIterator[Api]:
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)


async def put_rate(api: Api, currency: str, body: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    return await api.client.put(f"/api/v1/exchange-rates/{currency}", json=body, headers={**MOD, **headers})


async def award(api: Api, order: dict[str, Any], amount: str, currency: str, supplier_id: Any = None):  # type: ignore[no-untyped-def]
    body = {"supplier_id": str(supplier_id or uuid4()), "contract_price": {"amount": amount, "currency": currency}}
    return await api.client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)


# --- rates in force --------------------------------------------------------------------------------


async def test_a_rate_takes_rate_or_kzt_per_unit_and_a_later_one_waits_for_its_moment(both: Api) -> None:
    now = await put_rate(both, "EUR", {"rate": "495.00"})
    assert (now.status_code, now.json()["kzt_per_unit"], now.json()["version"]) == (200, "495.00", 1)
    soon = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    scheduled = await put_rate(both, "EUR", {"kzt_per_unit": "500.00", "effective_from": soon.isoformat()})
    view = scheduled.json()
    assert (scheduled.status_code, view["kzt_per_unit"], view["version"]) == (200, "495.00", 2)
    assert [(s["kzt_per_unit"], s["version"]) for s in view["scheduled"]] == [("500.00", 2)]
    history = (
        await both.client.get("/api/v1/exchange-rates/EUR/history", headers=auth("supplier", supplier_id=uuid4()))
    ).json()
    assert [(h["version"], h["kzt_per_unit"]) for h in history["items"]] == [
        (0, "489.13"),
        (1, "495.00"),
        (2, "500.00"),
    ]
    assert history["items"][0]["effective_from"] is None
    assert datetime.fromisoformat(history["items"][2]["effective_from"].replace("Z", "+00:00")) == soon
    order = await published(both.client, price_ceiling={"amount": "495000.00", "currency": "KZT"})
    awarded = (await award(both, order, "1000.00", "EUR")).json()
    assert (awarded["contract_price_kzt"], awarded["rate_used"]) == ("495000.00", "495.00")  # the rate in force now
    page = (await both.client.get("/api/v1/exchange-rates/EUR/history", params={"limit": 1}, headers=AUDITOR)).json()
    assert page["next_cursor"] and [h["version"] for h in page["items"]] == [0]


async def test_an_award_keeps_the_rate_it_used_when_the_rate_is_set_back(database_url: str, memory_url: str) -> None:
    """Issue 11's attack with the bound lifted: EUR to 0.000001, an award, EUR back; the order shows what it used."""
    app = orders_app(database_url, memory_url, max_rate_change=0)
    async with running(app) as client:
        api = Api(app, client, memory_url)
        assert (await put_rate(api, "EUR", {"rate": "0.000001"})).status_code == 200
        order = await published(client)
        awarded = await award(api, order, "900000000.00", "EUR")
        assert awarded.status_code == 200, awarded.text
        assert (await put_rate(api, "EUR", {"rate": "489.13"})).status_code == 200
        kept = (await client.get(f"/api/v1/orders/{order['id']}", headers=AUDITOR)).json()
        assert (kept["contract_price"], kept["contract_price_kzt"], kept["rate_used"]) == (
            {"amount": "900000000.00", "currency": "EUR"},
            "900.00",
            "0.000001",
        )
        entries = (await client.get("/api/v1/audit", params={"resource_id": order["id"]}, headers=AUDITOR)).json()
        award_entry = next(e for e in entries["items"] if e["action"] == "order.award")
        assert (award_entry["details"]["rate_used"], award_entry["details"]["price_ceiling_kzt"]) == (
            "0.000001",
            "1000000.00",
        )
        rate_entries = (await client.get("/api/v1/audit", params={"resource_id": "EUR"}, headers=AUDITOR)).json()
        assert [e["details"]["to"] for e in rate_entries["items"]] == ["0.000001", "489.13"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": "0.000001"}, "rate"),  # more than 10x from 489.13 (SDO_MAX_RATE_CHANGE)
        ({"kzt_per_unit": "4891.31"}, "kzt_per_unit"),
        ({"rate": "500", "kzt_per_unit": "500"}, "rate"),
        ({}, "rate"),
        ({"rate": 500}, "rate"),
        ({"rate": "500", "effective_from": "2000-01-01T00:00:00Z"}, "effective_from"),
        ({"rate": "500", "effective_from": "2031-01-01"}, "effective_from"),
        ({"rate": "500", "effective_from": "tomorrow"}, "effective_from"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "500", "source": "treasury"}, "source"),
    ],
)
async def test_a_bad_rate_is_422_naming_the_field_and_changes_nothing(
    both: Api, body: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await put_rate(both, "EUR", body), 422)
    assert problem["errors"][0]["field"] == field, problem
    rate = (await both.client.get("/api/v1/exchange-rates/EUR", headers=AUDITOR)).json()
    assert (rate["kzt_per_unit"], rate["version"], rate["scheduled"]) == ("489.13", 0, [])
    assert len((await both.client.get("/api/v1/exchange-rates/EUR/history", headers=AUDITOR)).json()["items"]) == 1


async def test_an_unknown_currency_has_no_history(both: Api) -> None:
    assert_problem(await both.client.get("/api/v1/exchange-rates/XAU/history", headers=AUDITOR), 404)
    assert_problem(await both.client.get("/api/v1/exchange-rates/usd/history", headers=AUDITOR), 404)


# --- the localized KPI -----------------------------------------------------------------------------


async def contracted(api: Api, amount: str, country: str, share: str, **spec: Any) -> dict[str, Any]:
    supplier_id = uuid4()
    order = await published(api.client, **spec)
    assert (await award(api, order, amount, "KZT", supplier_id)).status_code == 200
    data = {"order_id": order["id"], "supplier_id": str(supplier_id), "supplier_country": country}
    await inject(api.app, "kz.sdo.supplier.award_confirmed.v1", supplier_id, {**data, "local_content_share": share})

    async def there() -> bool:
        status = await api.client.get(f"/api/v1/orders/{order['id']}/status", headers=AUDITOR)
        return status.json()["status"] == "contracted"

    await eventually(there, what="contracted")
    return order


async def test_the_kpi_weights_each_contract_by_its_local_content(both: Api) -> None:
    await contracted(both, "600000.00", "KZ", "60")
    await contracted(both, "400000.00", "TR", "10")
    report = (await both.client.get("/api/v1/analytics/kpi", headers=auth("mic_officer"))).json()
    repair = next(c for c in report["categories"] if c["category"] == "repair")
    assert (repair["domestic_share"], repair["localized_value_kzt"], repair["localized_share"]) == (
        60.0,
        "400000.00",
        40.0,
    )
    empty = next(c for c in report["categories"] if c["category"] == "production")
    assert (empty["localized_value_kzt"], empty["localized_share"]) == ("0.00", None)
    table = await both.client.get("/api/v1/analytics/kpi", headers={**AUDITOR, **CSV})
    assert table.headers["content-type"] == "text/csv; charset=utf-8" and table.headers["vary"] == "Accept"
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [r["category"] for r in rows] == ["repair", "modernization", "production"]
    assert (rows[0]["contracted_value_kzt"], rows[0]["localized_value_kzt"], rows[0]["localized_share"]) == (
        "1000000.00",
        "400000.00",
        "40.0",
    )
    assert rows[1]["localized_share"] == "" and rows[1]["gap"] == ""
    assert_problem(
        await both.client.get("/api/v1/analytics/kpi", headers={**auth("supplier", supplier_id=uuid4()), **CSV}), 403
    )


# --- the order list as CSV -------------------------------------------------------------------------


async def test_the_order_list_as_csv_streams_every_page_with_the_same_filters_and_cyrillic_intact(
    both: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "EXPORT_PAGE", 2)  # several pages from five orders
    titles = [f"Капитальный ремонт БТР-82А, партия {n}" for n in range(5)]  # noqa: RUF001
    made = [await published(both.client, title=title) for title in titles]
    table = await both.client.get(
        "/api/v1/orders", params={"status": "published", "limit": 1}, headers={**AUDITOR, **CSV}
    )
    assert table.status_code == 200 and table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.headers["content-disposition"] == 'attachment; filename="orders.csv"'
    text = table.content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in rows] == [o["number"] for o in reversed(made)]  # newest first, every page
    assert [r["title"] for r in rows] == list(reversed(titles))
    assert (rows[0]["status"], rows[0]["price_ceiling_amount"], rows[0]["contract_price_kzt"]) == (
        "published",
        "1000000.00",
        "",
    )
    assert text.startswith("number,id,title,category,status,")
    none = await both.client.get("/api/v1/orders", params={"category": "production"}, headers={**AUDITOR, **CSV})
    assert none.text.count("\r\n") == 1  # the header row alone
    json_page = await both.client.get("/api/v1/orders", params={"limit": 2}, headers=AUDITOR)
    assert json_page.headers["content-type"] == "application/json" and len(json_page.json()["items"]) == 2
    preferred = await both.client.get(
        "/api/v1/orders", headers={**AUDITOR, "Accept": "application/json, text/csv;q=0.5"}
    )
    assert preferred.headers["content-type"] == "application/json"


async def test_a_supplier_exports_only_its_own_orders(both: Api) -> None:
    mine = await contracted(both, "500000.00", "KZ", "70")
    await contracted(both, "400000.00", "KZ", "70")
    stored = (await both.client.get(f"/api/v1/orders/{mine['id']}", headers=AUDITOR)).json()
    table = await both.client.get("/api/v1/orders", headers={**supplier(stored["supplier_id"]), **CSV})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [(r["id"], r["contract_price_kzt"], r["local_content_share"], r["rate_used"]) for r in rows] == [
        (mine["id"], "500000.00", "70", "1")
    ]
    assert_problem(await both.client.get("/api/v1/orders", params={"status": "nope"}, headers={**AUDITOR, **CSV}), 422)


async def test_the_document_declares_both_representations(both: Api) -> None:
    paths = (await both.client.get("/openapi.json")).json()["paths"]
    for path in ("/api/v1/orders", "/api/v1/analytics/kpi"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv"} <= content.keys(), path
        assert content["text/csv"]["example"].count("\r\n") >= 2


async def test_resources_by_status_are_scraped_from_the_orders_table(both: Api) -> None:
    await published(both.client)
    await published(both.client)
    metrics = (await both.client.get("/metrics")).text
    line = next(
        x for x in metrics.splitlines() if x.startswith("sdo_resources_by_status") and 'status="published"' in x
    )
    assert float(line.rsplit(" ", 1)[1]) == 2.0
