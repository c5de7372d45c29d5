"""OpenAPI: every operation declares what it can answer: problem+json errors, headers, 304/201.

Derived from each operation's own parameters so it holds for routes added later:
``If-None-Match`` declares 304, ``If-Match`` declares 412, ``Idempotency-Key`` declares 409 and
``Idempotent-Replayed``, a 201 declares ``Location``; every response declares ``X-Request-ID``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.http.responses import PROBLEM_CONTENT_TYPE

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:sdo:problem:conflict"},
        "title": {"type": "string", "example": "Conflict"},
        "status": {"type": "integer", "example": 409},
        "detail": {"type": "string", "example": "The order is shipped; it cannot be published."},
        "errors": {
            "type": "array",
            "description": "Validation errors (422): one per invalid field.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string", "example": "technical_requirements[0].min"},
                    "message": {"type": "string", "example": "Input should be greater than 0"},
                },
            },
        },
        "current_status": {"type": "string"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
        "current_version": {"type": "integer", "description": "On 412: the version the resource has now."},
    },
    "additionalProperties": True,
}

_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The caller's request id when it sent a sane one, else a generated one.",
        "schema": {"type": "string"},
    },
    "ETag": {"description": 'The resource version, `"<version>"`.', "schema": {"type": "string"}},
    "Location": {"description": "URL of the created resource.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response to an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "WWW-Authenticate": {"description": "The bearer challenge (RFC 6750).", "schema": {"type": "string"}},
    "Allow": {"description": "The methods the resource supports.", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
}

_API_ERRORS = {
    "400": "Malformed request (e.g. the body is not JSON).",
    "401": "Missing or invalid bearer token (see `WWW-Authenticate`).",
    "403": "The caller's role may not do this.",
    "404": "No such resource, or not visible to this caller.",
    "405": "Method not allowed (see `Allow`).",
    "422": "Invalid input; `errors` names each field.",
    "500": "Unexpected error; nothing internal is disclosed.",
}
_OPS_ERRORS = {"405": _API_ERRORS["405"], "500": _API_ERRORS["500"]}
_CONFLICT = (
    "Conflicts with the current state (names `current_status` and `allowed_actions` where it applies), "
    "or the same `Idempotency-Key` is still in flight (see `Retry-After`)."
)
_STALE = "`If-Match` does not match the current version (`current_version` names it)."
_TOO_LARGE = "The request body is over `SDO_MAX_BODY_BYTES` (default 1 MiB); refused before it is read."
_RATE_LIMITED = "The caller is over `SDO_RATE_LIMIT` (when configured); see `Retry-After`."
_ERROR_HEADERS = {
    "401": ["WWW-Authenticate"],
    "405": ["Allow"],
    "409": ["Retry-After"],
    "429": ["Retry-After"],
    "503": ["Retry-After"],
}


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _header_params(op: dict[str, Any]) -> set[str]:
    return {p["name"].lower() for p in op.get("parameters", []) if p.get("in") == "header"}


def _document_operation(path: str, method: str, op: dict[str, Any]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    headers = _header_params(op)
    errors = dict(_API_ERRORS if path.startswith("/api/") else _OPS_ERRORS)
    if "idempotency-key" in headers or (path.startswith("/api/") and method in ("post", "put", "patch", "delete")):
        errors["409"] = _CONFLICT
    if "if-match" in headers:
        errors["412"] = _STALE
    if "requestBody" in op or method in ("post", "put", "patch"):
        errors["413"] = _TOO_LARGE
    if path.startswith("/api/"):
        errors["429"] = _RATE_LIMITED
    for code, description in errors.items():
        existing = responses.get(code, {})
        responses[code] = _problem(existing.get("description") or description)
    if "if-none-match" in headers and method == "get":
        responses.setdefault(
            "304", {"description": "Not modified: the `If-None-Match` ETag is current. No body."}
        ).setdefault("headers", {})["ETag"] = _header_ref("ETag")
    for code, response in responses.items():
        response_headers = response.setdefault("headers", {})
        response_headers["X-Request-ID"] = _header_ref("X-Request-ID")
        for name in _ERROR_HEADERS.get(code, []):
            response_headers[name] = _header_ref(name)
        if not code.startswith("2"):
            continue
        if "if-none-match" in headers or "if-match" in headers:
            response_headers["ETag"] = _header_ref("ETag")
        if code == "201":
            response_headers["Location"] = _header_ref("Location")
        if "idempotency-key" in headers:
            response_headers["Idempotent-Replayed"] = _header_ref("Idempotent-Replayed")


def install_openapi(app: FastAPI) -> None:
    def custom() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
        )
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        components.setdefault("headers", {}).update(_HEADERS)
        for name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(name, None)
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                _document_operation(path, method, op)
        ops = schema.get("paths", {})
        if "/readyz" in ops:
            not_ready = ops["/readyz"]["get"]["responses"]["503"]
            not_ready.update(_problem(not_ready.get("description") or "A dependency is down."))
        if "/metrics" in ops:
            ops["/metrics"]["get"]["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
        app.openapi_schema = schema
        return schema

    app.openapi = custom  # type: ignore[method-assign]
