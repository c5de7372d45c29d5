"""Fixtures of the webhook tests: webhook settings for a loopback receiver, and the orders service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.orders.orders_helpers import Api, orders_app
from tests.support import running

# Fast retries, few attempts, and deliveries allowed to the loopback receivers only.
WEBHOOK_ENV = {
    "SDO_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "SDO_WEBHOOK_MAX_ATTEMPTS": "4",
    "SDO_WEBHOOK_RETRY_BASE_SECONDS": "0.05",
    "SDO_WEBHOOK_RETRY_MAX_SECONDS": "0.2",
    "SDO_WEBHOOK_POLL_SECONDS": "0.1",
    "SDO_WEBHOOK_TIMEOUT_SECONDS": "5",
}


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in WEBHOOK_ENV.items():
        monkeypatch.setenv(name, value)
    return WEBHOOK_ENV


@pytest.fixture
async def api(database_url: str, memory_url: str, webhook_env: dict[str, str]) -> AsyncIterator[Api]:
    """The orders service, on SQLite and on PostgreSQL, with an in-process bus of its own."""
    app = orders_app(database_url, memory_url)
    async with running(app) as client:
        yield Api(app, client, memory_url)
