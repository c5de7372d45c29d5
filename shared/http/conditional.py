"""ETag / If-Match / If-None-Match on the integer ``version`` every resource carries."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from shared.http.problems import ValidationProblem
from shared.http.responses import dumps, json_response
from shared.versioning import Expected


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def parse_if_match(header: str | None) -> Expected | None:
    """The versions an ``If-Match`` accepts; tags that are not our ``"<version>"`` match nothing."""
    if header is None:
        return None
    tags = _tags(header)
    versions = frozenset(int(t[1:-1]) for t in tags if len(t) > 2 and t[0] == t[-1] == '"' and t[1:-1].isdigit())
    return Expected(versions, any="*" in tags, raw=header)


def check_if_match(if_match: str | None, version: int) -> None:
    """A stale ``If-Match`` means the caller edits what it has not seen: 412 (``StaleVersion``)."""
    expected = parse_if_match(if_match)
    if expected is not None:
        expected.check(version)


def is_not_modified(request: Request, version: int) -> bool:
    return none_match(request.headers.get("if-none-match"), version)


def none_match(header: str | None, version: int) -> bool:
    """True when an ``If-None-Match`` header names ``version``'s ETag (or ``*``): answer 304."""
    if not header:
        return False
    if header == f'"{version}"':  # what a poller sends back: the one ETag it was given
        return True
    tags = _tags(header)
    return "*" in tags or etag(version) in tags


def not_modified(version: int) -> Response:
    return Response(status_code=304, headers={"ETag": etag(version)})


def json_with_etag(request: Request, body: BaseModel | dict[str, Any], version: int) -> Response:
    """A GET's answer: 304 when the caller's ETag is current, else the body with its ETag."""
    headers = {"ETag": etag(version)}
    if is_not_modified(request, version):
        return not_modified(version)
    content = body.model_dump(mode="json") if isinstance(body, BaseModel) else body
    return json_response(content, 200, headers)


def json_with_digest_etag(request: Request, body: BaseModel) -> Response:
    """A computed read (a page, eligibility, analytics) has no version: its ETag is a digest of its body."""
    digest = hashlib.sha256(dumps(body.model_dump(mode="json"))).digest()
    return json_with_etag(request, body, int.from_bytes(digest[:8], "big"))


def required_body(body: BaseModel | None, field: str) -> BaseModel:
    """An optional body that must be there: a missing one is reported on the field it lacks, like an empty one."""
    if body is None:
        raise ValidationProblem([{"field": field, "message": "Field required"}])
    return body
