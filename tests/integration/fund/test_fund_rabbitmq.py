"""The fund on a real RabbitMQ and PostgreSQL: its own queue, the registry's events applied once, approvals out."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fund_fixtures import AUDITOR, MOD, OFFICER, announce, consumed, fund_app, known_as, ok, submitted

from shared.events.types import EventType
from shared.messaging import topology
from tests.integration.messaging.rabbitmqctl import arguments_of, rabbitmqctl_json, vhost_of
from tests.support import EventTap, eventually, running

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]


async def test_the_fund_learns_an_enterprise_once_and_announces_its_approval_over_rabbitmq(
    postgres_url: str, rabbitmq_url: str
) -> None:
    app = fund_app(postgres_url, rabbitmq_url)
    async with running(app) as client, EventTap(rabbitmq_url) as tap:
        queues = {
            q["name"]: q
            for q in await rabbitmqctl_json("list_queues", "-p", vhost_of(rabbitmq_url), "name", "arguments")
        }
        assert arguments_of(queues["sdo.fund"]["arguments"]) == topology.queue_arguments("fund")
        assert arguments_of(queues["sdo.fund.dlq"]["arguments"]) == topology.dead_letter_queue_arguments()

        enterprise_id = uuid4()
        registered = str(uuid4())
        for _ in range(2):  # published twice with one id, as a relay that died before marking it sent would
            await announce(app, enterprise_id, "pending", id=registered)
        await known_as(client, enterprise_id, "pending")
        await eventually(lambda: _seen(client, "duplicate", 1), what="the second copy skipped")
        await announce(app, enterprise_id, "active", "pending")
        kept = await known_as(client, enterprise_id, "active")
        assert kept["version"] == 2

        project = await submitted(client, enterprise_id)
        url = f"/api/v1/projects/{project['id']}"
        await ok(await client.post(f"{url}/endorse", headers=MOD))
        await ok(await client.post(f"{url}/approve", headers=OFFICER))

        approvals = await eventually(lambda: _approvals(tap), what="project_approved on the broker")
        assert [(e["subject"], e["source"], e["data"]["status"]) for e in approvals] == [
            (project["id"], "sdo/fund", "approved")
        ]
        assert await consumed(client, EventType.SUPPLIER_STATUS_CHANGED, "applied") == 2
        assert (await ok(await client.get("/api/v1/audit/verify", headers=AUDITOR)))["valid"] is True


async def _seen(client: Any, outcome: str, count: int) -> bool:
    return await consumed(client, EventType.SUPPLIER_STATUS_CHANGED, outcome) >= count


async def _approvals(tap: EventTap) -> list[dict[str, Any]]:
    return tap.of_type(EventType.FUND_PROJECT_APPROVED)
