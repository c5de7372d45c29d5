"""Orders stored before deliveries in lots keep behaving as before once the revision has run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from alembic import command
from sqlalchemy import Connection, MetaData, Table, insert

from services.orders.db.tables import metadata
from shared.db import Database
from shared.migrations import _config
from tests.integration.orders.orders_helpers import AUDITOR, MOD, orders_app, supplier
from tests.support import running

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "orders" / "migrations"
BEFORE_LOTS = "cc09cf52d875"
NEW_COLUMNS = {"delivery_schedule", "accepted_quantity", "inspection_discontinued"}
DEADLINE = date.today() + timedelta(days=90)
THEN = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def legacy_row(status: str, supplier_id: UUID, n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "number": f"SDO-2026-{n:06d}",
        "title": "Radios",
        "category": "repair",
        "quantity": 100,
        "unit": "pcs",
        "delivery_deadline": DEADLINE,
        "delivery_location": "Astana",
        "price_ceiling_amount": Decimal("1000000.00"),
        "price_ceiling_currency": "KZT",
        "funding_source": "state_budget",
        "min_local_content": Decimal("40"),
        "required_certifications": [],
        "requires_security_clearance": True,
        "aql": Decimal("1.0"),
        "technical_requirements": [{"code": "F", "name": "F", "unit": "Hz", "min": "1", "max": "2", "critical": True}],
        "status": status,
        "version": 9,
        "supplier_id": supplier_id,
        "contract_price_amount": Decimal("900000.00"),
        "contract_price_currency": "KZT",
        "contract_price_kzt": Decimal("900000.00"),
        "supplier_country": "KZ",
        "local_content_share": Decimal("60"),
        "inspection_rounds": 1,
        "lot_size": 100,
        "waybill": "WB-OLD",
        "received_quantity": None,
        "delivered_on": None,
        "on_time": None,
        "created_by": "officer",
        "created_at": THEN,
        "updated_at": THEN,
        **fields,
    }


async def test_orders_stored_before_lots_have_the_default_schedule_and_their_units(
    database_url: str, memory_url: str
) -> None:
    supplier_id = uuid4()
    rows = {
        "accepted": legacy_row("accepted", supplier_id, 1, waybill=None),
        "shipped": legacy_row("shipped", supplier_id, 2),
        "delivered": legacy_row(
            "delivered", supplier_id, 3, received_quantity=100, delivered_on=THEN.date(), on_time=True
        ),
        "rework": legacy_row("rework", supplier_id, 4, waybill=None),
    }
    old_orders = Table(
        "orders", MetaData(), *[c._copy() for c in metadata.tables["orders"].columns if c.name not in NEW_COLUMNS]
    )
    for column in old_orders.columns:
        column.default = column.server_default = None

    def before_lots(conn: Connection) -> None:
        cfg = _config(MIGRATIONS)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, BEFORE_LOTS)
        conn.execute(insert(old_orders), list(rows.values()))
        shipped_at = THEN + timedelta(hours=3)
        conn.execute(
            insert(metadata.tables["order_history"]),
            [
                {
                    "order_id": rows[s]["id"],
                    "from_status": "accepted",
                    "to_status": "shipped",
                    "at": shipped_at,
                    "actor": "s",
                }
                for s in ("shipped", "delivered")
            ],
        )

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(before_lots)
    finally:
        await db.dispose()

    async with running(orders_app(database_url, memory_url)) as client:

        async def read(kind: str) -> dict[str, Any]:
            return (await client.get(f"/api/v1/orders/{rows[kind]['id']}", headers=AUDITOR)).json()

        async def shipments(kind: str) -> list[dict[str, Any]]:
            url = f"/api/v1/orders/{rows[kind]['id']}/shipments"
            return (await client.get(url, headers=AUDITOR)).json()["items"]

        for kind, counts in {
            "accepted": (100, 0, None),
            "shipped": (100, 100, None),
            "delivered": (100, 100, 100),
            "rework": (0, 0, None),
        }.items():
            order = await read(kind)
            assert (order["accepted_quantity"], order["shipped_quantity"], order["received_quantity"]) == counts, kind
            assert [(lot["quantity"], lot["due_date"]) for lot in order["delivery_schedule"]] == [(100, str(DEADLINE))]
            assert order["version"] == 9 and not order["inspection_discontinued"]
        (shipment,) = await shipments("shipped")
        assert (shipment["shipment_no"], shipment["quantity"], shipment["waybill"], shipment["received_quantity"]) == (
            1,
            100,
            "WB-OLD",
            None,
        )
        assert shipment["shipped_at"].startswith("2026-01-10T11:00:00")
        (received,) = await shipments("delivered")
        assert (received["received_quantity"], received["on_time"]) == (100, True)
        assert await shipments("accepted") == []

        # As before: the accepted order ships whole, and the shipped one is delivered by one receipt.
        me = supplier(supplier_id)
        ship = await client.post(f"/api/v1/orders/{rows['accepted']['id']}/ship", json={"waybill": "WB-7"}, headers=me)
        assert ship.json()["status"] == "shipped"
        url = f"/api/v1/orders/{rows['shipped']['id']}/confirm-delivery"
        delivered = (await client.post(url, json={"received_quantity": 100}, headers=MOD)).json()
        assert (delivered["status"], delivered["on_time"], delivered["received_quantity"]) == ("delivered", True, 100)
