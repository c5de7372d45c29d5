"""Operator endpoints: liveness, readiness (naming what is down), Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from shared.http.deps import RuntimeDep
from shared.http.problems import ServiceUnavailable
from shared.http.responses import json_response, problem_response
from shared.messaging import outbox
from shared.observability import METRICS_CONTENT_TYPE
from shared.runtime import Runtime

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness", description="The process is up and serving requests.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    description="Database and broker reachable. 503 is a problem whose `checks` name the one that is not; "
    "`checks` also carries the outbox backlog, and `dev_mode` (status `warning`) when development mode is on.",
    responses={503: {"description": "A dependency is down; `checks` names it."}},
)
async def readyz(runtime: RuntimeDep) -> Response:
    checks: dict[str, Any] = {}
    ready = True
    timeout = runtime.settings.readiness_timeout
    try:
        # A database that accepts connections and never answers must not hang the probe.
        backlog, oldest = await asyncio.wait_for(_database_check(runtime), timeout)
        checks["database"] = {"status": "ok"}
        checks["outbox"] = {"backlog": backlog, "oldest_unsent_age_seconds": round(oldest, 3)}
    except TimeoutError:
        ready = False
        checks["database"] = {"status": "down", "error": f"no answer within {timeout:g} s"}
    except Exception as exc:
        ready = False
        checks["database"] = {"status": "down", "error": type(exc).__name__}
    broker_problem = runtime.bus.problem() if runtime.bus else "no broker configured"
    if broker_problem:
        ready = False
        checks["broker"] = {"status": "down", "error": broker_problem}
    else:
        checks["broker"] = {"status": "ok"}
    if runtime.settings.dev_mode:
        # Not a reason to take the service out of rotation, but never to be missed on a dashboard.
        checks["dev_mode"] = {
            "status": "warning",
            "detail": "SDO_DEV_MODE is on: tokens signed with the published development secret are accepted.",
        }
    if ready:
        return json_response({"status": "ready", "service": runtime.name, "checks": checks})
    # An error like any other (RFC 9457), naming what is down in `checks`.
    down = ", ".join(name for name, check in checks.items() if check.get("status") == "down")
    problem = ServiceUnavailable(f"Not ready: {down} down.", slug="not-ready", service=runtime.name, checks=checks)
    return problem_response(problem.body(), problem.status, problem.headers)


async def _database_check(runtime: Runtime) -> tuple[int, float]:
    async with runtime.db.connect() as conn:
        return await outbox.backlog(conn)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts and latency histograms by route template and status; outbox and event figures.",
    response_class=Response,
)
async def metrics(request: Request, runtime: RuntimeDep) -> Response:
    return Response(runtime.metrics.render(), media_type=METRICS_CONTENT_TYPE)
