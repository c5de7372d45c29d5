"""Per-test fixtures of the orders integration tests: every test gets a service of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.orders.orders_helpers import Api, orders_app
from tests.support import running


@pytest.fixture
async def api(sqlite_url: str, memory_url: str) -> AsyncIterator[Api]:
    """The orders service on a fresh SQLite database and an in-process bus of this test's own."""
    app = orders_app(sqlite_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)
