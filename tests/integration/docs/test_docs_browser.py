"""The docs as an operator on a closed network sees them: headless Chromium, nothing beyond localhost.

Each service runs as a real server. Debian's ``chromium`` is driven by Playwright (its own browser
builds are never downloaded); every request the page makes to a host other than 127.0.0.1/localhost
is aborted and remembered, and the test fails if there was one. On /docs the test checks that Swagger
UI lists every operation of the document, authorizes with a token from ``sdo token``, runs
``GET /api/v1/audit/verify`` ("Try it out", "Execute") and sees its 200; a screenshot of the page is
saved in the test's tmp_path. /redoc and the landing page render the same way, offline.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Route, expect, sync_playwright

from tests import support
from tests.integration.docs.conftest import ROOT, Served

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = {"127.0.0.1", "localhost"}
# Generous waits for a loaded machine: how long to wait for the page, never a measured duration.
WAIT_MS = 60_000
VERIFY = "/api/v1/audit/verify"

pytestmark = pytest.mark.timeout(300)
expect.set_options(timeout=WAIT_MS)


@dataclass
class Browser:
    context: BrowserContext
    left_localhost: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        support.unavailable("Chromium", f"{CHROMIUM} not found (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 1000},
        )
        seen = Browser(context)

        def only_localhost(route: Route) -> None:
            url = route.request.url
            host = urlsplit(url).hostname or ""
            if url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL:
                seen.left_localhost.append(url)
                route.abort("blockedbyclient")
                return
            seen.requests.append((url, route.request.headers))
            route.continue_()

        context.route("**/*", only_localhost)
        try:
            yield seen
        finally:
            context.close()


@pytest.fixture(scope="module")
def token() -> str:
    """A token as an operator gets one: ``sdo token``, signed with the secret the server checks with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDO_")}
    env["SDO_JWT_SECRET"] = support.JWT_SECRET
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "token", "--role", "auditor", "--sub", "docs-browser"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _operations(served: Served) -> list[tuple[str, str, dict[str, object]]]:
    document = httpx.get(f"{served.url}/openapi.json", timeout=10).json()
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]


def test_swagger_ui_lists_every_operation_authorizes_and_runs_a_call(
    served: Served, browser: Browser, token: str, tmp_path: Path
) -> None:
    operations = _operations(served)
    verify = next(op for path, method, op in operations if path == VERIFY and method == "get")
    page = browser.context.new_page()
    page.set_default_timeout(WAIT_MS)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    try:
        page.goto(f"{served.url}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("SDO")
        # Every operation of the document is listed, under each of its tags.
        listed = sum(len(op.get("tags") or ["default"]) for _, _, op in operations)  # type: ignore[arg-type]
        expect(page.locator(".opblock")).to_have_count(listed)

        page.locator(".auth-wrapper button.authorize").click()
        dialog = page.locator(".dialog-ux")
        dialog.locator("input").first.fill(token)
        dialog.locator("button.authorize").click()
        expect(dialog.locator("button.btn-done")).to_be_visible()
        dialog.locator("button.btn-done").click()
        # persistAuthorization: the token is kept for the next visit.
        assert "HTTPBearer" in (page.evaluate("window.localStorage.getItem('authorized')") or "")

        block = page.locator(f"#operations-{verify['tags'][0]}-{verify['operationId']}")  # type: ignore[index]
        block.locator(".opblock-summary").first.click()
        block.locator("button.try-out__btn").click()
        block.locator("button.execute").click()
        answer = block.locator(".live-responses-table tr.response")
        expect(answer.locator(".response-col_status")).to_have_text("200")
        expect(answer.locator(".response-col_description")).to_contain_text('"valid": true')
        page.screenshot(path=str(tmp_path / f"{served.name}-docs.png"), full_page=True)
        block.screenshot(path=str(tmp_path / f"{served.name}-docs-call.png"))
    finally:
        page.close()

    sent = [headers for url, headers in browser.requests if urlsplit(url).path == VERIFY]
    assert sent and sent[-1].get("authorization") == f"Bearer {token}", sent
    assert (tmp_path / f"{served.name}-docs.png").stat().st_size > 0
    # Swagger UI needs nothing its page's policy refuses.
    assert not refused, refused
    assert not browser.left_localhost, browser.left_localhost


def test_redoc_and_the_landing_page_render_offline(served: Served, browser: Browser, tmp_path: Path) -> None:
    page = browser.context.new_page()
    page.set_default_timeout(WAIT_MS)
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    try:
        page.goto(f"{served.url}/redoc")
        expect(page.locator(".api-info h1")).to_contain_text("SDO")
        expect(page.locator("[data-section-id^='operation/']").first).to_be_attached()
        page.screenshot(path=str(tmp_path / f"{served.name}-redoc.png"))

        page.goto(f"{served.url}/")
        expect(page.locator("h1")).to_contain_text("SDO")
        hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert {"/docs", "/redoc", "/asyncapi.json", "/healthz", "/readyz", "/metrics"} <= set(hrefs), hrefs
        page.locator("a[href='/docs']").click()
        expect(page.locator(".opblock").first).to_be_visible()
        page.screenshot(path=str(tmp_path / f"{served.name}-landing-to-docs.png"))
    finally:
        page.close()
    assert not browser.left_localhost, browser.left_localhost
    # The one thing the policy keeps the pages from: the logo in ReDoc's footer, on the vendor's CDN.
    assert all("cdn.redoc.ly" in message for message in refused), refused
