"""Every error path answers RFC 9457 problem+json, and none answers 500 to bad input."""

from __future__ import annotations

from uuid import uuid4

import httpx
import pytest

from tests.support import assert_problem, auth

OFFICER = auth("mod_officer")
READER = auth("auditor")


def fields(body: dict) -> dict[str, str]:
    assert isinstance(body.get("errors"), list) and body["errors"], body
    return {e["field"]: e["message"] for e in body["errors"]}


async def test_validation_errors_name_each_field_including_nested_ones(client: httpx.AsyncClient) -> None:
    body = {"name": "", "size": -1, "parts": [{"code": "ok", "qty": 1}, {"code": "", "qty": 0}], "colour": "red"}
    problem = assert_problem(await client.post("/api/v1/widgets", json=body, headers=OFFICER), 422)
    named = fields(problem)
    assert {"name", "size", "parts[1].code", "parts[1].qty", "colour"} <= named.keys(), named
    assert problem["type"].endswith("validation-error")
    assert all(isinstance(m, str) and m for m in named.values())


async def test_a_missing_body_is_422_naming_the_body(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.post("/api/v1/widgets", headers=OFFICER), 422)
    assert "body" in fields(problem)


async def test_a_missing_required_field_is_named(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.post("/api/v1/widgets", json={"size": 1}, headers=OFFICER), 422)
    assert "name" in fields(problem)


@pytest.mark.parametrize(
    "content",
    [b'{"name": "w", "size": ', b"{'name': 'w'}", b"\xff\xfe\x00garbage", b"[1, 2"],
    ids=["truncated", "single-quotes", "not-utf8", "unclosed-array"],
)
async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient, content: bytes) -> None:
    headers = {**OFFICER, "Content-Type": "application/json"}
    problem = assert_problem(await client.post("/api/v1/widgets", content=content, headers=headers), 400)
    assert "JSON" in problem["detail"]


async def test_path_and_query_parameters_are_named(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/api/v1/widgets/not-a-uuid", headers=READER), 422)
    assert "widget_id" in fields(problem)
    problem = assert_problem(await client.get("/api/v1/widgets?limit=many", headers=READER), 422)
    assert "limit" in fields(problem)


async def test_an_unknown_path_is_404(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/api/v1/nothing-here", headers=READER), 404)
    assert "/api/v1/nothing-here" in problem["detail"]
    assert_problem(await client.get("/no/such/thing"), 404)


async def test_a_trailing_slash_is_a_404_problem_not_a_redirect(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/widgets/", headers=READER), 404)
    assert_problem(await client.post("/api/v1/widgets/", json={"name": "w", "size": 1}, headers=OFFICER), 404)


async def test_an_unknown_resource_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"/api/v1/widgets/{uuid4()}", headers=READER), 404)


async def test_a_wrong_method_is_405_with_every_allowed_method(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/widgets", headers=OFFICER)
    assert_problem(response, 405)
    # Two routes share the path (GET list, POST create): Allow names both.
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "POST"}
    response = await client.put(f"/api/v1/widgets/{uuid4()}", headers=OFFICER)
    assert_problem(response, 405)
    assert response.headers["Allow"] == "GET"
    response = await client.post("/api/v1/widgets-boom", headers=OFFICER)
    assert_problem(response, 405)
    assert response.headers["Allow"] == "GET"
    response = await client.post("/healthz")
    assert_problem(response, 405)
    assert response.headers["Allow"] == "GET"


async def test_a_conflict_is_409(client: httpx.AsyncClient) -> None:
    body = {"name": "dup", "size": 1}
    assert (await client.post("/api/v1/widgets", json=body, headers=OFFICER)).status_code == 201
    problem = assert_problem(await client.post("/api/v1/widgets", json=body, headers=OFFICER), 409)
    assert problem["type"].endswith("conflict")


async def test_a_unique_violation_the_handler_did_not_foresee_is_409_not_500(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/v1/widgets", json={"name": "a", "size": 1}, headers=OFFICER)
    second = await client.post("/api/v1/widgets", json={"name": "b", "size": 1}, headers=OFFICER)
    # rename does not check the name is free; the database's unique constraint catches it.
    response = await client.post(
        f"/api/v1/widgets/{second.json()['id']}/rename", json={"name": first.json()["name"]}, headers=OFFICER
    )
    problem = assert_problem(response, 409)
    assert "widgets" not in problem["detail"] and "UNIQUE" not in problem["detail"]


async def test_a_stale_if_match_is_412(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/widgets", json={"name": "s", "size": 1}, headers=OFFICER)
    url = f"/api/v1/widgets/{created.json()['id']}/rename"
    problem = assert_problem(await client.post(url, json={"name": "x"}, headers={**OFFICER, "If-Match": '"7"'}), 412)
    assert problem["current_version"] == 1


async def test_an_unexpected_error_is_500_without_internals_and_with_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/widgets-boom", headers={**READER, "X-Request-ID": "trace-500-abc"})
    problem = assert_problem(response, 500)
    assert response.headers["X-Request-ID"] == "trace-500-abc"
    text = response.text
    for secret in ("hunter2", "RuntimeError", "postgresql", "Traceback", "kernel_app"):
        assert secret not in text
    assert set(problem) == {"type", "title", "status", "detail"}
    generated = await client.get("/api/v1/widgets-boom", headers=READER)
    assert generated.headers.get("X-Request-ID")


async def test_an_invalid_idempotency_key_is_422(client: httpx.AsyncClient) -> None:
    headers = {**OFFICER, "Idempotency-Key": "k" * 201}
    problem = assert_problem(await client.post("/api/v1/widgets", json={"name": "w", "size": 1}, headers=headers), 422)
    assert "Idempotency-Key" in fields(problem)


async def test_the_metrics_count_the_500(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/widgets-boom", headers=READER)
    text = (await client.get("/metrics")).text
    # The service is this test's own: the count is exactly the one request.
    assert 'sdo_http_requests_total{method="GET",route="/api/v1/widgets-boom",status="500"} 1.0' in text
