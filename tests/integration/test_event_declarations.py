"""Each service declares the events it publishes and consumes; the declaration is enforced and documented."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.fund.app import create_app as fund_app
from services.orders.app import create_app as orders_app
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as quality_app
from services.suppliers.app import create_app as suppliers_app
from shared.events.types import EventType
from shared.uow import UndeclaredEvent
from tests.support import JWT_SECRET, running

APPS = {"orders": orders_app, "suppliers": suppliers_app, "quality": quality_app, "fund": fund_app}
# Contract section 6: who publishes what.
PUBLISHED_BY = {
    "orders": {EventType.ORDER_PUBLISHED, EventType.ORDER_AWARD_REQUESTED, EventType.ORDER_CONTRACTED,
               EventType.ORDER_SUBMITTED_FOR_INSPECTION, EventType.ORDER_DELIVERED, EventType.ORDER_CANCELLED},
    "suppliers": {EventType.SUPPLIER_AWARD_CONFIRMED, EventType.SUPPLIER_AWARD_DECLINED,
                  EventType.SUPPLIER_STATUS_CHANGED},
    "quality": {EventType.QUALITY_LOT_ACCEPTED, EventType.QUALITY_LOT_REJECTED},
    "fund": {EventType.FUND_PROJECT_APPROVED, EventType.FUND_PROJECT_CLOSED, EventType.FUND_TRANCHE_DISBURSED},
}  # fmt: skip


@pytest.mark.parametrize("service", sorted(APPS))
def test_the_docs_name_what_each_service_publishes_and_consumes(service: str) -> None:
    description = APPS[service]().openapi()["info"]["description"]
    for event_type in PUBLISHED_BY[service]:
        assert f"`{event_type}`" in description.split("Consumes:")[0]
    assert "Consumes:" in description


async def test_a_service_cannot_emit_an_event_it_does_not_declare(sqlite_url: str, memory_url: str) -> None:
    app = orders_app(OrdersSettings(database_url=sqlite_url, amqp_url=memory_url, jwt_secret=JWT_SECRET))
    async with running(app):
        runtime = app.state.runtime
        assert set(PUBLISHED_BY["orders"]) <= runtime.publishes
        async with runtime.uow(actor="test") as uow:
            uow.emit(EventType.ORDER_CLOSED, uuid4(), {"order_id": str(uuid4())})
            with pytest.raises(UndeclaredEvent, match=r"quality\.lot_accepted"):
                uow.emit(EventType.QUALITY_LOT_ACCEPTED, uuid4(), {"order_id": str(uuid4())})
