"""The pages each service serves about itself: landing page, Swagger UI, ReDoc, their assets, AsyncAPI.

No page names an asset outside the service (every ``src`` and ``href`` is a path on it, and each one
answers), the pages carry a Content-Security-Policy that keeps the browser on the service, and the
landing page's links all answer with the content type the OpenAPI document declares.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from services import cli
from services.cli import SERVICES
from shared.asyncapi import service_document
from shared.http.docs import CONTENT_SECURITY_POLICY
from tests.support import JWT_SECRET, running

LINKS = ["/docs", "/redoc", "/openapi.json", "/asyncapi.json", "/healthz", "/readyz", "/metrics"]
TYPES = {
    "/docs": "text/html",
    "/redoc": "text/html",
    "/openapi.json": "application/json",
    "/asyncapi.json": "application/json",
    "/healthz": "application/json",
    "/readyz": "application/json",
    "/metrics": "text/plain",
}


@pytest.fixture(params=sorted(SERVICES))
async def service(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A service of the registry, configured from the environment as `sdo` would run it."""
    import os

    for name in [k for k in os.environ if k.startswith("SDO_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SDO_AMQP_URL", f"memory://pages-{request.param}-{uuid4().hex}")
    monkeypatch.setenv("SDO_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("SDO_DATA_DIR", str(tmp_path))
    app = cli._app_factory(str(request.param))
    async with running(app) as client:
        yield app, client


def _media(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip()


def _references(page: str) -> list[str]:
    return re.findall(r"""(?:src|href|spec-url)=["']([^"']+)["']""", page) + re.findall(r"""url:\s*'([^']+)'""", page)


async def test_the_landing_page_says_what_the_service_is_and_every_link_answers(
    service: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = service
    spec = app.state.service_spec
    page = await client.get("/")
    assert page.status_code == 200 and _media(page) == "text/html"
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert f"<h1>{html.escape(spec.title)}</h1>" in page.text and html.escape(spec.description) in page.text
    references = _references(page.text)
    assert set(LINKS) <= set(references), references
    paths = app.openapi()["paths"]
    for link in references:
        assert link.startswith("/") and not link.startswith("//"), link
        response = await client.get(link)
        assert response.status_code == 200, (link, response.text[:300])
        if link in TYPES:
            assert _media(response) == TYPES[link], link
        if link in paths:
            assert _media(response) in paths[link]["get"]["responses"]["200"]["content"], link


@pytest.mark.parametrize("ui", ["/docs", "/redoc"])
async def test_the_docs_load_only_the_services_own_assets(service: tuple[FastAPI, httpx.AsyncClient], ui: str) -> None:
    _, client = service
    page = await client.get(ui)
    assert page.status_code == 200 and _media(page) == "text/html"
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "cdn." not in page.text and "fonts.googleapis" not in page.text
    references = _references(page.text)
    assert "/openapi.json" in references
    assets = [r for r in references if r.startswith("/static/")]
    assert assets, references
    for reference in references:
        assert reference.startswith("/") and not reference.startswith("//"), reference
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert _media(response) in ("text/javascript", "text/css", "image/png"), asset
        assert len(response.content) > 1000, asset
    if ui == "/docs":
        assert '"persistAuthorization": true' in page.text
        assert '"validatorUrl": null' in page.text


async def test_only_the_known_assets_are_served(service: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, client = service
    for path in ["/static/nope.js", "/static/..%2F..%2Fpyproject.toml", "/static/core.py"]:
        response = await client.get(path)
        assert response.status_code == 404, path
        assert _media(response) == "application/problem+json"


async def test_asyncapi_json_is_the_services_generated_document(service: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = service
    response = await client.get("/asyncapi.json")
    assert response.status_code == 200 and _media(response) == "application/json"
    served: dict[str, Any] = response.json()
    assert served["asyncapi"] == "3.0.0"
    assert served == httpx.Response(200, json=service_document(app.state.service_spec)).json()


def test_the_openapi_document_declares_the_landing_page_and_asyncapi_not_the_uis() -> None:
    for name in SERVICES:
        paths = cli._app_factory(name).openapi()["paths"]
        assert set(paths["/"]["get"]["responses"]["200"]["content"]) == {"text/html"}, name
        assert set(paths["/asyncapi.json"]["get"]["responses"]["200"]["content"]) == {"application/json"}, name
        assert not {"/docs", "/redoc", "/static/{asset}", "/openapi.json"} & set(paths), name


async def test_behind_a_path_prefix_the_links_keep_it(service: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, _ = service
    transport = httpx.ASGITransport(app=app, root_path="/svc")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        landing = (await client.get("/")).text
        docs = (await client.get("/docs")).text
    assert 'href="/svc/docs"' in landing and 'href="/svc/asyncapi.json"' in landing
    assert "/svc/static/swagger-ui-bundle.js" in docs and "'/svc/openapi.json'" in docs
