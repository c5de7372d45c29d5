"""The suppliers service: `uvicorn services.suppliers.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.suppliers import consumers
from services.suppliers.api.routes import router
from services.suppliers.db.tables import metadata
from services.suppliers.db.unit_of_work import SqlSuppliersUnitOfWork
from services.suppliers.ports import PUBLISHES
from services.suppliers.settings import SuppliersSettings
from services.suppliers.tasks import SuspensionSweeper
from shared.service import ServiceSpec, build_app


def create_app(settings: SuppliersSettings | None = None) -> FastAPI:
    app: FastAPI

    def resolved() -> SuppliersSettings:
        # The settings the lifespan resolved, read when an event is handled.
        settings_now: SuppliersSettings = app.state.runtime.settings
        return settings_now

    def restricted_countries() -> frozenset[str]:
        return resolved().restricted_countries

    def timezone() -> str:
        return resolved().timezone

    spec = ServiceSpec(
        name="suppliers",
        title="SDO Supplier Registry",
        description=(
            "The register of defense-industry suppliers: licenses, certifications, "
            "eligibility, scorecards and diversification."
        ),
        settings_factory=SuppliersSettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
        subscriptions=consumers.subscriptions(restricted_countries, timezone),
        publishes=PUBLISHES,
        unit_of_work=SqlSuppliersUnitOfWork,
        background={
            "suspension_sweeper": lambda runtime: SuspensionSweeper(
                runtime, every=resolved().suspension_sweep_seconds, timezone=timezone
            )
        },
        openapi_tags=[
            {"name": "suppliers", "description": "The register: identity, status, licenses, certifications."},
            {"name": "analytics", "description": "Diversification of supply per order category."},
        ],
    )
    app = build_app(spec, settings)
    return app


app = create_app()
