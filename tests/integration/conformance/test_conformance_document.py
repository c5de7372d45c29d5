"""Each service's /openapi.json, as served, documents every operation the way the contract asks.

Every operation has a summary and a description; every /api/ operation requires the bearer scheme
(and no other operation does); every error response is application/problem+json with the Problem
schema, a 401 declaring WWW-Authenticate, a 405 Allow and a 429/503 Retry-After; every request body
carries an example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as create_quality
from services.quality.settings import QualitySettings
from services.suppliers.app import create_app as create_suppliers
from services.suppliers.settings import SuppliersSettings
from tests.support import JWT_SECRET, running

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
SECURITY = [{"HTTPBearer": []}]
ERROR_HEADERS = {"401": "WWW-Authenticate", "405": "Allow", "429": "Retry-After", "503": "Retry-After"}

SERVICES: dict[str, Callable[[str, str], FastAPI]] = {
    "orders": lambda db, bus: create_orders(OrdersSettings(database_url=db, amqp_url=bus, jwt_secret=JWT_SECRET)),
    "suppliers": lambda db, bus: create_suppliers(
        SuppliersSettings(database_url=db, amqp_url=bus, jwt_secret=JWT_SECRET)
    ),
    "quality": lambda db, bus: create_quality(QualitySettings(database_url=db, amqp_url=bus, jwt_secret=JWT_SECRET)),
}


@pytest.fixture(params=list(SERVICES))
async def document(request: pytest.FixtureRequest, sqlite_url: str, memory_url: str) -> dict[str, Any]:
    """The document the running service serves (not the app object's): what a client downloads."""
    async with running(SERVICES[request.param](sqlite_url, memory_url)) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _is_api(where: str) -> bool:
    return where.split()[1].startswith("/api/")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref") or next((b["$ref"] for b in schema.get("anyOf", []) if "$ref" in b), None)
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_the_bearer_scheme_is_declared(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["HTTPBearer"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    missing = [where for where, op in operations(document) if not (op.get("summary") and op.get("description"))]
    assert not missing, missing


def test_every_api_operation_and_only_those_require_the_bearer_scheme(document: dict[str, Any]) -> None:
    for where, operation in operations(document):
        if _is_api(where):
            assert operation.get("security") == SECURITY, where
        else:
            assert "security" not in operation, where  # /healthz, /readyz, /metrics: probes carry no token


def test_every_error_response_is_a_problem_with_its_headers(document: dict[str, Any]) -> None:
    for where, operation in operations(document):
        responses = operation["responses"]
        errors = {code: r for code, r in responses.items() if int(code) >= 400}
        assert {"405", "500"} <= errors.keys(), where
        if _is_api(where):
            assert {"401", "403", "422"} <= errors.keys(), where
        for code, response in errors.items():
            assert response["content"] == {PROBLEM: {"schema": PROBLEM_SCHEMA}}, (where, code)
            if code in ERROR_HEADERS:
                assert ERROR_HEADERS[code] in response.get("headers", {}), (where, code)


def test_every_success_declares_its_content_and_every_request_body_an_example(document: dict[str, Any]) -> None:
    for where, operation in operations(document):
        for code, response in operation["responses"].items():
            if code.startswith("2") and code != "204":
                assert response.get("content"), (where, code)
        body = operation.get("requestBody")
        if body:
            media = body["content"]["application/json"]
            target = _resolve(document, media["schema"])
            assert {"example", "examples"} & (media.keys() | target.keys()), where
