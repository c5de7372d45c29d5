"""The suppliers OpenAPI document states what the service enforces, so a client that follows it is not refused."""

from __future__ import annotations

from typing import Any

import pytest
from supplier_fixtures import suppliers_app


@pytest.fixture
def document() -> dict[str, Any]:
    # Building the document needs no lifespan: nothing is connected.
    return suppliers_app("sqlite+aiosqlite://", "memory://suppliers-document").openapi()


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)


def test_percentages_are_numbers_from_0_to_100(document: dict[str, Any]) -> None:
    share = document["components"]["schemas"]["SupplierCreate"]["properties"]["local_content_share"]
    minimum = _parameter(document, "/api/v1/suppliers/{supplier_id}/eligibility", "min_local_content")["schema"]
    for schema in (share, minimum):
        assert (schema["type"], schema["minimum"], schema["maximum"]) == ("number", 0, 100)
        assert "anyOf" not in schema


def test_a_country_is_one_of_the_assigned_alpha_2_codes(document: dict[str, Any]) -> None:
    body = document["components"]["schemas"]["SupplierCreate"]["properties"]["country"]
    query = _parameter(document, "/api/v1/suppliers", "country")["schema"]["anyOf"][0]
    for schema in (body, query):
        assert {"KZ", "TR", "DE"} <= set(schema["enum"])
        assert "XX" not in schema["enum"] and all(len(code) == 2 and code.isupper() for code in schema["enum"])


@pytest.mark.parametrize(
    ("action", "schema"),
    [
        ("suspend", "SuspendRequest"),
        ("exclude", "RequiredReason"),
        ("licenses/{license_id}/revoke", "RevokeRequest"),
        ("certifications/{certification_id}/revoke", "RevokeRequest"),
    ],
)
def test_a_reason_body_is_required_and_never_null(document: dict[str, Any], action: str, schema: str) -> None:
    body = document["paths"][f"/api/v1/suppliers/{{supplier_id}}/{action}"]["post"]["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
    reason = document["components"]["schemas"][schema]["properties"]["reason"]
    assert reason["type"] == "string" and reason["minLength"] == 1
    assert "reason" in document["components"]["schemas"][schema]["required"]
