"""What both browser test modules share: Debian's Chromium driven by the PyPI playwright
package (`playwright install` is never needed), the two screen sizes, a page wrapper that
collects page errors and saves screenshots, and the few steps every journey takes.

Loaded by tests/browser/conftest.py (the fixtures ``browser`` and ``open_screen``); the test
modules import it as ``browser_helpers`` after calling ``require_browser()`` at import time.
"""
from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "deploy" / "gateway" / "static"
# Where the screenshots go: a scratch folder, so a test run leaves the tree clean;
# WEB_SCREENSHOTS_DIR=docs/screenshots refreshes the ones in the repository's docs.
SHOTS = Path(os.environ.get("WEB_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "cardcenter-screenshots")
SIZES = {
    "phone": dict(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True),
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    "hall": dict(viewport={"width": 1920, "height": 1080}),   # the hall's 叫号 screen (display.html)
}


def require_browser():
    """playwright.async_api, or skip the calling module (at import time) with the reason."""
    pw = pytest.importorskip("playwright.async_api",
                             reason="the playwright package is missing: pip install -r requirements-dev.txt -c constraints.txt")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (scripts/setup does it as root)",
                    allow_module_level=True)
    return pw


class Screen:
    """One browser page at one size, collecting page errors and dialogs (an injected
    alert() would open one) and saving screenshots."""

    def __init__(self, page, size: str) -> None:
        self.page, self.size = page, size
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self._clock_installed = False
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                and self.errors.append(m.text))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))

    async def shot(self, name: str, *, full_page: bool = True) -> None:
        """SHOTS/<name>-<size>.png, then the check that nothing is wider than the screen."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.evaluate("document.fonts.ready")
        if full_page:  # a sticky header is drawn where the window is scrolled to
            await self.page.evaluate("window.scrollTo(0, 0)")
        await self.page.screenshot(path=str(SHOTS / f"{name}-{self.size}.png"), full_page=full_page)
        await self.fits()

    async def fits(self) -> None:
        """Nothing wider than the viewport: no sideways scrolling on a 360 px phone."""
        width = await self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.page.viewport_size["width"], f"{self.page.url}: content is {width}px wide"

    async def set_clock(self, instant: datetime) -> None:
        """The page's clock jumps to ``instant`` and runs on from there: the client's idea
        of today (the desk's day, 预约查询's range) then matches the services' moved clock."""
        if self._clock_installed:
            await self.page.clock.set_system_time(instant)
        else:
            await self.page.clock.install(time=instant)
            self._clock_installed = True

    async def menu(self, name: str) -> None:
        await self.page.locator("#menu").get_by_role("link", name=name, exact=True).click()

    async def login_with_password(self, username: str, password: str) -> None:
        form = self.page.locator("#login-password")
        await form.locator("input[name=username]").fill(username)
        await form.locator("input[name=password]").fill(password)
        await form.get_by_role("button", name="登录").click()

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a dialog opened (injected script ran?): {self.dialogs}"
