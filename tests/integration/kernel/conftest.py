"""Fixtures of the kernel tests, one of each per test: the widgets service and clients talking to it.

No app is shared between tests, so a test reads absolute figures (counts, metrics, audit sequence)
from a service that only it has used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.integration.kernel.kernel_support import widgets


@pytest.fixture
async def widgets_service(sqlite_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The widgets service on a SQLite database of this test's own, and a client talking to it."""
    async with widgets(sqlite_url) as started:
        yield started


@pytest.fixture
def client(widgets_service: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return widgets_service[1]


@pytest.fixture
async def client_on_each_engine(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a widgets service of this test's own, on SQLite and then on PostgreSQL."""
    async with widgets(database_url) as (_, started):
        yield started
