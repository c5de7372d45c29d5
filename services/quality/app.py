"""The quality service: `uvicorn services.quality.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.quality.api.routes import router
from services.quality.consumers import SUBSCRIPTIONS
from services.quality.db.tables import metadata
from services.quality.db.unit_of_work import SqlQualityUnitOfWork
from services.quality.settings import QualitySettings
from shared.events.types import EventType
from shared.service import ServiceSpec, build_app

PUBLISHES = frozenset(
    {
        EventType.QUALITY_LOT_ACCEPTED,
        EventType.QUALITY_LOT_REJECTED,
        EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED,
        EventType.QUALITY_INSPECTION_DISCONTINUED,
        EventType.QUALITY_INSPECTION_RESUMED,
    }
)


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="quality",
        title="SDO Quality Acceptance",
        description=(
            "Technical-requirement acceptance: ISO 2859-1 sampling plans with the switching rules, inspections, "
            "verdicts, nonconformances and their dispositions, and certificates of conformity."
        ),
        settings_factory=QualitySettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
        publishes=PUBLISHES,
        unit_of_work=SqlQualityUnitOfWork,
        openapi_tags=[
            {"name": "sampling", "description": "ISO 2859-1 single sampling plans: normal, tightened, reduced."},
            {"name": "plans", "description": "Acceptance plans of contracted orders and their switching rules."},
            {"name": "inspections", "description": "Inspection rounds, measurements and verdicts."},
            {"name": "nonconformances", "description": "Reports of rejected lots and their dispositions."},
            {"name": "certificates", "description": "Certificates of conformity of accepted lots, JSON or PDF."},
        ],
    )
    return build_app(spec, settings)


app = create_app()
