"""A RabbitMQ node of the test's own: started, stopped and started again on the same data.

The machine's broker (``rabbit@localhost``, AMQP on 5672) keeps serving every other test. This node
has its own name (``sdo-fault-<random>@localhost``), its own database and logs under the test's tmp
directory, its own AMQP and distribution ports and its own config file, so nothing of the machine's
configuration (``/etc/rabbitmq/rabbitmq.conf`` pins 5672, ``rabbitmq-env.conf`` the node name) is
read. No plugin is enabled, so no management listener can clash with the machine's.

The real scripts are run (``/usr/lib/rabbitmq/bin/…`` on Debian, where ``/usr/sbin/rabbitmq-server``
is a wrapper that switches to the ``rabbitmq`` user), with ``HOME`` in the tmp directory: the node
and ``rabbitmqctl`` read the same Erlang cookie, one of the node's own, whoever runs the test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from tests import support


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _script(name: str) -> str:
    """The real RabbitMQ script, not the distribution's wrapper around it."""
    found = shutil.which(name)
    if found is None:
        support.unavailable("RabbitMQ", f"{name} not found")
    assert found is not None
    real = Path(found).resolve()
    if real.name == "rabbitmq-script-wrapper":
        real = real.parent / name
    return str(real)


class RabbitNode:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.nodename = f"sdo-fault-{secrets.token_hex(4)}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.home = base / "home"
        self.log_dir = base / "log"
        self.starts = 0
        self.stops = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._prepare()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _prepare(self) -> None:
        self.home.mkdir(parents=True)
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20).upper())
        cookie.chmod(0o400)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
            "loopback_users.guest = true\n"
            # A loaded CI machine is no reason to block publishers.
            "disk_free_limit.absolute = 50MB\n"
            "vm_memory_high_watermark.relative = 0.8\n"
        )
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq-env.conf").write_text("")

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.log_dir),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def ctl(self, *args: str, timeout: float = 90) -> str:
        result = subprocess.run(
            [_script("rabbitmqctl"), "-n", self.nodename, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout

    def start(self, within: float = 90) -> None:
        """Start the node as a child process (its console output to a file) and wait until it has booted."""
        assert self._process is None or self._process.poll() is not None, "the node is running"
        out = (self.base / f"console-{self.starts}.log").open("wb")
        self._process = subprocess.Popen(
            [_script("rabbitmq-server")], env=self.env(), stdout=out, stderr=subprocess.STDOUT, cwd=self.base
        )
        deadline = time.monotonic() + within
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.nodename} exited at start:\n{self.console_tail()}")
            try:
                # Fails at once while the node has not registered with epmd yet; then waits for the boot.
                self.ctl("await_startup", "--timeout", "30", timeout=40)
                break
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.nodename} not started in {within:.0f} s:\n{self.console_tail()}"
                    ) from None
                time.sleep(0.5)
        self.starts += 1

    def stop(self) -> None:
        """``rabbitmqctl stop``: the node shuts down (queues and persistent messages stay on disk)."""
        self.ctl("stop")
        if self._process is not None:
            self._process.wait(timeout=60)
        self.stops += 1

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self.stop()
            except (RuntimeError, subprocess.SubprocessError):
                self._process.kill()
                self._process.wait(timeout=30)

    def console_tail(self, chars: int = 3000) -> str:
        logs = sorted(self.base.glob("console-*.log")) + sorted(self.log_dir.glob("*.log"))
        return "\n".join(path.read_text(errors="replace")[-chars:] for path in logs[-2:])

    def queues(self) -> dict[str, dict[str, Any]]:
        """Queues of the default vhost by name: type, durability and messages (ready + unacked)."""
        out = self.ctl("list_queues", "-q", "name", "type", "durable", "messages", "--formatter", "json")
        return {row["name"]: row for row in json.loads(out or "[]")}
