"""Fixtures of the docs tests: each service as a real server (uvicorn, its own process) on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services import cli
from services.cli import SERVICES
from tests import support

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Served:
    name: str
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=sorted(SERVICES))
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One service of the composition root's registry, started by uvicorn on SQLite and the in-process bus."""
    name = str(request.param)
    data = tmp_path_factory.mktemp(f"served-{name}")
    port, log = _free_port(), data / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDO_")}
    env.update(SDO_AMQP_URL=f"memory://docs-{name}", SDO_JWT_SECRET=support.JWT_SECRET, SDO_DATA_DIR=str(data))
    command = [sys.executable, "-m", "uvicorn", f"services.{name}.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"{name} exited at start:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not ready in 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Served(name, url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def service_apps() -> dict[str, FastAPI]:
    """Every service of the composition root's registry, built the way ``sdo`` builds it (nothing started)."""
    return {name: cli._app_factory(name) for name in SERVICES}
