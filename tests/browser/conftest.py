"""Fixtures of the browser tests: one headless Chromium for the session, and fresh browser
contexts (a phone or a desktop screen) per test. The shared helpers live in
browser_helpers.py, registered here as the module ``browser_helpers`` (the suite runs with
--import-mode=importlib, which puts no test folder on sys.path)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load(name: str, path: Path | None = None):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path or Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


helpers = _load("browser_helpers")
# The fake API lives with the mock (scripts/mock serves it too); the tests know it as fake_api.
fake_api = _load("fake_api", Path(__file__).resolve().parents[2] / "tools" / "mock_api" / "fake.py")


@pytest.fixture(scope="session")
async def browser():
    pw = helpers.require_browser()
    async with pw.async_playwright() as p:
        b = await p.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.ARGS, timeout=30_000)
        yield b
        await b.close()


@pytest.fixture
async def open_screen(browser):
    """open_screen(size, timeout_ms=5000) -> Screen in a context of its own (its own
    sessionStorage: another person at another device)."""
    pw = helpers.require_browser()
    contexts = []

    async def make(size: str, *, timeout_ms: int = 5_000):
        context = await browser.new_context(**helpers.SIZES[size], device_scale_factor=1, locale="zh-CN",
                                            timezone_id="Asia/Shanghai")
        context.set_default_timeout(timeout_ms)
        pw.expect.set_options(timeout=timeout_ms)
        contexts.append(context)
        return helpers.Screen(await context.new_page(), size)

    pw.expect.set_options(timeout=5_000)
    yield make
    for c in contexts:
        await c.close()


@pytest.fixture
async def site():
    """(fake, base URL): the web client and fake_api.FakeCardCenter on a port of its own."""
    from aiohttp import web

    fake = fake_api.FakeCardCenter(helpers.STATIC)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()
