"""Fast JSON responses (orjson) and the problem+json response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import JSONResponse, Response

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _default(value: Any) -> Any:
    # Decimal and friends: the contract wants money as decimal strings, never floats.
    return str(value)


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(content), status_code=status, headers=dict(headers or {}), media_type="application/json")


def problem_response(body: dict[str, Any], status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, headers=dict(headers or {}), media_type=PROBLEM_CONTENT_TYPE)
