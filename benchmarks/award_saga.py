"""The award round trip: award_pending -> contracted, two hops over the bus, from each order's /history."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import httpx
from seed import award, gather_limited, history, published_order, wait_status
from stats import percentile


@dataclass(frozen=True)
class AwardResult:
    order_ids: list[str]
    round_trips_ms: list[float]
    awards_per_second: float

    @property
    def p50_ms(self) -> float:
        return percentile(self.round_trips_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.round_trips_ms, 99)


def _at(entries: list[dict[str, object]], to_status: str) -> datetime:
    moment = next(str(e["at"]) for e in entries if e["to_status"] == to_status)
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


async def _paced(client: httpx.AsyncClient, orders: str, order_ids: list[str], supplier_id: str, rate: float) -> None:
    """One award call started every ``1 / rate`` seconds, whether or not the calls before have answered."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def at(i: int, order_id: str) -> None:
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        await award(client, orders, order_id, supplier_id)

    await asyncio.gather(*(at(i, oid) for i, oid in enumerate(order_ids)))


async def award_round_trips(
    client: httpx.AsyncClient, orders: str, supplier_id: str, count: int, callers: int, rate: float | None = None
) -> AwardResult:
    """Publish ``count`` orders, award them, wait until every one is contracted, and read both moments
    from its history. Without ``rate``, back to back: ``callers`` award calls in flight at a time, none
    waiting for the saga, as fast as the orders service answers them. With ``rate``, an award call
    every ``1 / rate`` seconds (an open loop, as awards arrive in service)."""
    order_ids = await gather_limited([lambda: published_order(client, orders) for _ in range(count)], 8)
    started = datetime.now().astimezone()
    if rate is None:
        await gather_limited([lambda oid=oid: award(client, orders, oid, supplier_id) for oid in order_ids], callers)
    else:
        await _paced(client, orders, order_ids, supplier_id, rate)
    awarded_in = (datetime.now().astimezone() - started).total_seconds()
    await gather_limited([lambda oid=oid: wait_status(client, orders, oid, "contracted") for oid in order_ids], 8)
    trips = []
    for order_id in order_ids:
        entries = await history(client, orders, order_id)
        trips.append((_at(entries, "contracted") - _at(entries, "award_pending")).total_seconds() * 1000)
    return AwardResult(order_ids, trips, count / awarded_in if awarded_in > 0 else 0.0)
