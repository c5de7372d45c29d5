"""Fixtures shared by every test: databases on SQLite and PostgreSQL, vhosts on RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import support


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: every test that persists runs on both engines."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    url = await support.create_pg_database()
    try:
        yield url
    finally:
        await support.drop_pg_database(url)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    url = await support.create_pg_database()
    try:
        yield url
    finally:
        await support.drop_pg_database(url)


@pytest.fixture
def rabbitmq_url() -> Iterator[str]:
    """An AMQP URL on a vhost of this test's own (real RabbitMQ)."""
    vhost = support.create_vhost()
    try:
        yield support.amqp_url(vhost)
    finally:
        support.delete_vhost(vhost)


@pytest.fixture
def memory_url(request: pytest.FixtureRequest) -> str:
    """An in-process bus of this test's own."""
    return f"memory://{request.node.nodeid}"
