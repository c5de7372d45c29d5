"""ETag / If-Match / If-None-Match on the integer ``version`` every resource carries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from shared.http.problems import PreconditionFailed
from shared.http.responses import json_response


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def check_if_match(if_match: str | None, version: int) -> None:
    """A stale ``If-Match`` means the caller edits what it has not seen: 412."""
    if if_match is None:
        return
    tags = _tags(if_match)
    if "*" in tags or etag(version) in tags:
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current version {version}.",
        current_version=version,
    )


def is_not_modified(request: Request, version: int) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = _tags(header)
    return "*" in tags or etag(version) in tags


def json_with_etag(request: Request, body: BaseModel | dict[str, Any], version: int) -> Response:
    """A GET's answer: 304 when the caller's ETag is current, else the body with its ETag."""
    headers = {"ETag": etag(version)}
    if is_not_modified(request, version):
        return Response(status_code=304, headers=headers)
    content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return json_response(content, 200, headers)
