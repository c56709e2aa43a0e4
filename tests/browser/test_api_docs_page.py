"""In Chromium, through the real gateway (nginx, no service behind it): the API docs page at
/api/docs draws every operation of the OpenAPI document, its search works (a worker started
from a blob: URL), the page's own Content-Security-Policy is never violated, and no request
leaves the gateway: the page, its script, its stylesheet and the document are all it loads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import browser_helpers as helpers
from testsupport.gateway import lone_gateway, needs_nginx

helpers.require_browser()

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "deploy" / "gateway" / "static" / "openapi.json"
DOCS_ROOT = ROOT / "build" / "api-docs"
pytestmark = [needs_nginx,
              pytest.mark.skipif(not (DOCS_ROOT / "index.html").is_file(),
                                 reason="build/api-docs missing: scripts/setup builds it")]
METHODS = {"get", "put", "post", "delete", "patch"}
# Reported to the page by Chromium for every policy violation, blocked or not.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));
"""


@pytest.fixture
async def gateway_url():
    """The real gateway; its services' ports have nobody listening (the page needs none)."""
    async with lone_gateway("docs") as url:
        yield url


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
