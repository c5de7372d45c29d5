"""The three services as separate processes (`sdo serve`), on RabbitMQ, each with its own database."""

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

from tests import support

SERVICES = ("orders", "suppliers", "quality")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Suite:
    urls: dict[str, str]
    logs: dict[str, Path]

    def client(self, service: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[service], timeout=10)


@pytest.fixture
def suite(rabbitmq_url: str, tmp_path: Path) -> Iterator[Suite]:
    ports = {name: _free_port() for name in SERVICES}
    env = {
        **os.environ,
        "SDO_AMQP_URL": rabbitmq_url,
        "SDO_JWT_SECRET": support.JWT_SECRET,
        "SDO_DATA_DIR": str(tmp_path),
        "SDO_RELAY_POLL_SECONDS": "0.2",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: tmp_path / f"{name}.log" for name in SERVICES}
    for name in SERVICES:
        cmd = [sys.executable, "-m", "services.cli", "serve", name, "--host", "127.0.0.1", "--port", str(ports[name])]
        processes[name] = subprocess.Popen(cmd, env=env, stdout=logs[name].open("wb"), stderr=subprocess.STDOUT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        deadline = time.monotonic() + 60
        for name, url in urls.items():
            while True:
                if processes[name].poll() is not None:
                    pytest.fail(f"{name} exited at start:\n{logs[name].read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} not ready in 60 s:\n{logs[name].read_text()[-3000:]}")
                time.sleep(0.2)
        yield Suite(urls, logs)
    finally:
        for process in processes.values():
            process.terminate()
        for name, process in processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"{name} did not stop on SIGTERM")
