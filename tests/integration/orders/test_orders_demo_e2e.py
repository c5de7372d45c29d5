"""`sdo demo` against `sdo up`: the four services as one process, reached over real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.demo import run_demo

pytestmark = pytest.mark.e2e


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    ports = dict(zip(("orders", "suppliers", "quality", "fund"), free_ports(4), strict=True))
    env = {**os.environ, "SDO_DATA_DIR": str(tmp_path / "var"), "SDO_AMQP_URL": "memory://"}
    for name in (
        "DATABASE_URL",
        "ORDERS_DATABASE_URL",
        "SUPPLIERS_DATABASE_URL",
        "QUALITY_DATABASE_URL",
        "FUND_DATABASE_URL",
    ):
        env.pop(f"SDO_{name}", None)
    args = [f"--{name}-port={port}" for name, port in ports.items()]
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "up", "--log-level=warning", *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for name, port in ports.items():
            monkeypatch.setenv(f"SDO_{name.upper()}_URL", f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while not all(_ready(port) for port in ports.values()):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else "sdo up exited"
            assert time.monotonic() < deadline, "the services did not become ready"
            time.sleep(0.2)
        yield
    finally:
        # Ctrl-C stops all four services cleanly.
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


async def test_the_demo_walks_one_order_to_closed(suite: None, capsys: pytest.CaptureFixture[str]) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for name in ("ORDERS", "SUPPLIERS", "QUALITY", "FUND"):
            docs = await client.get(f"{os.environ[f'SDO_{name}_URL']}/docs")
            assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert await asyncio.to_thread(run_demo) == 0
    out = capsys.readouterr().out
    assert "history: draft -> published -> award_pending -> contracted" in out
    # Two lots: the first accepted and shipped while the second is still in production.
    assert (
        "contracted -> in_production -> inspection -> in_production -> in_production -> inspection -> accepted" in out
    )
    assert "shipped -> shipped -> delivered -> closed" in out
    assert "lot 1 on time: True, lot 2 on time: True" in out
    # The funded order: refused publication until the fund approved its project, then published and awarded.
    assert "publishing it is refused: fund project" in out
    assert "Published the funded order once the fund's approval arrived: published" in out
    assert out.rstrip().endswith(
        "demo complete: one order walked from specification to closure, and one funded by the Development Fund"
    )
