"""`sdo status` against the suite running as `sdo up` runs it: every service in one process, over real HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from services.cli import SERVICES, _app_factory, _SharedSignalServer
from tests.integration.orders.orders_helpers import spec
from tests.support import JWT_SECRET, auth, eventually

ROOT = Path(__file__).parents[3]


@pytest.fixture
async def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_url: str) -> AsyncIterator[dict[str, str]]:
    """Every service of `sdo up` on a free port of this machine; their URLs by name."""
    monkeypatch.setenv("SDO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SDO_AMQP_URL", memory_url)
    monkeypatch.setenv("SDO_JWT_SECRET", JWT_SECRET)
    for name in list(os.environ):
        if name.startswith("SDO_") and name.endswith("DATABASE_URL"):
            monkeypatch.delenv(name)
    servers = {
        name: _SharedSignalServer(uvicorn.Config(_app_factory(name), host="127.0.0.1", port=0, log_level="warning"))
        for name in SERVICES
    }
    tasks = [asyncio.create_task(server.serve()) for server in servers.values()]
    try:
        await eventually(lambda: _now(all(s.started for s in servers.values())), what="the services listening")
        urls = {name: f"http://127.0.0.1:{s.servers[0].sockets[0].getsockname()[1]}" for name, s in servers.items()}
        async with httpx.AsyncClient(timeout=5) as client:

            async def ready() -> bool:
                answers = [await client.get(f"{url}/readyz") for url in urls.values()]
                return all(a.status_code == 200 for a in answers)

            await eventually(ready, what="every service ready")
        yield urls
    finally:
        for server in servers.values():
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


async def sdo_status(urls: dict[str, str]) -> tuple[int, str]:
    env = {**os.environ, **{f"SDO_{name.upper()}_URL": url for name, url in urls.items()}, "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "status", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert not err.strip() or process.returncode == 0, err.decode()
    return int(process.returncode or 0), out.decode()


async def test_sdo_status_names_each_service_its_readiness_and_the_last_changes(suite: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        created = await client.post(f"{suite['orders']}/api/v1/orders", json=spec(), headers=auth("mod_officer"))
        assert created.status_code == 201, created.text
    code, out = await sdo_status(suite)
    assert code == 0, out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    for name, url in suite.items():
        assert name in rows, out
        assert url in rows[name] and "ready" in rows[name] and "not ready" not in rows[name], rows[name]
    assert "DLQ" in out and "outbox" in out
    assert created.json()["id"] in out, out  # the order's creation is among the last changes


async def test_sdo_status_says_which_service_does_not_answer_and_exits_1(suite: dict[str, str]) -> None:
    urls = {**suite, "quality": "http://127.0.0.1:9"}  # nothing listens on the discard port
    code, out = await sdo_status(urls)
    assert code == 1
    row = next(line for line in out.splitlines() if "│" in line and line.split("│")[1].strip() == "quality")
    assert "unreachable" in row, out


async def _now(value: object) -> object:
    return value
