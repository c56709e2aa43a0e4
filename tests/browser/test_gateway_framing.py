"""In Chromium: a page of another origin cannot frame the web client served by the real
gateway (CSP frame-ancestors 'none' and X-Frame-Options DENY, issue 16), while the client
itself, opened directly, runs under the gateway's policy without a violation."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

import browser_helpers as helpers
from testsupport.fixtures import free_port
from testsupport.gateway import lone_gateway, needs_nginx

helpers.require_browser()

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_nginx


@pytest.fixture
async def gateway_url():
    """The real gateway serving the web client (no service needed to frame its first page)."""
    async with lone_gateway("frame") as url:
        yield url


@pytest.fixture
async def hostile_site(gateway_url):
    """Another origin (localhost, another port) whose page frames the client."""
    async def page(_):
        return web.Response(text=f'<!doctype html><title>x</title><iframe id="f" src="{gateway_url}/#/"'
                                 ' width="800" height="600"></iframe>', content_type="text/html")
    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "localhost", port).start()
    yield f"http://localhost:{port}/"
    await runner.cleanup()


async def test_another_origin_cannot_frame_the_client(browser, gateway_url, hostile_site):
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(hostile_site)
        await page.wait_for_timeout(1500)
        framed = [f for f in page.frames if f != page.main_frame]
        assert len(framed) == 1
        # Blocked: Chromium leaves an error document, never the client's (no #menu, no title).
        assert not framed[0].url.startswith(gateway_url), framed[0].url
        assert await framed[0].locator("#menu").count() == 0
    finally:
        await context.close()


async def test_the_client_opened_directly_runs_under_the_policy(browser, gateway_url):
    context = await browser.new_context()
    try:
        page = await context.new_page()
        screen = helpers.Screen(page, "desktop")
        resp = await page.goto(gateway_url + "/")
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        # The app module ran (a script of 'self'), drew the sign-in screen and styled it.
        await page.wait_for_function("document.title.startsWith('登录 · ')")
        assert await page.locator("#view input").count() >= 2
        assert await page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") != "inline"
        violations = [e for e in screen.errors if "Content Security Policy" in e]
        assert not violations, violations
    finally:
        await context.close()
