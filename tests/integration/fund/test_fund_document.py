"""The fund's document and declarations, as for every service: OpenAPI, route guards, events, operations.

The same checks as ``tests/integration/conformance/test_conformance_document.py``,
``test_route_guards.py`` and ``test_event_declarations.py`` make of the other services.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from fund_fixtures import fund_app

from services.fund.ports import PUBLISHES
from shared.auth import Role
from shared.events.types import EventType
from shared.http.routes import served_routes
from shared.uow import UndeclaredEvent
from tests.integration.test_route_guards import rules, unguarded
from tests.support import running

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
ERROR_HEADERS = {"401": "WWW-Authenticate", "405": "Allow", "429": "Retry-After", "503": "Retry-After"}
# Contract section 11: the fund publishes these three; it consumes the registry's status changes.
PUBLISHED = {EventType.FUND_PROJECT_APPROVED, EventType.FUND_PROJECT_CLOSED, EventType.FUND_TRANCHE_DISBURSED}


@pytest.fixture
async def document(sqlite_url: str, memory_url: str) -> dict[str, Any]:
    """The document the running service serves: what a client downloads."""
    async with running(fund_app(sqlite_url, memory_url)) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {path}", op) for path, item in document["paths"].items() for m, op in item.items()]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref") or next((b["$ref"] for b in schema.get("anyOf", []) if "$ref" in b), None)
    resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema
    return resolved


def test_every_operation_of_section_9_is_served(document: dict[str, Any]) -> None:
    served = {where for where, _ in _operations(document)}
    assert {
        "POST /api/v1/projects",
        "GET /api/v1/projects",
        "GET /api/v1/projects/{project_id}",
        "POST /api/v1/projects/{project_id}/endorse",
        "POST /api/v1/projects/{project_id}/approve",
        "POST /api/v1/projects/{project_id}/reject",
        "POST /api/v1/projects/{project_id}/close",
        "GET /api/v1/projects/{project_id}/history",
        "POST /api/v1/projects/{project_id}/milestones/{n}/complete",
        "POST /api/v1/projects/{project_id}/loans",
        "GET /api/v1/loans",
        "GET /api/v1/loans/{loan_id}",
        "GET /api/v1/loans/{loan_id}/schedule",
        "POST /api/v1/loans/{loan_id}/repayments",
        "GET /api/v1/loans/{loan_id}/repayments",
        "GET /api/v1/analytics/fund",
        "GET /api/v1/audit",
        "GET /api/v1/audit/verify",
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
    } <= served


def test_every_operation_has_a_summary_a_description_and_the_bearer_scheme_on_the_api(
    document: dict[str, Any],
) -> None:
    for where, operation in _operations(document):
        assert operation.get("summary") and operation.get("description"), where
        if where.split()[1].startswith("/api/"):
            assert operation.get("security") == [{"HTTPBearer": []}], where


def test_every_error_response_is_a_problem_and_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    for where, operation in _operations(document):
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if int(code) >= 400}
        assert {"405", "500"} <= errors.keys(), where
        if where.split()[1].startswith("/api/"):
            assert {"401", "403", "422"} <= errors.keys(), where
        for code, response in errors.items():
            assert response["content"] == {PROBLEM: {"schema": PROBLEM_SCHEMA}}, (where, code)
            if code in ERROR_HEADERS:
                assert ERROR_HEADERS[code] in response.get("headers", {}), (where, code)
        for code, response in responses.items():
            if code.startswith("2") and code != "204":
                assert response.get("content"), (where, code)
        body = operation.get("requestBody")
        if body:
            media = body["content"]["application/json"]
            target = _resolve(document, media["schema"])
            assert {"example", "examples"} & (media.keys() | target.keys()), where


def test_the_commands_name_their_refusals(document: dict[str, Any]) -> None:
    paths = document["paths"]
    approve = paths["/api/v1/projects/{project_id}/approve"]["post"]["responses"]["409"]["description"]
    assert {"project_not_endorsed", "enterprise_not_active", "enterprise_unknown"} <= set(
        word.strip("`,;()") for word in approve.split()
    )
    assert "412" in paths["/api/v1/projects/{project_id}/endorse"]["post"]["responses"]
    assert "304" in paths["/api/v1/loans/{loan_id}/schedule"]["get"]["responses"]
    money = document["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "string"


def test_every_api_route_names_the_roles_it_admits_and_only_roles_that_exist(sqlite_url: str) -> None:
    app = fund_app(sqlite_url, "memory://guards")
    missing, total = unguarded(app)
    assert total >= 15
    assert not missing, missing
    known = {str(r) for r in Role}
    for route in served_routes(app.routes):
        dependant = getattr(route, "dependant", None)
        for rule in rules(dependant) if dependant else ():
            assert rule.roles <= known, (route.path, rule)


def test_the_description_names_what_the_fund_publishes_and_consumes(sqlite_url: str) -> None:
    description = fund_app(sqlite_url, "memory://described").openapi()["info"]["description"]
    publishes, consumes = description.split("Consumes:")
    assert all(f"`{event_type}`" in publishes for event_type in PUBLISHED)
    assert f"`{EventType.SUPPLIER_STATUS_CHANGED}`" in consumes
    assert set(PUBLISHES) == PUBLISHED


async def test_the_fund_cannot_emit_an_event_it_does_not_declare(sqlite_url: str, memory_url: str) -> None:
    app = fund_app(sqlite_url, memory_url)
    async with running(app):
        runtime = app.state.runtime
        assert PUBLISHED <= runtime.publishes
        async with runtime.uow(actor="test") as uow:
            uow.emit(EventType.FUND_PROJECT_CLOSED, uuid4(), {"project_id": str(uuid4())})
            with pytest.raises(UndeclaredEvent, match=r"order\.published"):
                uow.emit(EventType.ORDER_PUBLISHED, uuid4(), {"order_id": str(uuid4())})


async def test_health_readiness_metrics_and_the_documentation_pages(app: FastAPI, client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and "sdo_" in metrics.text
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
