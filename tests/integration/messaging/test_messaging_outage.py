"""The broker out of reach: a 10-second network cut under load, a broker down at start-up, a broker
that closes the connection, a network that swallows packets. Nothing is lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from shared.events.envelope import CONTENT_TYPE
from shared.messaging.rabbitmq import RabbitMQTransport
from shared.messaging.transport import PublishError
from tests.integration.messaging.rabbitmqctl import close_connections, connections, consumers, vhost_of
from tests.integration.messaging.tcp_proxy import TcpProxy
from tests.integration.messaging.tiny_service import EVENT, TinyService, apply_change, tiny_service, two_databases
from tests.support import eventually

OUTAGE_SECONDS = 10.0


async def applied_at_least(consumer: TinyService, n: int) -> bool:
    return (await consumer.applied_rows())[0] >= n


async def healthy(*services: TinyService) -> bool:
    return all(s.bus.problem() is None for s in services)


async def test_a_ten_second_network_cut_under_load_loses_nothing_and_applies_nothing_twice(
    database_url: str, rabbitmq_url: str, proxy: TcpProxy
) -> None:
    vhost = vhost_of(rabbitmq_url)
    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, proxy.url(rabbitmq_url), {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, proxy.url(rabbitmq_url)) as producer,
    ):
        committed = 0
        stop = asyncio.Event()

        async def keep_committing() -> None:
            # State changes go on through the outage: the API does not need the broker.
            nonlocal committed
            while not stop.is_set():
                await producer.commit_change(committed)
                committed += 1
                await asyncio.sleep(0.01)

        writer = asyncio.create_task(keep_committing())
        await eventually(lambda: applied_at_least(consumer, 50), what="traffic flowing")

        proxy.cut()
        cut_at = time.monotonic()
        await eventually(lambda: _both_down(producer, consumer), within=5, what="readiness reports the broker down")
        problems = (producer.bus.problem(), consumer.bus.problem())
        committed_at_cut = committed
        await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - cut_at))
        backlog = producer.gauge("sdo_outbox_backlog")
        oldest_age = producer.gauge("sdo_outbox_oldest_unsent_age_seconds")
        proxy.restore()
        restored_at = time.monotonic()

        await eventually(lambda: healthy(producer, consumer), within=15, what="readiness recovered")
        reconnected_in = time.monotonic() - restored_at
        await asyncio.sleep(1.0)  # and some more traffic after the recovery
        stop.set()
        await writer
        await eventually(lambda: applied_at_least(consumer, committed), within=30, what=f"{committed} applied")
        caught_up_in = time.monotonic() - restored_at
        await eventually(lambda: _drained(producer), what="outbox drained")
        rows, distinct = await consumer.applied_rows()
        outcomes = consumer.outcomes()
        live_consumers = await consumers(vhost)
        print(
            f"\nbroker_outage[{producer.engine}]: outage={OUTAGE_SECONDS:.0f}s committed={committed}"
            f" committed_during_outage={committed - committed_at_cut} backlog_at_peak={backlog:.0f}"
            f" oldest_unsent_age={oldest_age:.1f}s published={producer.published()}"
            f" delivered={sum(outcomes.values())} applied={rows} duplicates_skipped={outcomes['duplicate']}"
            f" reconnected_in={reconnected_in:.1f}s caught_up_in={caught_up_in:.1f}s"
            f" proxy_connections={proxy.accepted} refused={proxy.refused} consumers={dict(live_consumers)}"
        )
        print(f"readiness during the cut: producer={problems[0]!r} consumer={problems[1]!r}")
        assert all(problems)
        assert backlog > 0 and oldest_age > 1.0
        assert rows == distinct == committed
        assert sorted(await consumer.applied_values()) == list(range(committed))
        # The consumer came back as exactly one consumer on its queue.
        assert live_consumers["sdo.consumer"] == 1


async def test_a_service_started_while_the_broker_is_down_connects_when_it_comes_back(
    sqlite_url: str, rabbitmq_url: str, proxy: TcpProxy
) -> None:
    n = 40
    proxy.cut()  # the producer's broker is away before its bus makes its first connection
    async with (
        two_databases(sqlite_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, proxy.url(rabbitmq_url), wait_for_broker=False) as producer,
    ):
        for i in range(n):
            await producer.commit_change(i)
        # The relay keeps the gauges live although it has never been connected.
        await eventually(lambda: _gauge_at(producer, n), what="backlog gauge")
        problem = producer.bus.problem()
        await asyncio.sleep(2.0)
        proxy.restore()
        restored_at = time.monotonic()
        await producer.bus.wait_started(within=20)
        await eventually(lambda: applied_at_least(consumer, n), within=20, what=f"{n} applied")
        print(
            f"\nbroker_down_at_start: committed={n} problem_while_down={problem!r}"
            f" connect_attempts_refused={proxy.refused} applied_after={time.monotonic() - restored_at:.1f}s"
        )
        assert problem is not None and proxy.refused >= 1
        assert (await consumer.applied_rows()) == (n, n)
        await eventually(lambda: healthy(producer))


async def test_a_bus_stopped_mid_connect_leaves_nothing_connecting_behind(
    sqlite_url: str, rabbitmq_url: str, proxy: TcpProxy
) -> None:
    """Stopped while the AMQP handshake hangs: the half-made connection must not complete later."""
    vhost = vhost_of(rabbitmq_url)
    proxy.stall()
    async with tiny_service("producer", sqlite_url, proxy.url(rabbitmq_url), wait_for_broker=False):
        await eventually(lambda: _accepted_at_least(proxy, 1), what="a connection attempt under way")
        await asyncio.sleep(0.5)
    proxy.restore()
    await asyncio.sleep(3.0)  # longer than the reconnect interval
    left = len(await connections(vhost))
    print(f"\nstopped_mid_connect: attempts={proxy.accepted} connections_left={left}")
    assert left == 0


async def test_connections_closed_by_the_broker_come_back_with_their_consumer(
    sqlite_url: str, rabbitmq_url: str
) -> None:
    vhost = vhost_of(rabbitmq_url)
    async with (
        two_databases(sqlite_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, rabbitmq_url) as producer,
    ):
        await producer.commit_change(0)
        await eventually(lambda: applied_at_least(consumer, 1))
        before = await consumers(vhost)
        reconnects: list[str] = []
        for service in (producer, consumer):
            service.bus.transport.on_reconnected(lambda name=service.name: reconnects.append(name))
        closed = await close_connections(vhost, "forced by the messaging tests")
        await eventually(lambda: _reconnected(reconnects), within=15, what="both reconnected")
        await eventually(lambda: healthy(producer, consumer), within=15, what="ready again")
        for i in range(1, 21):
            await producer.commit_change(i)
        await eventually(lambda: applied_at_least(consumer, 21), within=15, what="applied after reconnect")
        after = await consumers(vhost)
        print(
            f"\nforced_close: connections_closed={closed} reconnected={sorted(reconnects)}"
            f" consumers_before={dict(before)} after={dict(after)} applied={(await consumer.applied_rows())[0]}"
        )
        assert closed == 2
        # Every service consumes (the kernel keeps the others' audit checkpoints): one consumer each.
        assert after == before == {"sdo.consumer": 1, "sdo.producer": 1}
        assert (await consumer.applied_rows()) == (21, 21)


async def test_a_publish_into_a_black_hole_fails_after_its_timeout_instead_of_hanging(
    rabbitmq_url: str, proxy: TcpProxy
) -> None:
    transport = RabbitMQTransport(proxy.url(rabbitmq_url), publish_timeout=1.0, name="blackhole")
    await transport.connect()
    await transport.declare("blackhole", [])
    await transport.publish("any.thing", b"{}", message_id="m-0", content_type=CONTENT_TYPE)
    proxy.stall()
    started = time.monotonic()
    with pytest.raises(PublishError) as failure:
        await transport.publish("any.thing", b"{}", message_id="m-1", content_type=CONTENT_TYPE)
    waited = time.monotonic() - started
    proxy.cut()
    await transport.close()
    print(f"\nblack_hole: publish_failed_after={waited:.2f}s error={failure.value}")
    assert waited < 3.0


async def _both_down(*services: TinyService) -> bool:
    return all(s.bus.problem() is not None for s in services)


async def _accepted_at_least(proxy: TcpProxy, n: int) -> bool:
    return proxy.accepted >= n


async def _reconnected(reconnects: list[str]) -> bool:
    return sorted(reconnects) == ["consumer", "producer"]


async def _drained(service: TinyService) -> bool:
    return await service.unsent() == 0


async def _gauge_at(service: TinyService, n: int) -> bool:
    return service.gauge("sdo_outbox_backlog") == n and service.gauge("sdo_outbox_oldest_unsent_age_seconds") > 0
