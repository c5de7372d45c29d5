"""ETag / If-Match / If-None-Match on the integer ``version`` every resource carries."""

from __future__ import annotations

from starlette.requests import Request

from shared.http.problems import PreconditionFailed


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
