"""In Chromium: a page of another origin cannot frame the web client served by the real
gateway (CSP frame-ancestors 'none' and X-Frame-Options DENY, issue 16), while the client
itself, opened directly, runs under the gateway's policy without a violation."""
from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import subprocess
import tempfile
import shutil
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import browser_helpers as helpers

helpers.require_browser()

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gateway_render_for_framing", ROOT / "deploy/gateway/render.py")
render_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_mod)
NGINX = render_mod.nginx_binary()
pytestmark = pytest.mark.skipif(NGINX is None, reason="no nginx binary")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def gateway_url():
    """The real gateway serving the web client (no service needed to frame its first page)."""
    run_dir = Path(tempfile.mkdtemp(prefix="cardcenter-gateway-frame-"))
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
    port = _free_port()
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
