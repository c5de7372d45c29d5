"""Fixtures of the messaging tests, one of each per test: brokers and a proxy in front of RabbitMQ.

Each test starts its own tiny services (``tiny_service``) on its own databases and vhost, so it
reads absolute figures from them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integration.messaging.tcp_proxy import TcpProxy


@pytest.fixture(params=["rabbitmq", "memory"])
def broker_url(request: pytest.FixtureRequest) -> str:
    """The test's own vhost on RabbitMQ, then its own in-process bus: the same code on both."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    """A TCP proxy to RabbitMQ that the test can cut, stall and restore."""
    async with TcpProxy() as started:
        yield started
