"""The quality service: `uvicorn services.quality.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.quality.db.tables import metadata
from services.quality.settings import QualitySettings
from shared.service import ServiceSpec, build_app


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="quality",
        title="SDO Quality Acceptance",
        description=(
            "Technical-requirement acceptance: ISO 2859-1 sampling plans, "
            "inspections, verdicts and certificates."
        ),
        settings_factory=QualitySettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[],
    )
    return build_app(spec, settings)


app = create_app()
