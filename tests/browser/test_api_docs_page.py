"""In Chromium, through the real gateway (nginx, no service behind it): the API docs page at
/api/docs draws every operation of the OpenAPI document, its search works (a worker started
from a blob: URL), the page's own Content-Security-Policy is never violated, and no request
leaves the gateway: the page, its script, its stylesheet and the document are all it loads."""
from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest

import browser_helpers as helpers

helpers.require_browser()

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
DOCS_ROOT = ROOT / "build" / "api-docs"
_spec = importlib.util.spec_from_file_location("gateway_render_for_api_docs", ROOT / "deploy/gateway/render.py")
render_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_mod)
NGINX = render_mod.nginx_binary()
pytestmark = [pytest.mark.skipif(NGINX is None, reason="no nginx binary"),
              pytest.mark.skipif(not (DOCS_ROOT / "index.html").is_file(),
                                 reason="build/api-docs missing: scripts/setup builds it")]
METHODS = {"get", "put", "post", "delete", "patch"}
# Reported to the page by Chromium for every policy violation, blocked or not.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def gateway_url():
    """The real gateway; its services' ports have nobody listening (the page needs none)."""
    run_dir = Path(tempfile.mkdtemp(prefix="cardcenter-gateway-docs-"))
    port = _free_port()
    env = {f"{s.upper()}_UPSTREAM": f"127.0.0.1:{_free_port()}" for s in ("identity", "booking", "allocator", "notifier")}
    env.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(run_dir))
    conf = render_mod.write(run_dir, env)
    process = subprocess.Popen(render_mod.nginx_command(conf, nginx=NGINX), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        async with aiohttp.ClientSession() as probe:
            while True:
                assert process.poll() is None
                try:
                    async with probe.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)
        shutil.rmtree(run_dir, ignore_errors=True)


def _operations() -> list[dict]:
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return [op for item in document["paths"].values() for method, op in item.items() if method in METHODS]


async def test_the_page_draws_every_operation_within_its_policy(browser, gateway_url):
    context = await browser.new_context(**helpers.SIZES["desktop"], locale="zh-CN")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        page = await context.new_page()
        screen = helpers.Screen(page, "desktop")
        await page.add_init_script(WATCH_VIOLATIONS)
        resp = await page.goto(gateway_url + "/api/docs")
        assert resp.status == 200
        assert "worker-src blob:" in resp.headers["content-security-policy"]
        # Redoc fetched the document and drew one section per operation (under its tag),
        # titled by its summary.
        operations = _operations()
        drawn = "[data-section-id^='tag/'][data-section-id*='/operation/']"
        # (Locator waits: a wait_for_function string would be an eval, which the policy refuses.)
        await page.locator(drawn).nth(len(operations) - 1).wait_for(timeout=30_000)
        ids = [i.rsplit("/", 1)[1] for i in await page.locator(drawn).evaluate_all(
            "els => els.map(e => e.getAttribute('data-section-id'))")]
        assert sorted(ids) == sorted(op["operationId"] for op in operations)
        headings = {" ".join(t.split()) for t in await page.locator(f"{drawn} h2").all_inner_texts()}
        missing = [op["summary"] for op in operations if " ".join(op["summary"].split()) not in headings]
        assert not missing, missing
        # Search runs in Redoc's worker (the policy's worker-src blob:).
        await page.get_by_placeholder("Search...").fill("booking")
        results = page.locator("[data-role='search:results'] li, [role='search'] li")
        await results.first.wait_for(timeout=10_000)
        assert await results.count() > 0
        # The bar's links lead to the two documents on this gateway.
        bar = page.locator("#api-docs-bar")
        assert await bar.get_by_role("link", name="OpenAPI 3.1 (JSON)").get_attribute("href") == "/api/v1/openapi.json"
        assert "/api/v1/asyncapi.json" in await bar.inner_html()
        await screen.shot("api-docs", full_page=False)
        # Under the policy: no violation reported, no error; nothing fetched elsewhere.
        assert await page.evaluate("window.__violations") == []
        screen.clean()
        outside = [u for u in requests if not (u.startswith(gateway_url + "/") or u.startswith(f"blob:{gateway_url}/")
                                               or u.startswith("data:"))]
        assert not outside, outside
        loaded = {u.removeprefix(gateway_url) for u in requests if u.startswith(gateway_url)}
        assert loaded == {"/api/docs", "/api/docs/api-docs.css", "/api/docs/redoc.standalone.js", "/api/v1/openapi.json"}
    finally:
        await context.close()
