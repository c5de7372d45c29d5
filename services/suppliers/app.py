"""The suppliers service: `uvicorn services.suppliers.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.suppliers.db.tables import metadata
from services.suppliers.settings import SuppliersSettings
from shared.service import ServiceSpec, build_app


def create_app(settings: SuppliersSettings | None = None) -> FastAPI:
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
        routers=[],
    )
    return build_app(spec, settings)


app = create_app()
