"""The pollers' hot paths: a GET answered in front of the framework when nothing unusual is asked.

Suppliers poll ``/status`` and ministry systems page the changes feed all day; for them FastAPI's
routing, dependency resolution and the kernel's middleware stack cost several times the read
itself. A route marks itself hot with :func:`hot`, naming a *fast handler*: the same code the route
runs, called with the parsed request. In front of everything, :class:`HotPaths` answers a request
for a hot route itself when it is the plain case: a GET with no body, a bearer token that verifies
(the verifier caches verified tokens) and whose roles the route's own :class:`~shared.auth.RoleRule`
admits, no rate limit configured and the service not traced. The answer is the fast handler's,
with what the middleware adds to every answer: ``X-Request-ID``, ``X-Content-Type-Options`` and
``Cache-Control``, and the request counted and timed in the service's metrics under the route's
template.

Anything else goes down the ordinary stack, which answers as it always has: a missing or bad token
(401), a role not admitted (403), bad input (422), and any error the fast handler raises (a 404,
a database that does not answer) as well, so every problem answer, its language and its logging
stay the framework's. A fast handler returns None for input it does not take (the route validates
it), and it must be safe to run twice (a read): a request it gave up on is served again in full.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import RoleRule
from shared.http.request_id import request_id_of
from shared.http.routes import original_route, served_routes
from shared.principal import Principal
from shared.telemetry import tracing

API_PREFIX = "/api/"
_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff")]
_API_HEADERS = [(b"cache-control", b"no-store")]

E = TypeVar("E", bound=Callable[..., Any])


@dataclass(frozen=True)
class HotCall:
    """What a fast handler gets: the running service, the verified caller, the path parameters, the
    query (None when a name repeats: the route decides then) and the ``If-None-Match`` header."""

    runtime: Any
    principal: Principal
    path: dict[str, str]
    query: dict[str, str]
    if_none_match: str | None


FastHandler = Callable[[HotCall], Awaitable[Response | None]]


def hot(handler: FastHandler) -> Callable[[E], E]:
    """Mark a GET route hot: ``handler`` answers it in front of the framework in the plain case."""

    def mark(endpoint: E) -> E:
        endpoint.__sdo_hot__ = handler  # type: ignore[attr-defined]
        return endpoint

    return mark


def _rules(dependant: Any) -> Iterator[RoleRule]:
    if isinstance(dependant.call, RoleRule):
        yield dependant.call
    for child in dependant.dependencies:
        yield from _rules(child)


@dataclass(frozen=True)
class _HotRoute:
    template: str
    route: Any  # the served route (prefix applied): its ``matches`` gives the path parameters
    rules: tuple[RoleRule, ...]
    handler: FastHandler
    # The GET routes served before this one: a request one of them takes is not this route's.
    before: tuple[Any, ...]


def hot_routes(app: FastAPI) -> list[_HotRoute]:
    """The app's hot routes, each with the role rules its dependency tree holds (at least one)."""
    found = []
    earlier: list[Any] = []
    for served in served_routes(app.routes):
        endpoint = getattr(original_route(served), "endpoint", None)
        handler = getattr(endpoint, "__sdo_hot__", None)
        if handler is None:
            if "GET" in (getattr(served, "methods", None) or {"GET"}):
                earlier.append(served)
            continue
        original = original_route(served)
        if not isinstance(original, APIRoute) or original.methods != {"GET"}:
            raise ValueError(f"only GET routes can be hot: {served.path}")
        rules = tuple(_rules(original.dependant))
        if not rules:
            raise ValueError(f"a hot route needs a role rule: {served.path}")
        template = getattr(served, "path_format", None) or served.path
        found.append(_HotRoute(template, served, rules, handler, tuple(earlier)))
        earlier.append(served)
    return found


def _bearer(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None, bool]:
    """(token, If-None-Match, plain): plain is False when the request carries a body or a header
    the ordinary stack must see (the body limit, a second Authorization)."""
    token = if_none_match = None
    seen_authorization = False
    for name, value in headers:
        if name == b"authorization":
            if seen_authorization:
                return None, None, False
            seen_authorization = True
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                token = credentials.strip()
        elif name == b"if-none-match":
            if if_none_match is not None:
                return None, None, False
            if_none_match = value.decode("latin-1")
        elif name in (b"content-length", b"transfer-encoding"):
            return None, None, False
    return token, if_none_match, True


def _query(raw: bytes) -> dict[str, str] | None:
    if not raw:
        return {}
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


class HotPaths:
    """In front of the whole stack: answers the hot routes' plain requests, passes on the rest."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI, metrics: Any) -> None:
        self.app = app
        self.fastapi = fastapi
        self.metrics = metrics
        self._routes: list[_HotRoute] | None = None

    def _hot(self, scope: Scope) -> tuple[_HotRoute, dict[str, str]] | None:
        if self._routes is None:
            self._routes = hot_routes(self.fastapi)
        for route in self._routes:
            match, child = route.route.matches(scope)
            if match is Match.FULL:
                # Served as the router would: only if no route before it takes the request.
                if any(other.matches(scope)[0] is Match.FULL for other in route.before):
                    return None
                return route, dict(child.get("path_params", {}))
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        answered = await self._answer(scope, send)
        if not answered:
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send) -> bool:
        start = time.perf_counter()
        runtime = getattr(self.fastapi.state, "runtime", None)
        if runtime is None or runtime.settings.rate_limit or tracing.tracer(runtime.name) is not None:
            return False
        found = self._hot(scope)
        if found is None:
            return False
        route, path = found
        token, if_none_match, plain = _bearer(scope["headers"])
        query = _query(scope.get("query_string", b""))
        if not plain or token is None or query is None:
            return False
        try:
            principal = runtime.verifier.verify(token)
        except Exception:
            return False  # the ordinary stack answers the 401
        if not all(rule.admits(principal) for rule in route.rules):
            return False
        scope["sdo.principal"] = principal
        try:
            response = await route.handler(HotCall(runtime, principal, path, query, if_none_match))
        except Exception:
            return False  # a problem (404, 503) or a fault: the ordinary stack answers and logs it
        if response is None:
            return False
        await self._send(scope, send, response, route.template, start)
        return True

    async def _send(self, scope: Scope, send: Send, response: Response, template: str, start: float) -> None:
        request_id = request_id_of(scope)
        scope["sdo.request_id"] = request_id
        extra = [*_SECURITY_HEADERS, *_API_HEADERS, (b"x-request-id", request_id.encode())]
        status = response.status_code

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await response(scope, _no_body, send_with_headers)
        finally:
            labels = ("GET", template, str(status))
            self.metrics.http_requests.labels(*labels).inc()
            self.metrics.http_latency.labels(*labels).observe(time.perf_counter() - start)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def install_hot_paths(app: FastAPI, metrics: Any) -> None:
    """Put :class:`HotPaths` in front of the stack ``build_middleware_stack`` builds (call it last)."""
    build = app.build_middleware_stack

    def build_with_hot_paths() -> ASGIApp:
        return HotPaths(build(), app, metrics)

    app.build_middleware_stack = build_with_hot_paths  # type: ignore[method-assign]
