"""The docs a service serves itself, with no asset from outside: a closed network sees them whole.

- ``/docs``: Swagger UI, its script and styles from ``/static/`` (the ``fastapi-offline`` package
  ships them), the bearer "Authorize" kept across reloads (``persistAuthorization``);
- ``/redoc``: ReDoc, its standalone script from ``/static/`` too, no web fonts;
- ``/``: what the service is, with links to the docs, AsyncAPI, health, readiness and metrics;
- ``/asyncapi.json``: the AsyncAPI 3.0 document of the service's channels (``shared.asyncapi``).

``/openapi.json`` stays FastAPI's. The landing page and the AsyncAPI document are operations of the
OpenAPI document (tag ``documentation``); the UIs and their assets are not.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse, Response

from shared.asyncapi import Participant, service_document
from shared.http.problems import NotFound

STATIC_PREFIX = "/static"
# The files the UIs load, by name, and their media types; nothing else under /static is served.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "persistAuthorization": True,
    "displayRequestDuration": True,
    "tryItOutEnabled": False,
    "filter": True,
    # Swagger UI would send the document to an outside validator for its badge.
    "validatorUrl": None,
}
# The pages may load nothing from outside the service: the browser refuses it before a request is made
# (ReDoc's footer, for one, would fetch a logo from the vendor's CDN). Inline scripts and styles are the
# UIs' own: Swagger UI starts from one, ReDoc and Swagger UI inject their styles; ReDoc's search runs in
# a worker started from a blob.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
TAG = {
    "name": "documentation",
    "description": "This service's landing page and the AsyncAPI document of its events "
    "(the OpenAPI document is `/openapi.json`, shown at `/docs` and `/redoc`).",
}


def asset_directory() -> Path:
    """Where the installed ``fastapi-offline`` keeps Swagger UI's and ReDoc's files."""
    return Path(str(files("fastapi_offline") / "static"))


def _page(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _root(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


def _landing_page(participant: Participant, root: str) -> str:
    links = [
        ("docs", "Swagger UI", "the REST API, to try out with a bearer token (Authorize)"),
        ("redoc", "ReDoc", "the REST API, to read"),
        ("openapi.json", "OpenAPI 3.1", "the REST API as a document"),
        ("asyncapi.json", "AsyncAPI 3.0", "the events this service publishes and consumes, and its queues"),
        ("healthz", "Liveness", "the process is up"),
        ("readyz", "Readiness", "the database and the broker are reachable"),
        ("metrics", "Metrics", "Prometheus text"),
    ]
    items = "\n".join(
        f'<li><a href="{html.escape(f"{root}/{path}")}">{html.escape(label)}</a> '
        f"<code>/{html.escape(path)}</code>: {html.escape(what)}</li>"
        for path, label, what in links
    )
    published = ", ".join(sorted(map(str, participant.publishes))) or "none"
    consumed = ", ".join(sorted(map(str, participant.subscriptions))) or "none"
    title = html.escape(participant.title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{html.escape(root)}{STATIC_PREFIX}/favicon.png">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5;
  color: #1b1b1b; }}
h1 {{ margin-bottom: 0.25rem; }}
.service {{ color: #555; margin-top: 0; }}
code {{ background: #f2f2f2; padding: 0 0.2rem; }}
li {{ margin: 0.3rem 0; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="service">Service <code>{html.escape(participant.name)}</code>, version {html.escape(participant.version)}</p>
<p>{html.escape(participant.description)}</p>
<h2>Links</h2>
<ul>
{items}
</ul>
<h2>Events</h2>
<p>Publishes: {html.escape(published)}.</p>
<p>Consumes: {html.escape(consumed)}.</p>
</body>
</html>
"""


def docs_router(participant: Participant, app: FastAPI) -> APIRouter:
    router = APIRouter()
    directory = asset_directory()
    asyncapi: dict[str, Any] = {}

    @router.get(
        "/",
        response_class=HTMLResponse,
        tags=[TAG["name"]],
        operation_id="landing_page",
        summary="About this service",
        description="An HTML page: what the service is and links to its docs (Swagger UI, ReDoc, OpenAPI, "
        "AsyncAPI), health, readiness and metrics. No asset is loaded from outside the service.",
    )
    async def landing(request: Request) -> HTMLResponse:
        return _page(HTMLResponse(_landing_page(participant, _root(request))))

    @router.get(
        "/asyncapi.json",
        tags=[TAG["name"]],
        operation_id="asyncapi_document",
        summary="AsyncAPI document",
        description="AsyncAPI 3.0: the channels this service uses on the bus (the `sdo.events` routing keys it "
        "publishes and consumes, its queue, dead-letter exchange and queue), the CloudEvents envelope and "
        "every event type's payload schema.",
    )
    async def asyncapi_json() -> dict[str, Any]:
        if not asyncapi:
            asyncapi.update(service_document(participant))
        return asyncapi

    @router.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return _page(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{STATIC_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_PREFIX}/favicon.png",
                swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
            )
        )

    @router.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return _page(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{STATIC_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{STATIC_PREFIX}/favicon.png",
                with_google_fonts=False,
            )
        )

    @router.get(STATIC_PREFIX + "/{asset}", include_in_schema=False)
    async def static(asset: str) -> Response:
        media_type = ASSETS.get(asset)
        if media_type is None:
            raise NotFound(f"No asset {asset!r}.")
        return FileResponse(
            directory / asset, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
        )

    return router


def install_docs(app: FastAPI, participant: Participant) -> None:
    """Serve the docs; the app must be built with ``docs_url=None, redoc_url=None``."""
    app.include_router(docs_router(participant, app))
