"""Per-caller rate limit on ``/api/``: 429 problem+json with ``Retry-After`` (``SDO_RATE_LIMIT``).

A caller is the verified token's issuer, ``sub`` and ``supplier_id`` (``Principal.caller``); a
request without a valid token is counted by its client address (the gateway's, unless the server
is told to trust its forwarded headers). Off unless ``SDO_RATE_LIMIT`` is set.

Counts are kept in each replica's memory (the ``limits`` library's moving window): a caller served
by N replicas may make up to N times the limit, and a restart forgets the counts. The operator
endpoints (``/healthz``, ``/readyz``, ``/metrics``) are not limited, so probes never see a 429.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

import orjson
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import TokenVerifier
from shared.http.problems import Problem, Unauthorized
from shared.http.responses import problem_response

API_PREFIX = "/api/"


class TooManyRequests(Problem):
    status, slug = 429, "rate-limited"

    def __init__(self, limit: RateLimitItem, retry_after: int) -> None:
        super().__init__(
            f"Too many requests from this caller: the limit is {limit}. Retry after {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


@dataclass
class _Limiter:
    config: str
    items: list[RateLimitItem]
    strategy: MovingWindowRateLimiter


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return (token.strip() or None) if scheme.lower() == "bearer" else None
    return None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limiter: _Limiter | None = None

    def _limiter_for(self, config: str) -> _Limiter:
        # Built on first use: settings exist only once the lifespan has run.
        if self._limiter is None or self._limiter.config != config:
            self._limiter = _Limiter(config, parse_many(config), MovingWindowRateLimiter(MemoryStorage()))
        return self._limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: Any = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        config = getattr(getattr(runtime, "settings", None), "rate_limit", None)
        if runtime is None or scope["type"] != "http" or not config or not scope.get("path", "").startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        limiter = self._limiter_for(config)
        caller = self._caller(scope, runtime.verifier)
        for item in limiter.items:
            if not await limiter.strategy.hit(item, caller):
                stats = await limiter.strategy.get_window_stats(item, caller)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                problem = TooManyRequests(item, retry_after)
                await problem_response(problem.body(), problem.status, problem.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _caller(scope: Scope, verifier: TokenVerifier) -> str:
        """The counter's name: a digest, so that no separator in a ``sub`` can make two callers one."""
        who: list[str]
        token = _bearer(scope)
        principal = None
        if token is not None:
            try:
                principal = verifier.verify(token)
            except Unauthorized:
                principal = None  # counted by address; the route answers the 401
        if principal is not None:
            who = ["caller", *principal.caller]
        else:
            client = scope.get("client")
            who = ["address", str(client[0]) if client else "unknown"]
        return hashlib.sha256(orjson.dumps(who)).hexdigest()
