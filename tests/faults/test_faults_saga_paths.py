"""The paths off the happy one, end to end across the service processes on the real broker.

An award declined for each reason the contract names and awarded again; a lot rejected, reworked
and accepted; an order cancelled while its lot is in inspection, which quality's `order.cancelled`
binding closes. One set of processes (PostgreSQL, a vhost of the module's own) serves the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import support
from tests.faults import flows, ledger
from tests.faults.figures import Figures
from tests.faults.processes import Api, ServiceProcess, database_env, postgres_databases, started, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.rabbitmq, pytest.mark.postgres, pytest.mark.timeout(600)]

SERVICES = ("orders", "suppliers", "quality")
RESTRICTED = "IR"
# Each reason of contract section 4, and a supplier that fails for that reason only.
DECLINED_FOR: dict[str, dict[str, Any]] = {
    "not_active": {"verify": False},
    "no_valid_license": {"license_category": "production"},
    "missing_certification": {"certifications": ()},
    "local_content_below_minimum": {"local_content_share": 10},
    "country_restricted": {"country": RESTRICTED},
    "no_security_clearance": {"security_clearance": False},
}


@dataclass
class Suite:
    processes: dict[str, ServiceProcess]
    databases: dict[str, str]
    vhost: str
    orders: Api
    suppliers: Api
    quality: Api
    supplier_id: str


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    tmp_path: Path = tmp_path_factory.mktemp("saga")
    vhost = support.create_vhost()
    try:
        with (
            postgres_databases(SERVICES) as databases,
            started(
                {name: database_env(name, databases[name]) for name in SERVICES},
                support.amqp_url(vhost),
                tmp_path,
                SDO_RESTRICTED_COUNTRIES=RESTRICTED,
            ) as procs,
        ):
            orders, suppliers, quality = (Api(procs[name]) for name in SERVICES)
            yield Suite(procs, databases, vhost, orders, suppliers, quality, flows.register_supplier(suppliers))
    finally:
        support.delete_vhost(vhost)


def contracted_order(suite: Suite, title: str) -> str:
    oid = flows.create_published(suite.orders, title)
    flows.award(suite.orders, oid, suite.supplier_id)
    flows.wait_status(suite.orders, oid, "contracted")
    return oid


def scorecard(suite: Suite, sid: str) -> dict[str, Any]:
    found: dict[str, Any] = suite.suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=flows.AUDITOR).json()
    return found


def eligibility_reasons(suite: Suite, sid: str) -> list[str]:
    params = {
        "category": "repair",
        "certifications": flows.CERTIFICATION,
        "min_local_content": "50",
        "security_clearance": "true",
        "on": str(flows.deadline()),
    }
    answer = suite.suppliers.get(f"/api/v1/suppliers/{sid}/eligibility", headers=flows.MOD, params=params).json()
    reasons: list[str] = answer["reasons"]
    return reasons


def test_an_award_declined_for_each_reason_keeps_the_reason_and_is_awarded_again(
    suite: Suite, figures: Figures
) -> None:
    """For each of the six reasons the contract names (`not_active`, `no_valid_license`,
    `missing_certification`, `local_content_below_minimum`, `country_restricted`,
    `no_security_clearance`) an order is awarded to a supplier that fails for that reason only: the
    registry declines, the order goes back to `published` keeping that reason, and the same order
    awarded again to an eligible supplier reaches `contracted`. The declined suppliers are awarded
    nothing."""
    declined = {reason: flows.register_supplier(suite.suppliers, **fields) for reason, fields in DECLINED_FOR.items()}
    judged = {reason: eligibility_reasons(suite, sid) for reason, sid in declined.items()}

    def decline_then_award(reason: str) -> dict[str, Any]:
        oid = flows.create_published(suite.orders, f"Declined for {reason}")
        flows.award(suite.orders, oid, declined[reason])
        back = wait_for(
            lambda: (o := flows.order(suite.orders, oid))["status"] == "published" and o,
            f"the award of {oid} declined for {reason}",
        )
        flows.award(suite.orders, oid, suite.supplier_id)
        flows.wait_status(suite.orders, oid, "contracted")
        return {"oid": oid, "reason": back["award_decline_reason"], "order": flows.order(suite.orders, oid)}

    with ThreadPoolExecutor(3) as pool:
        outcomes = dict(zip(DECLINED_FOR, pool.map(decline_then_award, DECLINED_FOR), strict=True))
    paths = {reason: [h["to_status"] for h in flows.history(suite.orders, o["oid"])] for reason, o in outcomes.items()}
    kept = {reason: o["reason"] for reason, o in outcomes.items()}
    want_path = ["draft", "published", "award_pending", "published", "award_pending", "contracted"]
    declined_awarded = {reason: scorecard(suite, sid)["orders_awarded"] for reason, sid in declined.items()}

    figures.report(
        "award_declined_each_reason",
        reasons=len(DECLINED_FOR),
        declined_with_that_reason_only=sum(kept[r] == r for r in DECLINED_FOR),
        eligibility_agrees=sum(judged[r] == [r] for r in DECLINED_FOR),
        re_awarded_and_contracted=sum(o["order"]["status"] == "contracted" for o in outcomes.values()),
        decline_kept_in_history=sum(p == want_path for p in paths.values()),
        awarded_to_declined_suppliers=sum(declined_awarded.values()),
    )
    assert kept == {r: r for r in DECLINED_FOR}
    assert judged == {r: [r] for r in DECLINED_FOR}
    assert all(o["order"]["supplier_id"] == suite.supplier_id for o in outcomes.values())
    assert paths == {r: want_path for r in DECLINED_FOR}
    assert sum(declined_awarded.values()) == 0


def test_a_rejected_lot_is_reworked_and_accepted_at_the_second_inspection(suite: Suite, figures: Figures) -> None:
    """A lot whose critical requirement fails is rejected with its nonconformity; the order goes to
    `rework`, is submitted again, and the second inspection round accepts it with a certificate; the
    order is then shipped, delivered and closed. Each round is one inspection, each verdict counted
    once in the registry's scorecard."""
    before = scorecard(suite, suite.supplier_id)
    oid = contracted_order(suite, "Rework path")
    flows.produce_and_submit(suite.orders, oid, suite.supplier_id)
    first = flows.inspect_lot(suite.quality, oid, 1, flows.BAD_VALUES)
    flows.wait_status(suite.orders, oid, "rework")
    flows.produce_and_submit(suite.orders, oid, suite.supplier_id, start=False)
    second = flows.inspect_lot(suite.quality, oid, 2, flows.GOOD_VALUES)
    flows.wait_status(suite.orders, oid, "accepted")
    flows.ship_deliver_close(suite.orders, oid, suite.supplier_id)
    path = [h["to_status"] for h in flows.history(suite.orders, oid)]
    final = flows.order(suite.orders, oid)
    certificates = suite.quality.get("/api/v1/certificates", headers=flows.AUDITOR, params={"order_id": oid}).json()
    after = wait_for(
        lambda: (s := scorecard(suite, suite.supplier_id))["deliveries"] > before["deliveries"] and s,
        "the delivery counted",
    )
    inspected = after["lots_inspected"] - before["lots_inspected"]
    accepted = after["lots_accepted"] - before["lots_accepted"]
    want_path = [*flows.HAPPY_PATH[:6], "rework", "inspection", *flows.HAPPY_PATH[6:]]

    figures.report(
        "rejected_rework_accepted",
        first_verdict=first["status"],
        nonconformities=[n["code"] for n in first["nonconformities"]],
        second_verdict=second["status"],
        inspection_rounds=final["inspection_rounds"],
        certificates=len(certificates["items"]),
        final_status=final["status"],
        lots_inspected=inspected,
        lots_accepted=accepted,
    )
    assert first["status"] == "rejected" and [n["code"] for n in first["nonconformities"]] == ["TORQUE"]
    assert first["certificate_id"] is None
    assert second["status"] == "accepted" and second["certificate_id"]
    assert [c["id"] for c in certificates["items"]] == [second["certificate_id"]]
    assert final["inspection_rounds"] == 2 and final["status"] == "closed"
    assert path == want_path
    assert (inspected, accepted) == (2, 1)


def test_an_order_cancelled_during_inspection_closes_the_open_inspection_over_the_broker(
    suite: Suite, figures: Figures
) -> None:
    """An order cancelled while its lot is being measured: quality's queue is bound to
    `order.cancelled` on the real broker, and the event closes the open inspection (`rejected`,
    `closed_reason: order_cancelled`, no certificate, no verdict event); measuring it further is
    refused (409), and the registry counts no inspected lot."""
    before = scorecard(suite, suite.supplier_id)
    oid = contracted_order(suite, "Cancelled in inspection")
    flows.produce_and_submit(suite.orders, oid, suite.supplier_id)
    inspection = flows.open_inspection(suite.quality, oid, 1)
    unit = {"unit_serial": f"{oid[:8]}-C-000", "values": flows.GOOD_VALUES}
    measure = f"/api/v1/inspections/{inspection['id']}/measurements"
    suite.quality.post(measure, headers=flows.INSPECTOR, json=unit, expect=(201,))
    flows.cancel(suite.orders, oid, "Requirement withdrawn during inspection")

    def closed() -> dict[str, Any] | None:
        found = suite.quality.get(f"/api/v1/inspections/{inspection['id']}", headers=flows.AUDITOR).json()
        return found if found["status"] != "open" else None

    closed_inspection = wait_for(closed, "the open inspection closed by order.cancelled")
    refused = suite.quality.post(
        measure,
        headers=flows.INSPECTOR,
        json={**unit, "unit_serial": f"{oid[:8]}-C-001"},
        expect=(201, 409),
    )
    keys = ledger.bindings_from_rabbitmqctl(ledger.shared_broker_ctl, suite.vhost).get("sdo.quality", set())
    events = ledger.fetch(
        suite.databases["quality"],
        "SELECT event_type FROM sdo_outbox WHERE convert_from(body, 'UTF8') LIKE '%' || $1 || '%'",
        oid,
    )
    verdicts = [e["event_type"] for e in events if ".lot_" in e["event_type"]]
    after = scorecard(suite, suite.supplier_id)

    figures.report(
        "cancelled_during_inspection",
        order_status=flows.status(suite.orders, oid),
        inspection_status=closed_inspection["status"],
        closed_reason=closed_inspection["closed_reason"],
        certificate=closed_inspection["certificate_id"],
        measurement_after_cancel=refused.status_code,
        quality_bound_to_order_cancelled="order.cancelled" in keys,
        verdict_events=len(verdicts),
        lots_inspected=after["lots_inspected"] - before["lots_inspected"],
    )
    assert flows.status(suite.orders, oid) == "cancelled"
    assert (closed_inspection["status"], closed_inspection["closed_reason"]) == ("rejected", "order_cancelled")
    assert closed_inspection["certificate_id"] is None
    assert refused.status_code == 409
    assert "order.cancelled" in keys
    assert verdicts == []
    assert after["lots_inspected"] == before["lots_inspected"]
