"""The edge of every service: body limit, rate limit, security headers (contract section 10).

Pure ASGI middleware, installed by :func:`install_edge` so that an oversized body is refused
before anything parses it or authenticates its caller, and every answer (a 500 too) carries
``X-Content-Type-Options: nosniff``; answers under ``/api/`` also carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import Problem
from shared.http.ratelimit import RateLimitMiddleware
from shared.http.responses import problem_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
API_PREFIX = "/api/"


def install_edge(app: FastAPI) -> None:
    """Install the edge middleware; call it before the metrics and request-id middleware are added,
    so that those still see (and count, and label) the 413 and 429 answers given here."""
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    # Outside Starlette's own error middleware, which answers a 500 past every added middleware.
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build())

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]


def _settings(scope: Scope) -> Any:
    runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
    return getattr(runtime, "settings", None)


class PayloadTooLarge(Problem):
    status, slug = 413, "payload-too-large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than {limit} bytes, the most this service accepts.",
            title="Content Too Large",
            # The rest of the body is not read: the connection cannot carry another request.
            headers={"Connection": "close"},
            max_bytes=limit,
        )


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` past the limit; an HTTP error, so no layer mistakes it for a bug."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length; count what arrives instead
    return None


class BodyLimitMiddleware:
    """413 for a body over ``SDO_MAX_BODY_BYTES``: at once when ``Content-Length`` says so, else as soon
    as the bytes read from a streamed (chunked) body pass the limit; nothing more of it is read."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _limit(self, scope: Scope) -> int:
        if self.max_bytes is not None:
            return self.max_bytes
        settings = _settings(scope)
        return int(getattr(settings, "max_body_bytes", DEFAULT_MAX_BODY_BYTES))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(limit, scope, receive, send)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app makes of the refused body, the answer is the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _BodyTooLarge:
            if started:
                raise
        if exceeded and not started:
            await _refuse(limit, scope, receive, send)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    problem = PayloadTooLarge(limit)
    await problem_response(problem.body(), problem.status, problem.headers)(scope, receive, send)


class SecurityHeadersMiddleware:
    """``nosniff`` on every answer; ``no-store`` on API answers (never cached by a proxy or browser)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith(API_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(raw=message["headers"])
                headers["X-Content-Type-Options"] = "nosniff"
                if api:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
