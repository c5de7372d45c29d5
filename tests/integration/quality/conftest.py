"""Fixtures of the quality integration tests: a fresh app and client for every test, nothing shared."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from quality_fixtures import quality_app

from tests.support import running


@pytest.fixture
async def app(sqlite_url: str, memory_url: str) -> FastAPI:
    """The quality service on its own SQLite file and in-process bus."""
    return quality_app(sqlite_url, memory_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client
