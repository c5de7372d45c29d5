"""The quality service: `uvicorn services.quality.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.quality.api.routes import router
from services.quality.consumers import SUBSCRIPTIONS
from services.quality.db.tables import metadata
from services.quality.domain.errors import QualityDomainError
from services.quality.settings import QualitySettings
from shared.events.types import EventType
from shared.http.problems import Problem, ValidationProblem
from shared.service import ServiceSpec, build_app


def _invalid_input(exc: QualityDomainError) -> Problem:
    """A broken quality rule is the caller's input error: 422 naming each field."""
    return ValidationProblem([e.as_dict() for e in exc.errors])


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="quality",
        title="SDO Quality Acceptance",
        description=(
            "Technical-requirement acceptance: ISO 2859-1 sampling plans, inspections, verdicts and certificates."
        ),
        settings_factory=QualitySettings,
        metadata=metadata,
        migrations=Path(__file__).parent / "migrations",
        routers=[router],
        subscriptions=SUBSCRIPTIONS,
        publishes=frozenset({EventType.QUALITY_LOT_ACCEPTED, EventType.QUALITY_LOT_REJECTED}),
        domain_errors={QualityDomainError: _invalid_input},
        openapi_tags=[
            {"name": "sampling", "description": "ISO 2859-1 single sampling plans, normal inspection."},
            {"name": "plans", "description": "Acceptance plans made from contracted orders."},
            {"name": "inspections", "description": "Inspection rounds, measurements and verdicts."},
            {"name": "certificates", "description": "Certificates of conformity of accepted lots."},
        ],
    )
    return build_app(spec, settings)


app = create_app()
