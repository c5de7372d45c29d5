"""Operators see what is in a dead-letter queue and replay it once the cause is fixed: each event
is then applied once, by its own service only."""

from __future__ import annotations

import os
import subprocess
import sys

from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork
from tests.integration.messaging.tiny_service import EVENT, TinyService, apply_change, tiny_service, two_databases
from tests.support import eventually

FAILING = 3


async def test_dead_letters_are_listed_and_replayed_once_the_cause_is_fixed(sqlite_url: str, rabbitmq_url: str) -> None:
    broken = True

    async def until_fixed(event: CloudEvent, payload: object, uow: UnitOfWork) -> None:
        if broken:
            raise RuntimeError("reference data missing")
        await apply_change(event, payload, uow)  # type: ignore[arg-type]

    async with (
        two_databases(sqlite_url) as (producer_db, consumer_db),
        tiny_service("quality", consumer_db, rabbitmq_url, {EVENT: until_fixed}) as consumer,
        tiny_service("producer", producer_db, rabbitmq_url) as producer,
    ):
        ids = [await producer.commit_change(n) for n in range(FAILING)]
        await eventually(lambda: _dead(consumer, FAILING), within=30, what="all in the DLQ")

        listed = _sdo("dlq", "quality", amqp_url=rabbitmq_url)
        assert listed.returncode == 0, listed.stderr
        assert all(event_id in listed.stdout for event_id in ids)
        assert "reason=rejected" in listed.stdout and f"{FAILING} dead letter(s)" in listed.stdout

        broken = False
        replayed = _sdo("dlq", "quality", "--replay", amqp_url=rabbitmq_url)
        assert replayed.returncode == 0, replayed.stderr
        assert f"replayed {FAILING}" in replayed.stdout
        await eventually(lambda: _applied(consumer, FAILING), what="replayed events applied")
        assert await consumer.applied_rows() == (FAILING, FAILING)
        assert await consumer.dead_letters() == []
        print(f"\ndead_letters: dead_lettered={FAILING} replayed={FAILING} applied={FAILING}")


def test_sdo_dlq_needs_the_broker() -> None:
    result = _sdo("dlq", "orders", amqp_url="memory://")
    assert result.returncode == 2 and "SDO_AMQP_URL" in result.stderr


def _sdo(*args: str, amqp_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SDO_AMQP_URL": amqp_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args], capture_output=True, text=True, timeout=60, env=env
    )


async def _dead(consumer: TinyService, n: int) -> bool:
    return len(await consumer.dead_letters()) >= n


async def _applied(consumer: TinyService, n: int) -> bool:
    return (await consumer.applied_rows())[0] >= n
