"""Plans stored before amendments were kept count the units their lots accepted once the revision
has run, and take amendments as any other plan."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from alembic import command
from quality_fixtures import OFFICER, REQUIREMENTS, amended, consumed, quality_app
from sqlalchemy import Connection, MetaData, Table, insert

from services.quality.db.tables import metadata
from shared.db import Database
from shared.events.types import EventType
from shared.migrations import _config
from tests.support import eventually, inject, running

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "quality" / "migrations"
BEFORE_AMENDMENTS = "8677e2e336f8"
NEW_COLUMNS = {"amendment_number", "amendments", "accepted_quantity", "concessions_in_price_kzt", "units_remaining"}
THEN = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def _old(table: str) -> Table:
    """The table as the revision before amendments left it."""
    old = Table(table, MetaData(), *[c._copy() for c in metadata.tables[table].columns if c.name not in NEW_COLUMNS])
    for column in old.columns:
        column.default = column.server_default = None
    return old


def _inspection(order_id: Any, supplier_id: Any, round_: int, lot_size: int, status: str) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "order_id": order_id,
        "supplier_id": supplier_id,
        "round": round_,
        "lot_size": lot_size,
        "code_letter": "B",
        "sample_size": 3,
        "accept": 0,
        "reject": 1,
        "status": status,
        "closed_reason": "verdict",
        "units_measured": 3,
        "defective_units": 0 if status == "accepted" else 1,
        "critical_failures": 0,
        "nonconformities": [],
        "certificate_id": None,
        "opened_at": THEN,
        "closed_at": THEN,
        "updated_at": THEN,
        "version": 5,
        "severity": "normal",
        "original": True,
        "lot_no": round_,
        "inspected_by": "inspector-7",
    }


async def test_plans_stored_before_amendments_count_their_accepted_lots_and_take_amendments(
    database_url: str, memory_url: str
) -> None:
    order_id, supplier_id = uuid4(), uuid4()
    accepted = _inspection(order_id, supplier_id, 1, 40, "accepted")
    conceded = _inspection(order_id, supplier_id, 2, 25, "rejected")
    plan = {
        "order_id": order_id,
        "supplier_id": supplier_id,
        "category": "production",
        "quantity": 100,
        "aql": "10",
        "inspection_level": "II",
        "requirements": [r | {"min": str(r["min"]), "max": r.get("max") and str(r["max"])} for r in REQUIREMENTS],
        "cancelled_at": None,
        "cancel_reason": None,
        "created_at": THEN,
        "updated_at": THEN,
        "version": 4,
        "order_number": "SDO-2025-000001",
        "contract_price_kzt": "1000000.00",
        "concessions_kzt": "2500.00",
        "status": "active",
        "severity": "normal",
        "switching": None,
        "history": [],
        "original_lots": 2,
        "pending_submission": None,
    }
    report = {
        "id": uuid4(),
        "order_id": order_id,
        "inspection_id": conceded["id"],
        "supplier_id": supplier_id,
        "round": 2,
        "lot_size": 25,
        "lot_no": 2,
        "defects": [],
        "defective_units": 1,
        "critical_failures": 0,
        "status": "dispositioned",
        "disposition": "use_as_is",
        "reason": "within margin",
        "price_reduction": "2500.00",
        "dispositioned_by": "officer-3",
        "dispositioned_at": THEN,
        "certificate_id": None,
        "opened_at": THEN,
        "updated_at": THEN,
        "version": 2,
    }

    def before_amendments(conn: Connection) -> None:
        cfg = _config(MIGRATIONS)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, BEFORE_AMENDMENTS)
        conn.execute(insert(_old("quality_acceptance_plans")), [plan])
        conn.execute(insert(_old("quality_inspections")), [accepted, conceded])
        conn.execute(insert(metadata.tables["quality_nonconformances"]), [report])

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(before_amendments)
    finally:
        await db.dispose()

    app = quality_app(database_url, memory_url)
    async with running(app) as client:
        stored = (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).json()
        assert (stored["quantity"], stored["accepted_quantity"], stored["remaining_quantity"]) == (100, 65, 35)
        assert (stored["amendment_number"], stored["amendments"], stored["version"]) == (0, [], 4)
        assert stored["contract_price"] == {"amount": "997500.00", "currency": "KZT"}
        old = (await client.get(f"/api/v1/inspections/{accepted['id']}", headers=OFFICER)).json()
        assert (old["units_remaining"], old["exceeds_remaining"]) == (None, False)

        body = amended(order_id, supplier_id, 1, changes={"quantity": 80}, quantity=80, accepted=65, price="997500.00")
        await inject(app, EventType.ORDER_AMENDED, order_id, body)

        async def applied() -> bool:
            return consumed(app, EventType.ORDER_AMENDED, "applied") == 1

        await eventually(applied, what="amendment applied")
        after = (await client.get(f"/api/v1/plans/{order_id}", headers=OFFICER)).json()
    assert (after["quantity"], after["remaining_quantity"], after["amendment_number"]) == (80, 15, 1)
    assert after["contract_price"] == {"amount": "997500.00", "currency": "KZT"}
    assert after["amendments"][0]["after"] == {"quantity": 80, "remaining_quantity": 15}
