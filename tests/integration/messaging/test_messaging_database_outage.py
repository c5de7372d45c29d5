"""The consumer's database out of reach for a few seconds: messages wait for it instead of
spending their delivery limit, so nothing reaches the dead-letter queue and nothing is lost."""

from __future__ import annotations

import asyncio

from tests import support
from tests.integration.messaging.tcp_proxy import TcpProxy
from tests.integration.messaging.tiny_service import EVENT, TinyService, apply_change, tiny_service, two_databases
from tests.support import eventually

EVENTS = 60
OUTAGE_SECONDS = 4.0


async def test_a_database_outage_holds_messages_instead_of_dead_lettering_them(
    postgres_url: str, rabbitmq_url: str
) -> None:
    async with (
        two_databases(postgres_url) as (producer_db, consumer_db),
        TcpProxy(upstream=support.PG_ADMIN_DSN) as proxy,
        tiny_service("consumer", proxy.url(consumer_db), rabbitmq_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, rabbitmq_url) as producer,
    ):
        for seq in range(EVENTS // 2):
            await producer.commit_change(seq)
        await eventually(lambda: _applied(consumer, EVENTS // 2), what="first half applied")

        proxy.cut()
        for seq in range(EVENTS // 2, EVENTS):
            await producer.commit_change(seq)
        await eventually(lambda: _gauge_positive(consumer), within=10, what="a message held for the database")
        await asyncio.sleep(OUTAGE_SECONDS)
        held = consumer.gauge("sdo_consumer_waiting_for_database")
        proxy.restore()

        await eventually(lambda: _applied(consumer, EVENTS), within=30, what="everything applied")
        rows, distinct = await consumer.applied_rows()
        dead = await consumer.dead_letters()
        outcomes = consumer.outcomes()
        print(
            f"database_outage: committed={EVENTS} applied={rows} distinct={distinct} held={held:.0f} "
            f"retried={outcomes['retried']} dead_lettered={len(dead)}"
        )
        assert rows == distinct == EVENTS
        assert dead == []


async def _applied(consumer: TinyService, n: int) -> bool:
    return (await consumer.applied_rows())[0] >= n


async def _gauge_positive(consumer: TinyService) -> bool:
    return consumer.gauge("sdo_consumer_waiting_for_database") > 0
