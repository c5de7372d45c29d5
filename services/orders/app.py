"""The orders service: `uvicorn services.orders.app:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.orders.api import reference, routes
from services.orders.consumers import SUBSCRIPTIONS
from services.orders.db.tables import metadata
from services.orders.domain.errors import (
    ActionNotPermitted,
    IllegalTransition,
    InvalidField,
    OrderDomainError,
)
from services.orders.events import PUBLISHES
from services.orders.settings import OrdersSettings
from shared.http.problems import Conflict, Forbidden, Problem, ValidationProblem
from shared.service import ServiceSpec, build_app


def _illegal_transition(exc: IllegalTransition) -> Problem:
    return Conflict(
        exc.message,
        slug="illegal-transition",
        current_status=exc.current_status,
        allowed_actions=exc.allowed_actions,
    )


def _invalid_field(exc: InvalidField) -> Problem:
    return ValidationProblem([{"field": exc.field, "message": exc.message}])


def _not_permitted(exc: ActionNotPermitted) -> Problem:
    return Forbidden(exc.message)


def _refused(exc: OrderDomainError) -> Problem:
    return Conflict(exc.message, slug=exc.code.replace("_", "-"))


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
        routers=[routes.router, reference.router],
        subscriptions=SUBSCRIPTIONS,
        publishes=PUBLISHES,
        domain_errors={
            IllegalTransition: _illegal_transition,
            InvalidField: _invalid_field,
            ActionNotPermitted: _not_permitted,
            OrderDomainError: _refused,
        },
        openapi_tags=[
            {"name": "orders", "description": "The order lifecycle, its history and the pollers' views."},
            {"name": "analytics", "description": "Domestic-share KPIs per category."},
            {"name": "exchange rates", "description": "KZT per unit, used to compare prices with ceilings."},
        ],
    )
    return build_app(spec, settings)


app = create_app()
