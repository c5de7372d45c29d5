"""Fixtures of the observability tests: spans kept in memory, and the suite's services side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.orders.db.tables import metadata
from services.orders.settings import OrdersSettings
from shared.service import build_app
from shared.telemetry import tracing
from tests.integration.orders.orders_helpers import Api, orders_app
from tests.integration.suppliers.supplier_fixtures import suppliers_app
from tests.support import JWT_SECRET, running


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span the services started in this test record, kept in memory (as SDO_OTEL_EXPORTER would export)."""
    exporter = InMemorySpanExporter()
    tracing.configure(lambda: SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        tracing.configure(None)


class Pair(NamedTuple):
    orders: FastAPI
    suppliers: FastAPI
    orders_client: httpx.AsyncClient
    suppliers_client: httpx.AsyncClient


def counted_orders_app(database_url: str, bus: str) -> FastAPI:
    """The orders service declaring its orders' status column for ``sdo_resources_by_status``, as
    ``services/orders/app.py`` does with ``status_gauges=metadata.tables["orders"].c.status``."""
    spec = replace(orders_app(database_url, bus).state.service_spec, status_gauges=metadata.tables["orders"].c.status)
    return build_app(spec, OrdersSettings(database_url=database_url, amqp_url=bus, jwt_secret=JWT_SECRET))


@asynccontextmanager
async def orders_and_suppliers(tmp_path: Path, bus: str) -> AsyncIterator[Pair]:
    """Orders and suppliers in this process, each on a SQLite database of its own, sharing one bus."""
    orders = counted_orders_app(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}", bus)
    suppliers = suppliers_app(f"sqlite+aiosqlite:///{tmp_path / 'suppliers.db'}", bus)
    async with running(orders) as orders_client, running(suppliers) as suppliers_client:
        yield Pair(orders, suppliers, orders_client, suppliers_client)


@pytest.fixture
async def pair(tmp_path: Path, memory_url: str) -> AsyncIterator[Pair]:
    async with orders_and_suppliers(tmp_path, memory_url) as started:
        yield started


@pytest.fixture
async def traced_pair(spans: InMemorySpanExporter, tmp_path: Path, memory_url: str) -> AsyncIterator[Pair]:
    """The same two services, traced into ``spans`` from their start."""
    async with orders_and_suppliers(tmp_path, memory_url) as started:
        yield started


@pytest.fixture
async def api(sqlite_url: str, memory_url: str) -> AsyncIterator[Api]:
    """The orders service alone, on SQLite and an in-process bus of this test's own."""
    app = orders_app(sqlite_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)
