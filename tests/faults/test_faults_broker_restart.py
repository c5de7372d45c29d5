"""The broker itself stopped and started: a RabbitMQ node of the test's own, not a proxy in front of one."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.faults import flows, ledger
from tests.faults.figures import Figures
from tests.faults.processes import Api, database_env, postgres_databases, started, wait_for
from tests.faults.rabbit_node import RabbitNode

pytestmark = [pytest.mark.faults, pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.timeout(900)]

SERVICES = ("orders", "suppliers", "quality")
ORDERS = 200
WORKERS = 4


@pytest.fixture
def own_node(tmp_path: Path) -> Iterator[RabbitNode]:
    node = RabbitNode(tmp_path / "rabbit")
    try:
        node.start()
        yield node
    finally:
        node.close()


def test_the_broker_stopped_and_started_while_200_orders_are_awarded_loses_nothing(
    own_node: RabbitNode, tmp_path: Path, figures: Figures
) -> None:
    """The broker node is stopped (`rabbitmqctl stop`) with award requests queued for a consumer that is
    down, and stays down while the second half of 200 orders is created and awarded; then it is started
    again on the same data. Every order reaches `contracted`: no event is lost (each one routed to a
    consumer is in that consumer's inbox), none applied twice (each order's history holds one
    `contracted` transition), no outbox row is left unsent; the quorum queues and the persistent
    messages queued at the stop survive the restart."""
    with (
        postgres_databases(SERVICES) as databases,
        started({name: database_env(name, databases[name]) for name in SERVICES}, own_node.url, tmp_path) as procs,
    ):
        orders, suppliers = Api(procs["orders"]), Api(procs["suppliers"])
        sid = flows.register_supplier(suppliers)
        # The registry goes away: what is routed to its queue waits there, on the broker's disk.
        procs["suppliers"].terminate()

        def awarded(n: int) -> str:
            oid = flows.create_published(orders, f"Gearbox overhaul {n}")
            assert flows.award(orders, oid, sid)["status"] == "award_pending"
            return oid

        with ThreadPoolExecutor(WORKERS) as pool:
            before_stop = list(pool.map(awarded, range(ORDERS // 2)))
        wait_for(lambda: ledger.unsent(databases["orders"]) == 0, "award requests relayed before the stop")
        queued = wait_for(
            lambda: (q := own_node.queues().get("sdo.suppliers")) and q["messages"] >= ORDERS // 2 and q,
            "award requests queued for the registry",
        )
        stopped_at = datetime.now(UTC)
        own_node.stop()

        # The broker is down: the API still takes orders; their events wait in the outbox.
        with ThreadPoolExecutor(WORKERS) as pool:
            during_outage = list(pool.map(awarded, range(ORDERS // 2, ORDERS)))
        backlog = ledger.unsent(databases["orders"])
        own_node.start()
        restarted_at = datetime.now(UTC)
        # A quorum queue reports its messages once it has recovered its log: wait for that, bounded.
        after_restart = wait_for(
            lambda: (q := own_node.queues()).get("sdo.suppliers", {}).get("messages", 0) >= ORDERS // 2 and q,
            "the queued award requests back after the restart",
            within=60,
            interval=0.5,
        )
        procs["suppliers"].restart()

        every = before_stop + during_outage
        contracted = wait_for(
            lambda: (n := _count(orders, "contracted")) == ORDERS and n,
            f"all {ORDERS} orders contracted",
            within=300,
        )
        wait_for(lambda: all(ledger.unsent(url) == 0 for url in databases.values()), "every outbox drained")
        bindings = ledger.bindings_from_rabbitmqctl(own_node.ctl)
        found = wait_for(
            lambda: (d := ledger.deliveries(databases, bindings, SERVICES)) and ledger.lost(d) == 0 and d,
            "every routed event in its consumer's inbox",
        )
        paths = ledger.histories(databases["orders"])
        expected = {oid: flows.HAPPY_PATH[:4] for oid in every}
        twice = ledger.applied_twice(paths, expected)
        wrong_path = sum(paths.get(oid) != path for oid, path in expected.items())
        survived = _survived(databases, stopped_at)
        plans = int(ledger.fetch(databases["quality"], "SELECT count(*) AS n FROM quality_acceptance_plans")[0]["n"])
        scorecard = suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=flows.AUDITOR).json()
        queue_types = sorted({q["type"] for name, q in after_restart.items() if name.startswith("sdo.")})

        figures.report(
            "broker_restart",
            orders=ORDERS,
            awarded_while_broker_down=len(during_outage),
            queued_at_stop=queued["messages"],
            queued_after_restart=after_restart.get("sdo.suppliers", {}).get("messages"),
            consumed_after_restart=survived,
            outbox_backlog_while_down=backlog,
            contracted=contracted,
            lost=ledger.lost(found),
            applied_twice=twice,
            wrong_path=wrong_path,
            unsent=sum(ledger.unsent(url) for url in databases.values()),
            routed={name: d.routed for name, d in found.items()},
            plans=plans,
            orders_awarded=scorecard["orders_awarded"],
            queue_types=queue_types,
            node_starts=own_node.starts,
            node_stops=own_node.stops,
            outage_seconds=(restarted_at - stopped_at).total_seconds(),
            http_retries=orders.retries + suppliers.retries,
        )
        assert queued["messages"] == ORDERS // 2
        assert after_restart["sdo.suppliers"]["messages"] >= ORDERS // 2, after_restart
        assert {after_restart[f"sdo.{name}"]["type"] for name in SERVICES} == {"quorum"}
        assert all(after_restart[f"sdo.{name}"]["durable"] for name in SERVICES)
        assert backlog >= ORDERS // 2
        assert survived == ORDERS // 2
        assert contracted == ORDERS
        assert ledger.lost(found) == 0, {name: d.missing[:5] for name, d in found.items()}
        assert twice == 0 and wrong_path == 0
        assert plans == ORDERS
        assert scorecard["orders_awarded"] == ORDERS


def _count(orders: Api, status: str) -> int:
    page = orders.get("/api/v1/orders", headers=flows.AUDITOR, params={"status": status, "limit": 500}).json()
    return len(page["items"])


def _survived(databases: dict[str, str], stopped_at: datetime) -> int:
    """Award requests the relay had handed to the broker before the stop that the registry applied after it."""
    sent_before = {
        row["event_id"]
        for row in ledger.outbox_rows(databases["orders"])
        if row["routing_key"] == "order.award_requested" and row["sent_at"] and row["sent_at"] < stopped_at
    }
    applied_after = {
        row["event_id"]
        for row in ledger.fetch(databases["suppliers"], "SELECT event_id, processed_at FROM sdo_inbox")
        if row["processed_at"] > stopped_at
    }
    return len(sent_before & applied_after)
