"""The services as processes (``sdo serve``) that a test may stop, SIGKILL and start again.

Each service keeps its port across restarts, so clients carry on against the same URL; each
incarnation writes its own log. HTTP calls go through ``Api``, which retries what a crash makes a
client retry (a refused or cut connection, a 503, an ``Idempotency-Key`` still in flight) with the
same key and body, within a bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests import support
from tests.faults.rabbit_node import free_port

RETRYABLE = (httpx.TransportError,)
# A request retried after a crash may wait for the service to be back: bounded, never timed.
RETRY_WITHIN = 120.0


class ServiceProcess:
    def __init__(self, service: str, env: dict[str, str], log_dir: Path, name: str | None = None) -> None:
        self.service = service
        self.name = name or service
        self.port = free_port()
        self.env = env
        self.log_dir = log_dir
        self.incarnation = 0
        self.kills = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.log_dir / f"{self.name}-{self.incarnation}.log"

    def start(self) -> None:
        assert not self.running, f"{self.name} is running"
        self.incarnation += 1
        cmd = [sys.executable, "-m", "services.cli", "serve", self.service, "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port)]
        self.process = subprocess.Popen(cmd, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        while True:
            if not self.running:
                pytest.fail(f"{self.name} exited at start:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{self.name} not ready in {within:.0f} s:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as a crash or the OOM killer does it."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1

    def terminate(self, within: float = 20.0) -> None:
        """SIGTERM: the graceful stop a deployment does."""
        if not self.running:
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            pytest.fail(f"{self.name} did not stop on SIGTERM")

    def restart(self) -> None:
        self.start()
        self.wait_ready()


def service_env(tmp_path: Path, amqp_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SDO_AMQP_URL": amqp_url,
        "SDO_JWT_SECRET": support.JWT_SECRET,
        "SDO_DATA_DIR": str(tmp_path),
        "SDO_RELAY_POLL_SECONDS": "0.2",
        "SDO_RELAY_PUBLISH_TIMEOUT": "3",
        "SDO_LOG_LEVEL": "WARNING",
        **extra,
    }


@contextmanager
def started(
    services: dict[str, dict[str, str]], amqp_url: str, tmp_path: Path, **common: str
) -> Iterator[dict[str, ServiceProcess]]:
    """One process per service (name -> its own extra environment), each ready before this yields."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir(exist_ok=True)
    processes = {
        name: ServiceProcess(name, {**service_env(tmp_path, amqp_url, **common), **extra}, log_dir)
        for name, extra in services.items()
    }
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            process.wait_ready()
        yield processes
    finally:
        for process in processes.values():
            if process.running:
                assert process.process is not None
                process.process.terminate()
        for process in processes.values():
            if process.process is not None:
                try:
                    process.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.process.kill()


class CallFailed(AssertionError):
    pass


class Api:
    """An HTTP client of one service that rides out its crashes: retries with the same key and body."""

    def __init__(self, process: ServiceProcess) -> None:
        self.process = process
        self._local = threading.local()
        self.retries = 0
        self._lock = threading.Lock()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.process.url, timeout=15)
            self._local.client = client
        return client

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
        keyed: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """``method path``; a POST carries a fresh ``Idempotency-Key``, kept over retries."""
        sent = dict(headers or {})
        if keyed and method in ("POST", "PUT", "PATCH") and "Idempotency-Key" not in sent:
            sent["Idempotency-Key"] = str(uuid4())
        deadline = time.monotonic() + RETRY_WITHIN
        while True:
            try:
                response = self._client().request(method, path, headers=sent, **kwargs)
            except RETRYABLE as exc:
                problem: object = exc
            else:
                if response.status_code in expect:
                    return response
                if not _retryable(response):
                    raise CallFailed(f"{method} {path} -> {response.status_code}: {response.text[:800]}")
                problem = f"{response.status_code} {response.text[:200]}"
            with self._lock:
                self.retries += 1
            if time.monotonic() > deadline:
                raise CallFailed(f"{method} {path}: still failing after {RETRY_WITHIN:.0f} s: {problem}")
            time.sleep(0.2)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


def _retryable(response: httpx.Response) -> bool:
    if response.status_code in (502, 503, 504):
        return True
    if response.status_code == 409:
        try:
            return "idempotency-in-flight" in str(response.json().get("type", ""))
        except ValueError:
            return False
    return False


def wait_for(probe: Any, what: str, within: float = 90.0, interval: float = 0.2) -> Any:
    """Poll ``probe`` until it returns something truthy; a bound on waiting, never a timed assertion."""
    deadline = time.monotonic() + within
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {within:.0f} s (last: {last!r})")
        time.sleep(interval)


@contextmanager
def postgres_databases(services: Iterable[str]) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database per service; dropped afterwards."""
    import asyncio

    urls: dict[str, str] = {}
    try:
        for name in services:
            urls[name] = asyncio.run(support.create_pg_database())
        yield urls
    finally:
        for url in urls.values():
            asyncio.run(support.drop_pg_database(url))


def database_env(service: str, url: str) -> dict[str, str]:
    return {f"SDO_{service.upper()}_DATABASE_URL": url}
