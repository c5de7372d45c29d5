"""The outbox relay under faults: killed mid-batch, run as two replicas, refused by the broker."""

from __future__ import annotations

import asyncio
import json

from shared.messaging.relay import OutboxRelay
from tests.integration.messaging.rabbitmqctl import rabbitmqctl, rabbitmqctl_json, vhost_of
from tests.integration.messaging.tiny_service import EVENT, TinyService, apply_change, tiny_service, two_databases
from tests.integration.messaging.watched_transport import WatchedTransport
from tests.support import eventually


async def applied_at_least(consumer: TinyService, n: int) -> bool:
    return (await consumer.applied_rows())[0] >= n


async def test_a_relay_killed_mid_batch_and_restarted_loses_nothing(database_url: str, rabbitmq_url: str) -> None:
    n, kill_after, batch = 250, 150, 100
    async with (
        two_databases(database_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, rabbitmq_url, relay_batch_size=batch) as producer,
    ):
        relay = producer.bus.relay
        await relay.stop()
        for i in range(n):
            await producer.commit_change(i)

        def crash_after_confirm(_event_id: str) -> None:
            if len(watched.confirmed) == kill_after:
                # Right after the broker's ack and before the batch is marked: a crash, as the relay sees it.
                raise asyncio.CancelledError

        watched = WatchedTransport(producer.bus.transport, crash_after_confirm)
        relay.transport = watched
        relay.start()
        await eventually(lambda: _stopped(relay), what="relay killed")
        published_before_kill = len(watched.confirmed)
        unsent_after_kill = await producer.unsent()

        restarted = WatchedTransport(producer.bus.transport)
        relay.transport = restarted
        relay.start()
        await eventually(lambda: applied_at_least(consumer, n), within=30, what=f"{n} applied")
        await eventually(lambda: _settled(consumer, n + published_before_kill - (n - unsent_after_kill)))
        rows, distinct = await consumer.applied_rows()
        outcomes = consumer.outcomes()
        print(
            f"\nrelay_killed[{producer.engine}]: committed={n} published_before_kill={published_before_kill}"
            f" marked_before_kill={n - unsent_after_kill} published_after_restart={len(restarted.confirmed)}"
            f" delivered={sum(outcomes.values())} applied={rows} duplicates_skipped={outcomes['duplicate']}"
        )
        assert published_before_kill == kill_after
        # The first batch was marked; the killed one was not, so its 50 published rows go out again.
        assert unsent_after_kill == n - batch
        assert rows == distinct == n
        assert outcomes["duplicate"] == kill_after - batch
        assert len(restarted.confirmed) == n - batch
        assert await producer.unsent() == 0


async def test_two_relay_replicas_on_postgres_publish_every_event_once_in_order(
    postgres_url: str, rabbitmq_url: str
) -> None:
    n, batch = 600, 25
    async with (
        two_databases(postgres_url) as (producer_db, consumer_db),
        tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}) as consumer,
        tiny_service("producer", producer_db, rabbitmq_url, relay_batch_size=batch) as one,
        tiny_service("producer", producer_db, rabbitmq_url, relay_batch_size=batch) as two,
    ):
        await one.bus.relay.stop()
        await two.bus.relay.stop()
        for i in range(n):
            await one.commit_change(i)
        watched = [WatchedTransport(one.bus.transport), WatchedTransport(two.bus.transport)]
        one.bus.relay.transport, two.bus.relay.transport = watched
        # Both replicas start on the same backlog at the same moment.
        one.bus.relay.start()
        two.bus.relay.start()
        await eventually(lambda: applied_at_least(consumer, n), within=60, what=f"{n} applied")
        await eventually(lambda: _drained(one))
        ids = await one.outbox_ids()
        per_replica = [[ids[e] for e in w.confirmed] for w in watched]
        published = [e for w in watched for e in w.confirmed]
        rows, distinct = await consumer.applied_rows()
        outcomes = consumer.outcomes()
        print(
            f"\ntwo_replicas[postgres]: committed={n} published={len(published)}"
            f" by_replica={[len(p) for p in per_replica]} distinct_published={len(set(published))}"
            f" applied={rows} duplicates_skipped={outcomes['duplicate']}"
        )
        assert all(per_replica), "both replicas took part"
        # SKIP LOCKED: no row is taken by both replicas, so every event is published exactly once.
        assert len(published) == len(set(published)) == n
        for sequence in per_replica:
            assert sequence == sorted(sequence), "each replica publishes in outbox order"
        assert rows == distinct == n


async def test_a_message_the_broker_refuses_is_not_marked_sent_and_goes_out_later(
    database_url: str, rabbitmq_url: str
) -> None:
    """The consumer's queue is full (x-overflow reject-publish): the broker nacks, the relay keeps the row.

    Changes are committed in rounds until the broker has refused one: a quorum queue checks its length
    after the fact and takes its new max-length from the policy a moment after the policy shows, so
    how many it accepts past the cap depends on the machine. The test asserts on what was committed.
    """
    cap, per_round, rounds = 10, 20, 25
    vhost = vhost_of(rabbitmq_url)
    async with two_databases(database_url) as (producer_db, consumer_db):
        # The consumer declares its queue and bindings, then goes away.
        async with tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}):
            pass
        policy = json.dumps({"max-length": cap})
        await rabbitmqctl("set_policy", "-p", vhost, "--apply-to", "queues", "cap", r"^sdo\.consumer$", policy)
        await eventually(lambda: _policy_applied(vhost), what="policy applied")
        async with tiny_service("producer", producer_db, rabbitmq_url) as producer:
            n = 0
            for _ in range(rounds):
                for _ in range(per_round):
                    await producer.commit_change(n)
                    n += 1
                if await _refused_within(producer, seconds=2.0):
                    break
            else:
                raise AssertionError(f"the broker refused none of {n} changes past a cap of {cap}")
            backlog = await producer.unsent()
            gauge = producer.gauge("sdo_outbox_backlog")
            age = producer.gauge("sdo_outbox_oldest_unsent_age_seconds")
            failures = producer.metrics.publish_failures._value.get()
            # The consumer comes back and makes room; the refused rows go out on the relay's next attempts.
            async with tiny_service("consumer", consumer_db, rabbitmq_url, {EVENT: apply_change}) as consumer:
                await eventually(lambda: applied_at_least(consumer, n), within=40, what=f"{n} applied")
                rows, distinct = await consumer.applied_rows()
            print(
                f"\nbroker_refused[{producer.engine}]: committed={n} queue_cap={cap}"
                f" unsent_while_refused={backlog} backlog_gauge={gauge:.0f} oldest_age={age:.2f}s"
                f" publish_failures={failures:.0f} applied={rows} distinct={distinct}"
            )
            # A quorum queue checks its length after the fact: it takes at least one message past
            # max-length, a few more when the relay pipelines a batch, then refuses the rest.
            assert backlog == gauge and 0 < backlog <= n - cap
            assert age > 0 and failures >= 1
            assert rows == distinct == n
            await eventually(lambda: _drained(producer))


async def _stopped(relay: OutboxRelay) -> bool:
    return not relay.running


async def _settled(consumer: TinyService, n: int) -> bool:
    outcomes = consumer.outcomes()
    return outcomes["applied"] + outcomes["duplicate"] >= n


async def _drained(service: TinyService) -> bool:
    return await service.unsent() == 0 and service.gauge("sdo_outbox_backlog") == 0


async def _refused(service: TinyService) -> bool:
    return service.metrics.publish_failures._value.get() >= 1 and await service.unsent() == service.gauge(
        "sdo_outbox_backlog"
    )


async def _refused_within(service: TinyService, *, seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await _refused(service):
            return True
        await asyncio.sleep(0.05)
    return False


async def _policy_applied(vhost: str) -> bool:
    rows = await rabbitmqctl_json("list_queues", "-p", vhost, "name", "policy")
    return any(r["name"] == "sdo.consumer" and r["policy"] == "cap" for r in rows)
