"""Per-test fixtures of the suppliers integration tests: a fresh app, its client and an event tap each."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from supplier_fixtures import suppliers_app

from tests.support import EventTap, clock_on_collection_day, running


@pytest.fixture(autouse=True)
def _clock_on_collection_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here builds dates from the day of collection; the services judge them on that day too."""
    clock_on_collection_day(monkeypatch)


@pytest.fixture
async def app(sqlite_url: str, memory_url: str) -> FastAPI:
    return suppliers_app(sqlite_url, memory_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


@pytest.fixture
async def tap(memory_url: str) -> AsyncIterator[EventTap]:
    async with EventTap(memory_url) as tap:
        yield tap
