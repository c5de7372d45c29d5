"""OpenAPI: every operation declares its problem+json errors and the bearer scheme."""

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
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "current_status": {"type": "string"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}

_COMMON = {
    "400": "Malformed request (e.g. the body is not JSON).",
    "401": "Missing or invalid bearer token (see `WWW-Authenticate`).",
    "403": "The caller's role may not do this.",
    "404": "No such resource, or not visible to this caller.",
    "405": "Method not allowed (see `Allow`).",
    "422": "Invalid input; `errors` names each field.",
    "500": "Unexpected error; nothing internal is disclosed.",
}
_WRITES = {
    "409": "Conflicts with the current state (names `current_status` and `allowed_actions` where it applies), "
    "or the same `Idempotency-Key` is still in flight.",
    "412": "`If-Match` does not match the current version.",
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def install_openapi(app: FastAPI) -> None:
    def custom() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
        )
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(name, None)
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                codes = dict(_COMMON)
                if method in ("post", "put", "patch", "delete"):
                    codes.update(_WRITES)
                if not path.startswith("/api/"):
                    codes = {"405": _COMMON["405"], "500": _COMMON["500"]}
                for code, description in codes.items():
                    existing = responses.get(code, {})
                    responses[code] = _problem(existing.get("description") or description)
                if "503" in responses and path == "/readyz":
                    responses["503"] = {"description": "A dependency is down.", "content": {"application/json": {}}}
        app.openapi_schema = schema
        return schema

    app.openapi = custom  # type: ignore[method-assign]
