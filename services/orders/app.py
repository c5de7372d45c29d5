"""The orders service: `uvicorn services.orders.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.orders.api import amendments, reference, routes
from services.orders.consumers import SUBSCRIPTIONS
from services.orders.db.tables import metadata
from services.orders.db.unit_of_work import SqlOrdersUnitOfWork
from services.orders.domain.order import PUBLISHES
from services.orders.settings import OrdersSettings
from shared.service import ServiceSpec, build_app


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="orders",
        title="SDO Orders",
        description=(
            "State defense orders from specification to closure: lifecycle, award "
            "saga, contract amendments, orders funded by the Development Fund, the suppliers' changes feed, "
            "exchange rates in force and KPIs."
        ),
        settings_factory=OrdersSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[routes.router, amendments.router, reference.router],
        subscriptions=SUBSCRIPTIONS,
        publishes=PUBLISHES,
        unit_of_work=SqlOrdersUnitOfWork,
        status_gauges=metadata.tables["orders"].c.status,
        openapi_tags=[
            {"name": "orders", "description": "The order lifecycle, its history and the pollers' views."},
            {
                "name": "amendments",
                "description": "After award the contract changes only by amendment: proposed by the ministry, "
                "accepted or rejected by the supplier.",
            },
            {"name": "analytics", "description": "Domestic-share and localized-share KPIs per category."},
            {
                "name": "exchange rates",
                "description": "KZT per unit in force from a moment on, used to compare prices with ceilings.",
            },
        ],
    )
    return build_app(spec, settings)


app = create_app()
