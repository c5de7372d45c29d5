"""The figures operators ask for, as /metrics exposes them, and the Grafana dashboard built on their names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from shared.events.envelope import CONTENT_TYPE
from shared.events.types import EventType
from tests.integration.observability.conftest import Pair
from tests.integration.observability.walk import contracted_order
from tests.support import EventTap, eventually

DASHBOARD = Path(__file__).parents[3] / "deploy" / "grafana" / "sdo.json"
# A metric name in a PromQL expression (label names and functions never start with sdo_).
METRIC = re.compile(r"\bsdo_[a-z0-9_]+\b")


def sample(app: FastAPI, name: str, **labels: str) -> float | None:
    value: float | None = app.state.runtime.metrics.registry.get_sample_value(name, labels)
    return value


async def exposed(client: httpx.AsyncClient) -> set[str]:
    """Every metric name a scrape of /metrics shows: declared families and the samples they hold."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    names = {m.group(1) for m in re.finditer(r"^# TYPE (\S+) ", response.text, re.MULTILINE)}
    for family in text_string_to_metric_families(response.text):
        names |= {s.name for s in family.samples}
    return names


def expressions(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            found.append((panel["title"], target["expr"]))
    return found


async def traffic(pair: Pair, memory_url: str) -> None:
    """An order contracted through the saga, one event delivered twice, one malformed message."""
    async with EventTap(memory_url) as tap:
        await contracted_order(pair)
        requested = (await eventually(lambda: _now(tap.of_type(EventType.ORDER_AWARD_REQUESTED))))[0]
    transport = pair.orders.state.runtime.bus.transport
    await transport.publish(
        "order.award_requested", orjson.dumps(requested), message_id=requested["id"], content_type=CONTENT_TYPE
    )
    await transport.publish("order.award_requested", b"{not json", message_id="garbage-1", content_type=CONTENT_TYPE)
    suppliers = pair.suppliers

    async def settled() -> bool:
        duplicate = sample(suppliers, "sdo_inbox_duplicates_total", type=EventType.ORDER_AWARD_REQUESTED)
        return bool(duplicate and sample(suppliers, "sdo_events_dead_lettered_total", type="unknown"))

    await eventually(settled, what="the duplicate skipped and the malformed message dead-lettered")


async def test_every_panel_of_the_dashboard_names_metrics_the_services_expose(pair: Pair, memory_url: str) -> None:
    await traffic(pair, memory_url)
    names = await exposed(pair.orders_client) & await exposed(pair.suppliers_client)
    dashboard = json.loads(DASHBOARD.read_text())
    used = {}
    for title, expr in expressions(dashboard):
        metrics = METRIC.findall(expr)
        assert metrics, f"panel {title!r} charts no sdo metric: {expr}"
        for metric in metrics:
            used[metric] = title
    missing = {metric: title for metric, title in used.items() if metric not in names}
    assert not missing, f"panels name metrics no service exposes: {missing}"
    # ... and every figure the issue asks for has a panel.
    asked = {
        "sdo_http_requests_total", "sdo_http_request_duration_seconds_bucket", "sdo_resources_by_status",
        "sdo_outbox_backlog", "sdo_outbox_oldest_unsent_age_seconds", "sdo_events_consumed_total",
        "sdo_events_failed_total", "sdo_events_dead_lettered_total", "sdo_inbox_duplicates_total",
        "sdo_dlq_depth", "sdo_queue_depth", "sdo_events_published_total",
    }  # fmt: skip
    assert asked <= used.keys(), asked - used.keys()


async def test_the_figures_answer_where_orders_stand_and_what_is_stuck(pair: Pair, memory_url: str) -> None:
    await traffic(pair, memory_url)
    orders, suppliers = pair.orders_client, pair.suppliers_client

    async def scraped(client: httpx.AsyncClient, name: str, **labels: str) -> float | None:
        text = (await client.get("/metrics")).text
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return float(s.value)
        return None

    # Counted at scrape time from the orders table (the status column the service declares).
    assert await scraped(orders, "sdo_resources_by_status", status="contracted") == 1
    # The malformed message is parked in the suppliers' DLQ, read from the broker at scrape time.
    assert await scraped(suppliers, "sdo_dlq_depth", queue="sdo.suppliers.dlq") == 1
    assert await scraped(suppliers, "sdo_queue_depth", queue="sdo.suppliers") is not None
    assert await scraped(orders, "sdo_dlq_depth", queue="sdo.orders.dlq") == 0
    assert await scraped(suppliers, "sdo_events_dead_lettered_total", type="unknown") == 1
    assert await scraped(suppliers, "sdo_inbox_duplicates_total", type=EventType.ORDER_AWARD_REQUESTED) == 1
    applied = await scraped(
        suppliers, "sdo_events_consumed_total", type=EventType.ORDER_AWARD_REQUESTED, outcome="applied"
    )
    assert applied == 1
    assert (await scraped(orders, "sdo_events_published_total", routing_key="order.award_requested") or 0) >= 1
    assert await scraped(orders, "sdo_events_failed_total", type=EventType.SUPPLIER_AWARD_CONFIRMED) is None
    # The outbox drains: nothing committed waits for the broker.
    await eventually(lambda: _now(sample(pair.orders, "sdo_outbox_backlog") == 0), what="the orders outbox drained")


@pytest.mark.parametrize("route", ["/api/v1/orders/{order_id}", "/api/v1/orders"])
async def test_requests_are_counted_and_timed_by_route_template(pair: Pair, route: str) -> None:
    from tests.integration.orders.orders_helpers import AUDITOR

    await pair.orders_client.get(route.replace("{order_id}", "00000000-0000-0000-0000-000000000000"), headers=AUDITOR)
    labels = {"method": "GET", "route": route}
    counted = [
        s
        for family in text_string_to_metric_families((await pair.orders_client.get("/metrics")).text)
        for s in family.samples
        if s.name == "sdo_http_request_duration_seconds_count" and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert counted and sum(s.value for s in counted) >= 1


async def _now(value: Any) -> Any:
    return value
