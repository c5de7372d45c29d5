"""The orders service: `uvicorn services.orders.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.orders.db.tables import metadata
from services.orders.settings import OrdersSettings
from shared.service import ServiceSpec, build_app


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="orders",
        title="SDO Orders",
        description=(
            "State defense orders from specification to closure: lifecycle, award "
            "saga, the suppliers' changes feed and KPIs."
        ),
        settings_factory=OrdersSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[],
    )
    return build_app(spec, settings)


app = create_app()
