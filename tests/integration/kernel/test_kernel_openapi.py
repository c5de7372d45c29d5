"""OpenAPI: every /api/ operation of every service declares bearer security and problem+json errors,
and what the widgets service actually answers is what its document declares."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from services.quality.app import create_app as create_quality
from services.quality.settings import QualitySettings
from services.suppliers.app import create_app as create_suppliers
from services.suppliers.settings import SuppliersSettings
from tests.integration.kernel import kernel_app
from tests.integration.kernel.kernel_support import widgets
from tests.support import JWT_SECRET, auth

PROBLEM = "application/problem+json"


def _configured(settings_class: type) -> Any:
    return settings_class(database_url="sqlite+aiosqlite://", amqp_url="memory://", jwt_secret=JWT_SECRET)


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "orders": lambda: create_orders(_configured(OrdersSettings)),
    "suppliers": lambda: create_suppliers(_configured(SuppliersSettings)),
    "quality": lambda: create_quality(_configured(QualitySettings)),
    "widgets": lambda: kernel_app.create_app(),
}


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield path, method, op


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_api_operation_declares_bearer_security_and_problem_responses(service: str) -> None:
    schema = SERVICES[service]().openapi()
    scheme = schema["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    checked = 0
    for path, method, op in operations(schema):
        where = f"{service}: {method.upper()} {path}"
        assert op.get("summary") and op.get("description"), where
        responses = op["responses"]
        for code in ("405", "500"):
            assert responses[code]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}, where
        if not path.startswith("/api/"):
            assert "security" not in op, where
            continue
        checked += 1
        assert op.get("security") == [{"HTTPBearer": []}], where
        for code in ("400", "401", "403", "404", "422"):
            assert set(responses[code]["content"]) == {PROBLEM}, (where, code)
        assert "WWW-Authenticate" in responses["401"]["headers"], where
        assert "Allow" in responses["405"]["headers"], where
        if method in ("post", "put", "patch", "delete"):
            assert "409" in responses, where
        success = [c for c in responses if c.startswith("2")]
        assert success, where
        assert all("X-Request-ID" in r.get("headers", {}) for r in responses.values()), where
    assert checked >= 2, f"{service} has no /api/ operations"


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_reference_resolves_and_no_framework_error_shape_is_left(service: str) -> None:
    schema = SERVICES[service]().openapi()
    for ref in set(refs(schema)):
        node: Any = schema
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{service}: dangling {ref}"
            node = node[part]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_conditional_and_create_operations_declare_their_extra_answers() -> None:
    paths = kernel_app.create_app().openapi()["paths"]
    read = paths["/api/v1/widgets/{widget_id}"]["get"]["responses"]
    assert "ETag" in read["304"]["headers"] and "content" not in read["304"]
    assert "ETag" in read["200"]["headers"]
    create = paths["/api/v1/widgets"]["post"]["responses"]
    assert "200" not in create
    assert {"Location", "ETag", "Idempotent-Replayed"} <= set(create["201"]["headers"])
    rename = paths["/api/v1/widgets/{widget_id}/rename"]["post"]["responses"]
    assert set(rename["412"]["content"]) == {PROBLEM}
    assert "Retry-After" in rename["409"]["headers"]
    listing = paths["/api/v1/widgets"]["get"]["responses"]
    assert "304" not in listing and "412" not in listing
    ready = paths["/readyz"]["get"]["responses"]
    assert "Retry-After" in ready["503"]["headers"] and set(ready["503"]["content"]) == {PROBLEM}
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]


def _template(paths: dict[str, Any], path: str) -> str | None:
    for template in paths:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    return None


async def test_what_the_service_answers_is_what_its_document_declares(tmp_path: Path) -> None:
    officer, reader = auth("mod_officer"), auth("auditor")
    async with widgets(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}") as (_, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        created = await client.post("/api/v1/widgets", json={"name": "doc", "size": 1}, headers=officer)
        url = created.headers["Location"]
        calls: list[httpx.Response] = [
            created,
            await client.post("/api/v1/widgets", json={"name": "doc", "size": 1}, headers=officer),
            await client.post("/api/v1/widgets", json={"name": ""}, headers=officer),
            await client.post("/api/v1/widgets", content=b"{", headers={**officer, "Content-Type": "application/json"}),
            await client.post("/api/v1/widgets", json={"name": "x", "size": 1}, headers=reader),
            await client.post("/api/v1/widgets", json={"name": "x", "size": 1}),
            await client.get(url, headers=reader),
            await client.get(url, headers={**reader, "If-None-Match": '"1"'}),
            await client.get(f"/api/v1/widgets/{uuid4()}", headers=reader),
            await client.get("/api/v1/widgets/nope", headers=reader),
            await client.post(f"{url}/rename", json={"name": "y"}, headers={**officer, "If-Match": '"5"'}),
            await client.post(f"{url}/rename", json={"name": "y"}, headers=officer),
            await client.get("/api/v1/widgets", params={"limit": 900}, headers=reader),
            await client.get("/api/v1/widgets", headers=reader),
            await client.get("/api/v1/widgets-boom", headers=reader),
            await client.get("/api/v1/audit", headers=reader),
            await client.get("/api/v1/audit/verify", headers=reader),
            await client.get("/healthz"),
            await client.get("/readyz"),
            await client.get("/metrics"),
        ]
        for response in calls:
            request = response.request
            template = _template(paths, request.url.path)
            assert template, request.url
            declared = paths[template][request.method.lower()]["responses"]
            status = str(response.status_code)
            where = f"{request.method} {request.url.path} -> {status}"
            assert status in declared, where
            content_type = response.headers.get("content-type", "").split(";")[0]
            if status == "304":
                assert not content_type and "content" not in declared[status], where
            else:
                assert content_type in declared[status].get("content", {}), (where, content_type)
            for header in declared[status].get("headers", {}):
                if header in ("X-Request-ID", "WWW-Authenticate", "Allow", "Location"):
                    assert header in response.headers, (where, header)
