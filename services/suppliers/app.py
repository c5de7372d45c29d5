"""The suppliers service: `uvicorn services.suppliers.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.suppliers import consumers
from services.suppliers.api.routes import router
from services.suppliers.db.tables import metadata
from services.suppliers.domain.errors import InvalidIdentityError, SupplierStatusError
from services.suppliers.settings import SuppliersSettings
from shared.events.types import EventType
from shared.http.problems import Conflict, Problem, ValidationProblem
from shared.service import ServiceSpec, build_app


def _status_conflict(exc: SupplierStatusError) -> Problem:
    return Conflict(
        exc.message,
        slug=exc.code.replace("_", "-"),
        current_status=exc.current_status.value,
        allowed_actions=[action.value for action in exc.allowed_actions],
    )


def _invalid_identity(exc: InvalidIdentityError) -> Problem:
    return ValidationProblem([{"field": exc.field, "message": exc.message}])


def create_app(settings: SuppliersSettings | None = None) -> FastAPI:
    app: FastAPI

    def restricted_countries() -> frozenset[str]:
        # Read when an award is decided, from the settings the lifespan resolved.
        return app.state.runtime.settings.restricted_countries

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
        subscriptions=consumers.subscriptions(restricted_countries),
        publishes=frozenset(
            {EventType.SUPPLIER_AWARD_CONFIRMED, EventType.SUPPLIER_AWARD_DECLINED, EventType.SUPPLIER_STATUS_CHANGED}
        ),
        domain_errors={SupplierStatusError: _status_conflict, InvalidIdentityError: _invalid_identity},
        openapi_tags=[
            {"name": "suppliers", "description": "The register: identity, status, licenses, certifications."},
            {"name": "analytics", "description": "Diversification of supply per order category."},
        ],
    )
    app = build_app(spec, settings)
    return app


app = create_app()
