"""One order walked to ``contracted`` through the real award saga: orders -> suppliers -> orders."""

from __future__ import annotations

from collections.abc import Mapping

from tests.integration.observability.conftest import Pair
from tests.integration.orders.orders_helpers import MOD, published, status_of
from tests.integration.suppliers.supplier_fixtures import OFFICER, add_certification, add_license, kz_body, register
from tests.support import eventually


async def eligible_supplier(pair: Pair) -> str:
    """A verified Kazakh supplier, licensed for repair and certified to ISO 9001 (what the order asks)."""
    client = pair.suppliers_client
    supplier = await register(client, kz_body(categories=["repair"]))
    await add_license(client, supplier["id"], category="repair")
    await add_certification(client, supplier["id"], "ISO 9001")
    response = await client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=OFFICER)
    assert response.status_code == 200, response.text
    return str(supplier["id"])


async def contracted_order(pair: Pair, headers: Mapping[str, str] | None = None) -> str:
    """A published order awarded to an eligible supplier (with ``headers`` on the award), once contracted."""
    supplier_id = await eligible_supplier(pair)
    order = await published(pair.orders_client)
    body = {"supplier_id": supplier_id, "contract_price": {"amount": "500000.00", "currency": "KZT"}}
    response = await pair.orders_client.post(
        f"/api/v1/orders/{order['id']}/award", json=body, headers={**MOD, **(headers or {})}
    )
    assert response.status_code == 200, response.text

    async def contracted() -> bool:
        return await status_of(pair.orders_client, order["id"]) == "contracted"

    await eventually(contracted, what="the order contracted")
    return str(order["id"])
