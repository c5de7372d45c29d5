"""Service processes SIGKILLed at random moments while 100 orders are walked, and started again each time."""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.faults import flows, ledger
from tests.faults.figures import Figures
from tests.faults.processes import Api, ServiceProcess, database_env, postgres_databases, started, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.timeout(900)]

SERVICES = ("orders", "suppliers", "quality")
LIFECYCLES = 100
KILLS = 10
WORKERS = 4
# Who is killed, in an order the seed shuffles: every service at least three times.
VICTIMS = ["orders"] * 4 + ["suppliers"] * 3 + ["quality"] * 3

_PRE = flows.HAPPY_PATH[:5]  # draft ... in_production
PATHS = {
    "closed": flows.HAPPY_PATH,
    "rework": [*_PRE, "inspection", "rework", "inspection", *flows.HAPPY_PATH[6:]],
    "cancelled_in_inspection": [*_PRE, "inspection", "cancelled"],
    "cancelled_when_contracted": [*flows.HAPPY_PATH[:4], "cancelled"],
}
# Writes each path makes (a kill point is drawn below the total, so every kill happens mid-walk).
WRITES = {"closed": 11, "rework": 15, "cancelled_in_inspection": 6, "cancelled_when_contracted": 4}


def plan_of(n: int) -> str:
    return {0: "rework", 1: "cancelled_in_inspection", 2: "cancelled_when_contracted"}.get(n % 10, "closed")


class Progress:
    """Counts the writes the walkers have made; the killer strikes when the count reaches its next point."""

    def __init__(self) -> None:
        self.writes = 0
        self.done = False
        self._lock = threading.Lock()

    def wrote(self) -> None:
        with self._lock:
            self.writes += 1


class CountingApi(Api):
    def __init__(self, process: ServiceProcess, progress: Progress) -> None:
        super().__init__(process)
        self.progress = progress

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        response = super().request(method, path, **kwargs)  # type: ignore[arg-type]
        if method != "GET":
            self.progress.wrote()
        return response


def duplicates_seen(process: ServiceProcess) -> int:
    """Events this incarnation received again and skipped by its inbox (its /metrics, read before a kill)."""
    try:
        text = httpx.get(f"{process.url}/metrics", timeout=5).text
    except httpx.HTTPError:
        return 0
    pattern = r'^sdo_events_consumed_total\{[^}]*outcome="duplicate"[^}]*\} ([0-9.e+]+)$'
    return int(sum(float(m) for m in re.findall(pattern, text, re.MULTILINE)))


def walk(orders: Api, quality: Api, sid: str, n: int) -> tuple[str, str]:
    plan = plan_of(n)
    oid = flows.create_published(orders, f"Lifecycle {n}")
    flows.award(orders, oid, sid)
    flows.wait_status(orders, oid, "contracted")
    if plan == "cancelled_when_contracted":
        flows.cancel(orders, oid)
        return oid, plan
    flows.produce_and_submit(orders, oid, sid)
    if plan == "cancelled_in_inspection":
        flows.open_inspection(quality, oid, 1)
        flows.cancel(orders, oid)
        return oid, plan
    if plan == "rework":
        assert flows.inspect_lot(quality, oid, 1, flows.BAD_VALUES)["status"] == "rejected"
        flows.wait_status(orders, oid, "rework")
        flows.produce_and_submit(orders, oid, sid, start=False)
        assert flows.inspect_lot(quality, oid, 2, flows.GOOD_VALUES)["status"] == "accepted"
    else:
        assert flows.inspect_lot(quality, oid, 1, flows.GOOD_VALUES)["status"] == "accepted"
    flows.wait_status(orders, oid, "accepted")
    flows.ship_deliver_close(orders, oid, sid)
    return oid, plan


def test_services_sigkilled_ten_times_during_100_lifecycles_lose_nothing_and_apply_nothing_twice(
    rabbitmq_url: str, tmp_path: Path, figures: Figures
) -> None:
    """Ten times, at a random moment of 100 order lifecycles walked four at a time (closed, rejected and
    reworked, cancelled in inspection, cancelled when contracted), one of the three service processes is
    SIGKILLed and started again; clients retry what failed with the same `Idempotency-Key`. Every order
    ends where its path leads, through exactly the transitions of that path (nothing applied twice);
    every event routed to a consumer is in its inbox (nothing lost); no outbox row is left unsent; the
    registry's scorecard counts each contract, lot and delivery once."""
    seed = int(os.environ.get("SDO_FAULTS_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    total_writes = sum(WRITES[plan_of(n)] for n in range(LIFECYCLES))
    kill_points = sorted(rng.sample(range(total_writes // 20, total_writes * 9 // 10), KILLS))
    victims = rng.sample(VICTIMS, len(VICTIMS))
    progress = Progress()

    with (
        postgres_databases(SERVICES) as databases,
        started({name: database_env(name, databases[name]) for name in SERVICES}, rabbitmq_url, tmp_path) as procs,
    ):
        orders, suppliers, quality = (CountingApi(procs[name], progress) for name in SERVICES)
        sid = flows.register_supplier(Api(procs["suppliers"]))
        duplicates = Counter[str]()
        kills: list[str] = []
        restart_failures: list[BaseException] = []

        def killer() -> None:
            try:
                for point, victim in zip(kill_points, victims, strict=True):
                    while progress.writes < point and not progress.done:
                        time.sleep(0.02)
                    if progress.done:
                        return
                    process = procs[victim]
                    duplicates[victim] += duplicates_seen(process)
                    time.sleep(rng.uniform(0, 0.3))  # a random moment inside whatever is in flight
                    process.kill()
                    kills.append(f"{victim}@{progress.writes}")
                    time.sleep(rng.uniform(0, 1.0))
                    process.restart()
            except BaseException as exc:
                restart_failures.append(exc)

        striker = threading.Thread(target=killer, name="killer", daemon=True)
        striker.start()
        try:
            with ThreadPoolExecutor(WORKERS) as pool:
                walked = list(pool.map(lambda n: walk(orders, quality, sid, n), range(LIFECYCLES)))
        finally:
            progress.done = True
            striker.join(timeout=180)
        assert not restart_failures, restart_failures

        expected = {oid: PATHS[plan] for oid, plan in walked}
        wait_for(lambda: all(ledger.unsent(url) == 0 for url in databases.values()), "every outbox drained")
        bindings = ledger.bindings_from_rabbitmqctl(ledger.shared_broker_ctl, _vhost(rabbitmq_url))
        found = wait_for(
            lambda: (d := ledger.deliveries(databases, bindings, SERVICES)) and ledger.lost(d) == 0 and d,
            "every routed event in its consumer's inbox",
        )
        plans = Counter(plan for _, plan in walked)
        want = {
            "orders_awarded": LIFECYCLES,
            "lots_inspected": plans["closed"] + 2 * plans["rework"],
            "lots_accepted": plans["closed"] + plans["rework"],
            "deliveries": plans["closed"] + plans["rework"],
        }
        scorecard = wait_for(
            lambda: (
                (s := suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=flows.AUDITOR).json())
                and all(s[k] >= v for k, v in want.items())
                and s
            ),
            "the scorecard caught up",
        )
        for process in procs.values():
            duplicates[process.name] += duplicates_seen(process)
        paths = ledger.histories(databases["orders"])
        finals = {oid: flows.status(orders, oid) for oid in expected}
        misplaced = sum(finals[oid] != path[-1] for oid, path in expected.items())
        wrong_path = sum(paths.get(oid) != path for oid, path in expected.items())
        twice = ledger.applied_twice(paths, expected)
        rounds = _inspections_per_order(databases["quality"])
        want_rounds = {oid: path.count("inspection") for oid, path in expected.items()}
        wrong_rounds = sum(rounds.get(oid, 0) != n for oid, n in want_rounds.items())
        unsent = sum(ledger.unsent(url) for url in databases.values())
        counted_twice = sum(scorecard[k] - v for k, v in want.items())

        figures.report(
            "process_kill",
            lifecycles=LIFECYCLES,
            paths=dict(sorted(plans.items())),
            kills=len(kills),
            killed=dict(sorted(Counter(k.split("@")[0] for k in kills).items())),
            seed=seed,
            ended_where_expected=LIFECYCLES - misplaced,
            lost=ledger.lost(found),
            applied_twice=twice,
            wrong_path=wrong_path,
            wrong_inspection_rounds=wrong_rounds,
            scorecard_counted_twice=counted_twice,
            unsent=unsent,
            routed={name: d.routed for name, d in found.items()},
            duplicates_skipped=sum(duplicates.values()),
            http_retries=orders.retries + suppliers.retries + quality.retries,
        )
        assert len(kills) == KILLS, kills
        assert misplaced == 0, {
            oid: (finals[oid], path[-1]) for oid, path in expected.items() if finals[oid] != path[-1]
        }
        assert ledger.lost(found) == 0, {name: d.missing[:5] for name, d in found.items()}
        assert twice == 0 and wrong_path == 0, {o: paths.get(o) for o, p in expected.items() if paths.get(o) != p}
        assert wrong_rounds == 0
        assert counted_twice == 0, scorecard
        assert unsent == 0


def _vhost(amqp_url: str) -> str:
    return amqp_url.rsplit("/", 1)[1]


def _inspections_per_order(quality_url: str) -> dict[str, int]:
    rows = ledger.fetch(quality_url, "SELECT order_id, count(*) AS n FROM quality_inspections GROUP BY order_id")
    return {str(r["order_id"]): int(r["n"]) for r in rows}
