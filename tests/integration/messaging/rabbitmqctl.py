"""The broker as an operator sees it: rabbitmqctl on the test's own vhost."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any
from urllib.parse import unquote

from yarl import URL


def vhost_of(amqp_url: str) -> str:
    return unquote(URL(amqp_url).path.lstrip("/"))


async def rabbitmqctl(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {err.decode().strip()}")
    return out.decode()


async def rabbitmqctl_json(*args: str) -> list[dict[str, Any]]:
    out = await rabbitmqctl(*args, "--formatter", "json")
    return json.loads(out) if out.strip() else []


def arguments_of(raw: list[list[Any]]) -> dict[str, Any]:
    """rabbitmqctl's ``[[name, type, value], ...]`` as a dict."""
    return {name: value for name, _type, value in raw}


async def consumers(vhost: str) -> Counter[str]:
    """Consumers per queue."""
    rows = await rabbitmqctl_json("list_consumers", "-p", vhost, "queue_name")
    return Counter(r["queue_name"] for r in rows)


async def connections(vhost: str) -> list[str]:
    """The pids of the client connections of ``vhost`` (and no one else's)."""
    out = await rabbitmqctl("list_connections", "vhost", "pid", "--no-table-headers")
    rows = (line.split("\t") for line in out.splitlines())
    return [parts[1] for parts in rows if len(parts) == 2 and parts[0] == vhost]


async def close_connections(vhost: str, reason: str = "closed by test") -> int:
    """Close, from the broker's side, every client connection of ``vhost``."""
    pids = await connections(vhost)
    for pid in pids:
        await rabbitmqctl("close_connection", pid, reason)
    return len(pids)
