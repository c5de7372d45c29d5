"""Servers as child processes on free ports: start, wait until ready, stop."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def suite_root() -> Path:
    """The checkout the suite is run from: this one, or another (``--suite-root``) to measure a given commit."""
    return Path(os.environ.get("SDO_BENCH_SUITE_ROOT", ROOT)).resolve()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    url: str
    command: list[str]
    process: subprocess.Popen[bytes]
    log: Path
    # Environment variables the command was given on top of the harness's own (for RESULTS.md).
    env_names: list[str] = field(default_factory=list)

    def shown(self) -> str:
        prefix = " ".join(f"{name}=..." for name in self.env_names)
        command = shlex.join(self.command).replace(f"{ROOT}/", "")
        return f"{prefix} {command}".strip()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start(
    name: str, command: list[str], port: int, extra_env: dict[str, str], log_dir: Path, cwd: Path = ROOT
) -> Server:
    log = log_dir / f"{name}.log"
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **extra_env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(name, f"http://127.0.0.1:{port}", command, process, log, sorted(extra_env))


def wait_ready(server: Server, path: str, within: float = 90.0) -> None:
    """Poll ``path`` until it answers 200; exit with the server's log if it dies or never does."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{server.name} not ready within {within:.0f} s:\n{server.log_tail()}")


def _signal(server: Server, sig: signal.Signals) -> None:
    # Each server leads a process group of its own (start_new_session), so this reaches its workers too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, sig)


def stop(servers: list[Server]) -> None:
    """SIGTERM each (and its children), then SIGKILL what has not exited within 20 s."""
    for server in servers:
        if server.process.poll() is None:
            _signal(server, signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal(server, signal.SIGKILL)
            server.process.wait(timeout=10)
