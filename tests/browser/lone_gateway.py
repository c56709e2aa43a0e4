"""The real gateway (nginx, rendered from the template) with no service behind it: enough for
the pages that need none (the web client's first page, the API docs). Shared by the browser
tests that open such a page; loaded by conftest.py as ``lone_gateway``."""
from __future__ import annotations

import asyncio
import importlib.util
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gateway_render_for_browser", ROOT / "deploy/gateway/render.py")
render_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_mod)
NGINX = render_mod.nginx_binary()
SERVICES = ("identity", "booking", "allocator", "notifier")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def lone_gateway(name: str) -> AsyncIterator[str]:
    """The gateway's base URL; its services' ports have nobody listening."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"cardcenter-gateway-{name}-"))
    port = free_port()
    env = {f"{s.upper()}_UPSTREAM": f"127.0.0.1:{free_port()}" for s in SERVICES}
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
