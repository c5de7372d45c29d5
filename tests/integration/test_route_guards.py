"""Deny by default: every route under /api/ of every service names the roles it admits.

The routes are read from the apps themselves, so a route added tomorrow is checked tomorrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant

from services.fund.app import create_app as create_fund
from services.fund.settings import FundSettings
from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as create_quality
from services.quality.settings import QualitySettings
from services.suppliers.app import create_app as create_suppliers
from services.suppliers.settings import SuppliersSettings
from shared.auth import Principal, Role, RoleRule, allow
from shared.http.routes import served_routes
from tests.support import JWT_SECRET


def _configured(settings_class: type) -> Any:
    return settings_class(database_url="sqlite+aiosqlite://", amqp_url="memory://", jwt_secret=JWT_SECRET)


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "orders": lambda: create_orders(_configured(OrdersSettings)),
    "suppliers": lambda: create_suppliers(_configured(SuppliersSettings)),
    "quality": lambda: create_quality(_configured(QualitySettings)),
    "fund": lambda: create_fund(_configured(FundSettings)),
}


def rules(dependant: Dependant) -> Iterator[RoleRule]:
    """Every RoleRule anywhere in a route's dependency tree."""
    if isinstance(dependant.call, RoleRule):
        yield dependant.call
    for child in dependant.dependencies:
        yield from rules(child)


def unguarded(app: FastAPI) -> tuple[list[str], int]:
    """The /api/ routes without a RoleRule, and how many /api/ routes there are."""
    missing, total = [], 0
    for route in served_routes(app.routes):
        path = getattr(route, "path", None) or ""
        if not path.startswith("/api/"):
            continue
        total += 1
        dependant = getattr(route, "dependant", None)
        if dependant is None or not any(rules(dependant)):
            missing.append(f"{sorted(getattr(route, 'methods', None) or [])} {path}")
    return missing, total


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_api_route_has_a_role_rule(service: str) -> None:
    missing, total = unguarded(SERVICES[service]())
    assert total >= 2, f"{service}: no /api/ routes found; the check would pass vacuously"
    assert not missing, f"{service}: routes without an explicit role rule (deny by default): {missing}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_rule_admits_a_role_that_does_not_exist(service: str) -> None:
    known = {str(r) for r in Role}
    for route in served_routes(SERVICES[service]().routes):
        dependant = getattr(route, "dependant", None)
        for rule in rules(dependant) if dependant else ():
            assert rule.roles <= known, (route.path, rule)


def test_the_check_catches_a_route_without_a_rule() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/api/v1")

    @router.get("/guarded")
    async def guarded(_: Principal = allow(Role.AUDITOR)) -> dict[str, str]:
        return {}

    nested = APIRouter(prefix="/nested")

    @nested.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    router.include_router(nested)
    app.include_router(router)
    missing, total = unguarded(app)
    assert total == 2
    assert missing == ["['GET'] /api/v1/nested/open"]
