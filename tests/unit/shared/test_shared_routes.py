"""Route templates and Allow as served: prefixes of included routers applied."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, FastAPI

from shared.http.problems import install_problem_handlers
from shared.observability import MetricsMiddleware, ServiceMetrics


def _app() -> tuple[FastAPI, ServiceMetrics]:
    items = APIRouter()

    @items.get("/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @items.delete("/{item_id}")
    async def remove(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    api = APIRouter(prefix="/api/v1")
    api.include_router(items, prefix="/items")
    api.include_router(items, prefix="/archived")
    app = FastAPI()
    app.include_router(api)

    @app.get("/plain/{name}")
    async def plain(name: str) -> dict[str, str]:
        return {"name": name}

    metrics = ServiceMetrics("t")
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app, metrics


async def test_metrics_label_the_full_template_of_each_inclusion() -> None:
    app, metrics = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.get("/api/v1/items/1")
        await client.get("/api/v1/archived/2")
        await client.get("/api/v1/archived/3")
        await client.get("/plain/x")
    text = metrics.render().decode()
    assert 'route="/api/v1/items/{item_id}",status="200"} 1.0' in text
    assert 'route="/api/v1/archived/{item_id}",status="200"} 2.0' in text
    assert 'route="/plain/{name}",status="200"} 1.0' in text
    assert 'route="/{item_id}"' not in text


async def test_allow_names_every_method_at_the_path() -> None:
    app, _ = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/api/v1/archived/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET"
    assert response.headers["content-type"] == "application/problem+json"


async def test_allow_names_the_methods_of_the_matching_template_only() -> None:
    # `/orders/changes` also matches `/orders/{order_id}`: its PATCH is another resource's method.
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/orders/changes")
    async def changes() -> dict[str, str]:
        return {}

    @app.get("/orders/{order_id}")
    async def read(order_id: str) -> dict[str, str]:
        return {}

    @app.patch("/orders/{order_id}")
    async def edit(order_id: str) -> dict[str, str]:
        return {}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        listed = await client.options("/orders/changes")
        one = await client.post("/orders/42")
    assert (listed.status_code, listed.headers["Allow"]) == (405, "GET")
    assert (one.status_code, one.headers["Allow"]) == (405, "GET, PATCH")
