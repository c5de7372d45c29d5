"""What the services' databases and the broker say after a fault: lost, applied twice, left unsent.

- *lost*: an event a producer committed to its outbox, routed by the broker's bindings to a
  consumer's queue, whose id is not in that consumer's inbox (or still unsent);
- *applied twice*: an order whose history holds a transition more often than its path drew it;
- *unsent*: outbox rows with no ``sent_at``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg


def dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


async def _fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn(url), timeout=10)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(url, query, *args))


def unsent(url: str) -> int:
    return int(fetch(url, "SELECT count(*) AS n FROM sdo_outbox WHERE sent_at IS NULL")[0]["n"])


def outbox_rows(url: str) -> list[asyncpg.Record]:
    return fetch(url, "SELECT event_id, event_type, routing_key, created_at, sent_at FROM sdo_outbox ORDER BY id")


def inbox_ids(url: str) -> set[str]:
    return {r["event_id"] for r in fetch(url, "SELECT event_id FROM sdo_inbox")}


def histories(orders_url: str) -> dict[str, list[str]]:
    rows = fetch(orders_url, "SELECT order_id, to_status FROM order_history ORDER BY order_id, id")
    paths: dict[str, list[str]] = {}
    for row in rows:
        paths.setdefault(str(row["order_id"]), []).append(row["to_status"])
    return paths


def applied_twice(paths: dict[str, list[str]], expected: dict[str, list[str]]) -> int:
    """Transitions an order's history holds more often than its expected path draws them."""
    extra = 0
    for oid, wanted in expected.items():
        have, want = Counter(paths.get(oid, [])), Counter(wanted)
        extra += sum(max(0, n - want[status]) for status, n in have.items())
    return extra


def bindings_from_rabbitmqctl(run: Callable[..., str], vhost: str | None = None) -> dict[str, set[str]]:
    """Routing keys bound to each queue on ``sdo.events``, as the broker holds them."""
    args = ["list_bindings", "-q", "source_name", "destination_name", "routing_key", "--formatter", "json"]
    if vhost:
        args += ["-p", vhost]
    keys: dict[str, set[str]] = {}
    for row in json.loads(run(*args) or "[]"):
        if row["source_name"] == "sdo.events":
            keys.setdefault(row["destination_name"], set()).add(row["routing_key"])
    return keys


def shared_broker_ctl(*args: str) -> str:
    result = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


@dataclass
class Delivery:
    """For one consumer: the events routed to it, those it applied (in its inbox), those missing."""

    consumer: str
    routed: int
    applied: int
    missing: list[str]


def deliveries(
    databases: dict[str, str], bindings: dict[str, set[str]], consumers: Iterable[str]
) -> dict[str, Delivery]:
    """Every event in every producer's outbox whose routing key is bound to ``sdo.<consumer>``."""
    rows = [row for url in databases.values() for row in outbox_rows(url)]
    found: dict[str, Delivery] = {}
    for consumer in consumers:
        keys = bindings.get(f"sdo.{consumer}", set())
        routed = {row["event_id"] for row in rows if row["routing_key"] in keys}
        inbox = inbox_ids(databases[consumer])
        found[consumer] = Delivery(consumer, len(routed), len(routed & inbox), sorted(routed - inbox))
    return found


def lost(found: dict[str, Delivery]) -> int:
    return sum(len(d.missing) for d in found.values())
