"""ETags for computed reads (pages, eligibility, analytics) that have no single ``version``."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from shared.http.responses import dumps


def json_with_digest_etag(request: Request, body: BaseModel) -> Response:
    """The body with a weak ETag of its content; 304 when the caller already holds it."""
    content = dumps(body.model_dump(mode="json"))
    tag = f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'
    held = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}
    if tag.removeprefix("W/") in held or "*" in held:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(content, status_code=200, headers={"ETag": tag}, media_type="application/json")
